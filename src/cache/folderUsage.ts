// What a data folder holds and clearing it, entry by entry (its top-level files and folders that
// the tool named), never following a symbolic link: a link is counted and removed as a link, and a
// folder that is itself a link is not cleared. Temporary entries (a leading dot: a download, an
// upload, an export or an analysis being written) are left until a day old; a video analysis whose
// job is running (its lock names a live process) stays, checked again just before each removal.
import { lstat, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { INSTALL_RECORD, TEMP_PREFIX, TRASH_PREFIX } from '../models/cache.js';
import { videoLockHolder } from '../video/videoCache.js';
import { MODEL_CACHE_EXTRAS, type DataFolder } from './dataFolders.js';

/** A temporary entry younger than this may be in the middle of its writing (models/cache.ts removeStaleTemps waits as long). */
export const TEMP_AGE_MS = 24 * 3600 * 1000;

export interface Usage {
  entries: number;
  bytes: number;
}

interface Entry {
  name: string;
  bytes: number;
  /** the newest modification time inside (a folder's files change, not always the folder) */
  mtimeMs: number;
}

async function measure(p: string): Promise<{ bytes: number; mtimeMs: number }> {
  const st = await lstat(p);
  if (!st.isDirectory()) return { bytes: st.size, mtimeMs: st.mtimeMs };
  let bytes = 0;
  let mtimeMs = st.mtimeMs;
  for (const name of await readdir(p).catch(() => [])) {
    const m = await measure(path.join(p, name)).catch(() => ({ bytes: 0, mtimeMs: 0 }));
    bytes += m.bytes;
    mtimeMs = Math.max(mtimeMs, m.mtimeMs);
  }
  return { bytes, mtimeMs };
}

/** The names in `dir` (none when it does not exist); a one-line error when it cannot be read. */
async function names(dir: string): Promise<string[]> {
  return readdir(dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return [] as string[];
    throw new Error(`${dir}: cannot read (${e.code ?? e.message})`);
  });
}

/**
 * Whether an entry of a model cache is the tool's: a folder with its install record, the sample
 * clips and label sets it downloads there, and the temporary and trash folders an install or
 * removal leaves (cleared once a day old, as a running download's must not be).
 */
async function isModelCacheEntry(dir: string, name: string): Promise<boolean> {
  if (name.startsWith(TEMP_PREFIX) || name.startsWith(TRASH_PREFIX) || MODEL_CACHE_EXTRAS.includes(name)) return true;
  return !!(await lstat(path.join(dir, name, INSTALL_RECORD)).catch(() => null))?.isFile();
}

/** The tool's entries in the folder, measured. */
async function ownEntries(f: DataFolder): Promise<Entry[]> {
  const out: Entry[] = [];
  for (const name of await names(f.dir)) {
    if (!(f.kind === 'models' ? await isModelCacheEntry(f.dir, name) : f.owns(name))) continue;
    const m = await measure(path.join(f.dir, name)).catch(() => null);
    if (m) out.push({ name, ...m });
  }
  return out;
}

export async function folderUsage(f: DataFolder): Promise<Usage> {
  const es = await ownEntries(f);
  return { entries: es.length, bytes: es.reduce((n, e) => n + e.bytes, 0) };
}

/** Pure: the cache key a video-cache file belongs to (a temporary `.<key>.json.<pid>.<hex>.tmp` too). */
export function videoKeyOf(name: string): string {
  return name.replace(/^\./, '').split('.')[0]!;
}

export interface ClearResult extends Usage {
  /** entries left because a running job holds them or they are still being written */
  kept: number;
  /** entries that could not be removed, one line each (the others are removed all the same) */
  failed: string[];
}

/**
 * Removes the folder's entries (the tool's) last modified before `before` (ms since the epoch;
 * Infinity: all). The folder itself stays; one that is a symbolic link (or lies in one of the
 * app's folders that is) is not cleared (an error).
 */
export async function clearFolder(f: DataFolder, before: number, now = Date.now()): Promise<ClearResult> {
  const r: ClearResult = { entries: 0, bytes: 0, kept: 0, failed: [] };
  for (const d of [...(f.parents ?? []), f.dir]) {
    if ((await lstat(d).catch(() => null))?.isSymbolicLink()) throw new Error(`${d}: is a symbolic link; not cleared (clear the folder it points at by hand)`);
  }
  if (!(await lstat(f.dir).catch(() => null))) return r;
  for (const e of await ownEntries(f)) {
    if (e.mtimeMs >= before) continue;
    const live = f.locks && (await videoLockHolder(path.join(f.dir, `${videoKeyOf(e.name)}.lock`))) === 'live';
    if (live || (e.name.startsWith('.') && now - e.mtimeMs < TEMP_AGE_MS)) {
      r.kept++;
      continue;
    }
    try {
      await rm(path.join(f.dir, e.name), { recursive: true, force: true });
      r.entries++;
      r.bytes += e.bytes;
    } catch (err) {
      r.failed.push(`${path.join(f.dir, e.name)}: cannot remove (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  }
  return r;
}
