// The one check every command runs on its output flags before any work: an output must not be one
// of the inputs (same file by real path or by inode: a hard link or a symlink counts) nor replace a
// file inside an input folder (a model folder's weights and labels, a DICOM series; a model.json
// input counts its folder), must not be another output of the same run, must have an extension
// the writer understands, must not be a folder (unless it may) or a device, FIFO or socket (a
// finished output is renamed into place: it would replace /dev/full or a FIFO with a plain file),
// and its folder must exist and be writable. Each failure is a UsageError (exit 2) naming the
// file, so a typo costs nothing and never destroys the input.
import { constants } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { access, open, readdir, realpath, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../engine/targets.js';
import { kindOf } from '../fs/regularFile.js';
import { isInside } from '../fs/isInside.js';

/** What JSON and CSV outputs must end in: a typo'd flag (`--json photo.png`) must not replace a picture. */
export const JSON_EXT: readonly string[] = ['.json'];
export const CSV_EXT: readonly string[] = ['.csv'];

export interface OutputSpec {
  /** the path as given; undefined (flag absent) and '-' (stdout) are skipped */
  file: string | undefined;
  /** what it is, for messages: 'overlay', 'timeline CSV', ... */
  what: string;
  /** accepted extensions in lower case ('.png', '.nii.gz'); absent: any */
  extensions?: readonly string[];
  /** a folder (or a path ending in a separator) is accepted (PNG sequences) */
  folderOk?: boolean;
  /** files written beside it (sidecars, per-map names): they must not be inputs either */
  alsoWrites?: readonly string[];
}

interface Identity {
  dev: number;
  ino: number;
}

async function identity(file: string): Promise<Identity | null> {
  const s = await stat(file).catch(() => null);
  return s ? { dev: s.dev, ino: s.ino } : null;
}

function endsWithAny(file: string, exts: readonly string[]): boolean {
  const lower = file.toLowerCase();
  return exts.some((e) => lower.endsWith(e));
}

/** Pure: whether `spec` names a folder output (it may be one, and ends in a separator or has no extension). */
function namesFolder(spec: OutputSpec & { file: string }): boolean {
  return !!spec.folderOk && (/[\\/]$/.test(spec.file) || path.extname(spec.file) === '');
}

/** Pure: the extension problem of `spec`, or null. */
export function extensionProblem(spec: OutputSpec & { file: string }): string | null {
  if (!spec.extensions) return null;
  if (namesFolder(spec)) return null;
  if (endsWithAny(spec.file, spec.extensions)) return null;
  const ext = path.extname(spec.file) || 'no extension';
  return `the ${spec.what} must end in ${spec.extensions.join(' or ')}${spec.folderOk ? ' (or be a folder)' : ''}, not ${ext}`;
}

async function folderProblem(file: string): Promise<string | null> {
  const dir = path.dirname(path.resolve(file.replace(/[\\/]+$/, '') || file));
  const s = await stat(dir).catch(() => null);
  if (!s) return `the folder ${dir} does not exist`;
  if (!s.isDirectory()) return `${dir} is not a folder`;
  try {
    await access(dir, constants.W_OK);
  } catch {
    return `the folder ${dir} is not writable`;
  }
  // access() answers from the mode bits: it says yes to root everywhere, and to anyone on mounts
  // that refuse files for other reasons (/proc, some network shares). Creating (and removing) an
  // empty file is the check the writer will face after the analysis, made before it.
  const probe = path.join(dir, `.l2caf-probe-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await (await open(probe, 'wx')).close();
  } catch (e) {
    return `cannot create files in the folder ${dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`;
  }
  await unlink(probe).catch(() => undefined);
  return null;
}

/**
 * Throws a UsageError for the first problem among `outputs` (see the top of this file). `inputs`
 * are the files the command reads (a folder input, or a model.json's folder, also covers the files in it).
 */
export async function checkOutputs(inputs: readonly (string | undefined)[], outputs: readonly OutputSpec[]): Promise<void> {
  const ins: { file: string; id: Identity | null }[] = [];
  // folders whose files the command reads: an input folder, the folder of a model.json
  const folders: { real: string; input: string }[] = [];
  for (const f of inputs) {
    if (!f || f === '-') continue;
    const s = await stat(f).catch(() => null);
    ins.push({ file: f, id: s ? { dev: s.dev, ino: s.ino } : null });
    const folder = s?.isDirectory() ? f : s?.isFile() && path.basename(f).toLowerCase() === 'model.json' ? path.dirname(f) : null;
    if (folder) folders.push({ real: await realpath(folder).catch(() => path.resolve(folder)), input: f });
  }
  const seen = new Map<string, string>();
  for (const spec of outputs) {
    const file = spec.file;
    if (!file || file === '-') continue;
    const ext = extensionProblem({ ...spec, file });
    if (ext) throw new UsageError(`${file}: ${ext}`);
    const folder = await folderProblem(file);
    if (folder) throw new UsageError(`${file}: cannot write the ${spec.what}: ${folder}`);
    const there = await stat(file.replace(/[\\/]+$/, '') || file).catch(() => null);
    // (a folder is judged below; anything else but a file is a device, FIFO or socket)
    const kind = there && !there.isFile() && !there.isDirectory() ? kindOf(there) : null;
    if (kind) throw new UsageError(`${file}: the ${spec.what} would replace ${kind} with a file: name a regular file`);
    if (there?.isDirectory() && !spec.folderOk) throw new UsageError(`${file}: the ${spec.what} is a folder: name a file in it`);
    // a folder output (a PNG sequence) goes into a new or empty folder (media/outputTarget.ts): said
    // now, not after the analysis
    const asFolder = namesFolder({ ...spec, file });
    if (asFolder && there?.isFile()) throw new UsageError(`${file}: the ${spec.what} needs a folder, and a file of that name exists: choose a new or empty folder`);
    if (asFolder && there?.isDirectory()) {
      const inside = await readdir(file).catch((e: NodeJS.ErrnoException) => {
        throw new UsageError(`${file}: cannot read the ${spec.what} folder (${e.code ?? e.message})`);
      });
      if (inside.length > 0) throw new UsageError(`${file}: the ${spec.what} folder is not empty: choose a new or empty folder`);
    }
    for (const written of [file, ...(spec.alsoWrites ?? [])]) {
      const abs = path.resolve(written.replace(/[\\/]+$/, '') || written);
      const other = seen.get(abs);
      if (other) throw new UsageError(`${written}: the ${spec.what} would overwrite the ${other} of the same run: choose another name`);
      seen.set(abs, spec.what);
      const id = await identity(abs);
      for (const input of ins) {
        const same = path.resolve(input.file) === abs || (id !== null && input.id !== null && id.dev === input.id.dev && id.ino === input.id.ino);
        if (same) throw new UsageError(`${written}: the ${spec.what} would overwrite the input ${input.file}: choose another name`);
      }
      if (id !== null) {
        const real = await realpath(abs).catch(() => abs);
        const inside = folders.find((f) => isInside(real, f.real));
        if (inside) throw new UsageError(`${written}: the ${spec.what} would overwrite a file of the input ${inside.input}: choose another name`);
      }
    }
  }
}
