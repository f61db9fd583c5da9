// Where an export goes, made safe: the output is written under a temporary name in the target's own
// folder and renamed into place only when complete (rename within a folder is atomic), so a
// failed, aborted or crashed export never leaves a partial file at the final path. Writability is
// checked by actually creating the temporary file (or folder) before any work starts, which catches
// every reason at once (missing folder, permissions, read-only disk) with a clear message.
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { MediaError } from './errors.js';
import { flushAndRename } from '../fs/flushAndRename.js';
import { removeAtExit } from '../fs/exitCleanup.js';
import { writeFailure } from './png.js';

export type OutputFormat = 'mp4' | 'webm' | 'gif' | 'png';

/**
 * The export format for `out`: by extension (.mp4/.m4v, .webm, .gif), a PNG sequence for a folder
 * (a path ending in a separator, or without an extension). Throws 'invalid-argument' otherwise.
 */
export function outputFormatFor(out: string): OutputFormat {
  if (/[\\/]$/.test(out)) return 'png';
  const ext = path.extname(out).toLowerCase();
  if (ext === '.mp4' || ext === '.m4v') return 'mp4';
  if (ext === '.webm') return 'webm';
  if (ext === '.gif') return 'gif';
  if (ext === '') return 'png';
  throw new MediaError(
    'invalid-argument',
    `Cannot export to "${out}": unknown extension "${ext}" (use .mp4, .webm, .gif, or a folder for a PNG sequence)`,
    { file: out },
  );
}

export interface OutputTarget {
  /** The final path (absolute). */
  final: string;
  /** Where ffmpeg writes meanwhile: a file, or a folder for PNG sequences. */
  temp: string;
  isFolder: boolean;
  /** Moves the finished output into place (flushing a file first). Rejects with 'write-failed'. */
  commit(): Promise<void>;
  /** Removes the temporary output; safe to call more than once, never throws. */
  discard(): Promise<void>;
}

function tempName(final: string, ext: string): string {
  return path.join(path.dirname(final), `.${path.basename(final, ext)}.${process.pid}.${randomBytes(4).toString('hex')}.part${ext}`);
}

/**
 * Prepares `out` for writing (see the top of this file). For a file: the target must not be a
 * folder, its folder must exist and be writable. For a folder (PNG sequence): the target may exist
 * only as an empty folder, its parent must exist and be writable. `what` names the output in errors.
 */
export async function prepareOutput(out: string, isFolder: boolean, what: string): Promise<OutputTarget> {
  const final = path.resolve(out.replace(/[\\/]+$/, '') || out);
  const existing = await stat(final).catch(() => null);
  if (isFolder) {
    if (existing && !existing.isDirectory()) {
      throw new MediaError('write-failed', `Cannot write ${what} "${out}": a file of that name exists (a PNG sequence needs a folder)`, { file: out });
    }
    if (existing && (await readdir(final)).length > 0) {
      throw new MediaError('write-failed', `Cannot write ${what} "${out}": the folder is not empty (choose a new or empty folder)`, { file: out });
    }
    let temp: string;
    try {
      temp = await mkdtemp(path.join(path.dirname(final), `.${path.basename(final)}.part-`));
    } catch (e) {
      throw await writeFailure(out, e, what);
    }
    let done = false;
    const forget = removeAtExit(temp);
    return {
      final,
      temp,
      isFolder: true,
      async commit() {
        try {
          // An empty folder at the target (checked above) is replaced.
          if (await stat(final).then((s) => s.isDirectory(), () => false)) await rmdir(final);
          await rename(temp, final);
          done = true;
          forget();
        } catch (e) {
          await rm(temp, { recursive: true, force: true }).catch(() => {});
          forget();
          throw await writeFailure(out, e, what);
        }
      },
      async discard() {
        if (!done) await rm(temp, { recursive: true, force: true }).catch(() => {});
        forget();
      },
    };
  }

  if (existing?.isDirectory()) {
    throw await writeFailure(out, Object.assign(new Error('is a directory'), { code: 'EISDIR' }), what);
  }
  const temp = tempName(final, path.extname(final));
  try {
    // 'wx': create, never reuse an existing file. ffmpeg then overwrites it (-y).
    const h = await open(temp, 'wx');
    await h.close();
  } catch (e) {
    throw await writeFailure(out, e, what);
  }
  let done = false;
  const forget = removeAtExit(temp);
  return {
    final,
    temp,
    isFolder: false,
    async commit() {
      try {
        await flushAndRename(temp, final);
        done = true;
        forget();
      } catch (e) {
        await rm(temp, { force: true }).catch(() => {});
        forget();
        throw await writeFailure(out, e, what);
      }
    },
    async discard() {
      if (!done) await rm(temp, { force: true }).catch(() => {});
      forget();
    },
  };
}
