// From the command's INPUT arguments to the sorted item list every shard agrees on: files as
// given, folders walked recursively (a folder holding DICOM files is one series item), manifests
// expanded. Inside folders, files of no recognised kind and hidden files are skipped (a README, a
// .DS_Store: `onIgnored` hears of the former, so that the run can say how many it left out); a file
// named explicitly is always an item, failing later if it is nothing we read. Symbolic links are
// followed (a link is how data sets are often assembled); the output of an earlier batch run found
// inside a walked folder is skipped (outputMarker.ts), or its overlays would become items.
import type { Dirent } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../engine/targets.js';
import { kindOfFile } from './classify.js';
import { isDicomFile } from './dicomMark.js';
import { itemId } from './itemId.js';
import { isManifest, parseManifest } from './manifest.js';
import { isBatchOutput } from './outputMarker.js';
import type { BatchItem, ItemKind } from './types.js';

interface Found {
  rel: string;
  path: string;
  kind: ItemKind | null;
}

/** What one discovery shares across its inputs. */
interface Walk {
  /** real paths of folders never walked (the output) */
  skip: ReadonlySet<string>;
  /** real paths of the folders walked so far: a link cycle, or a folder reached twice, is walked once */
  visited: Set<string>;
  out: Found[];
  onIgnored?: (rel: string) => void;
  onOutputSkipped?: (rel: string) => void;
}

/** A manifest being expanded, for cycle detection. */
interface Open {
  real: string;
  rel: string;
}

/** The real path (links resolved), or the absolute path when it cannot be resolved. */
const realOr = (p: string): Promise<string> => realpath(p).catch(() => path.resolve(p));

async function statOrFail(p: string, shown: string): Promise<{ isDirectory(): boolean }> {
  try {
    return await stat(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`${shown}: ${code === 'ENOENT' ? 'no such file or folder' : `cannot access (${code ?? (e as Error).message})`}`);
  }
}

type EntryType = 'file' | 'dir' | 'broken' | 'other';

/** A folder entry's type, following a symbolic link (Dirent says only "link"); a dangling link is 'broken'. */
async function typeOf(e: Dirent, p: string): Promise<EntryType> {
  if (e.isSymbolicLink()) {
    const st = await stat(p).catch(() => null);
    return !st ? 'broken' : st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
  }
  return e.isDirectory() ? 'dir' : e.isFile() ? 'file' : 'other';
}

/** One folder: a DICOM series, or walked for its items. `named`: the folder was an input itself. */
async function walk(dir: string, rel: string, w: Walk, named: boolean): Promise<void> {
  const real = await realOr(dir);
  if (w.skip.has(real) || w.visited.has(real)) return;
  w.visited.add(real);
  const all = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  // a folder named as input is what the user asked for, even an earlier output
  if (!named && (await isBatchOutput(dir, all))) {
    w.onOutputSkipped?.(rel);
    return;
  }
  const entries: { name: string; p: string; type: EntryType }[] = [];
  for (const e of all) {
    if (e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    entries.push({ name: e.name, p, type: await typeOf(e, p) });
  }
  for (const f of entries.filter((e) => e.type === 'file').slice(0, 16)) {
    if (await isDicomFile(f.p)) {
      w.out.push({ rel, path: dir, kind: 'volume' });
      return;
    }
  }
  for (const e of entries) {
    const r = path.join(rel, e.name);
    if (e.type === 'dir') await walk(e.p, r, w, false);
    else if (e.type === 'file') {
      const kind = await kindOfFile(e.p).catch(() => null);
      if (kind) w.out.push({ rel: r, path: e.p, kind });
      else w.onIgnored?.(r);
    } else if (e.type === 'broken') w.onIgnored?.(r);
  }
}

/**
 * One input (or manifest line). `relBase`: the folder a relative input's rel is joined to: '' for
 * the command's inputs, the manifest's own rel folder for its lines, so `data/a/list.txt` and
 * `data/b/list.txt` both listing `x.png` give two items, not one id twice.
 */
async function expand(input: string, base: string, relBase: string, w: Walk, shown: string, open: readonly Open[]): Promise<void> {
  const abs = path.resolve(base, input);
  const rel = path.isAbsolute(input) ? path.normalize(input) : path.join(relBase, input);
  const st = await statOrFail(abs, shown);
  if (st.isDirectory()) return walk(abs, rel, w, true);
  if (isManifest(abs)) {
    const real = await realOr(abs);
    const at = open.findIndex((m) => m.real === real);
    if (at >= 0) throw new UsageError(`${open[at]!.rel}: lists itself (via ${[...open.slice(at).map((m) => m.rel), rel].join(' -> ')})`);
    const text = await readFile(abs, 'utf8');
    const dir = path.dirname(abs);
    const inner = [...open, { real, rel }];
    for (const line of parseManifest(shown, text)) {
      // a manifest's relative paths are relative to the manifest
      await expand(line, dir, path.dirname(rel), w, `${shown}: ${line}`, inner);
    }
    return;
  }
  w.out.push({ rel, path: abs, kind: await kindOfFile(abs).catch(() => null) });
}

export interface DiscoverOptions {
  cwd?: string;
  /** folders never walked (the output) */
  skip?: readonly string[];
  /** each file inside a folder that is of no kind we read, or a dangling link (shown relative, as items are) */
  onIgnored?: (rel: string) => void;
  /** each folder inside the inputs skipped as the output of an earlier batch run */
  onOutputSkipped?: (rel: string) => void;
}

/**
 * Every item of the run, sorted by id (the order sharding counts in). The same file reached twice
 * (by two paths, or through a link) is one item, named as first reached; two different files that
 * would share an id are a usage error.
 */
export async function discoverItems(inputs: readonly string[], opts: DiscoverOptions = {}): Promise<BatchItem[]> {
  const cwd = opts.cwd ?? process.cwd();
  const skip = new Set(await Promise.all((opts.skip ?? []).map((s) => realOr(path.resolve(cwd, s)))));
  const w: Walk = { skip, visited: new Set(), out: [], onIgnored: opts.onIgnored, onOutputSkipped: opts.onOutputSkipped };
  for (const input of inputs) await expand(input, cwd, '', w, input, []);
  const seen = new Set<string>();
  const byId = new Map<string, BatchItem>();
  for (const f of w.out) {
    const real = await realOr(f.path);
    if (seen.has(real)) continue;
    seen.add(real);
    const id = itemId(f.rel);
    const prev = byId.get(id);
    if (prev) throw new UsageError(`${f.path}: same item id as ${prev.path} (${id}); give the inputs from different folders`);
    byId.set(id, { id, rel: f.rel, path: f.path, kind: f.kind });
  }
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
