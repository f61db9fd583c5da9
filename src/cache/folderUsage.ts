// What a data folder holds and clearing it, entry by entry (its top-level files and folders), never
// following a symbolic link: a link is counted and removed as a link, whatever it points at.
import { lstat, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { processAlive } from '../fs/processAlive.js';
import { INSTALL_RECORD, TEMP_PREFIX, TRASH_PREFIX } from '../models/cache.js';

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

/** The folder's entries (none when it does not exist). */
async function entries(dir: string): Promise<Entry[]> {
  const names = await readdir(dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return [] as string[];
    throw new Error(`${dir}: cannot read (${e.code ?? e.message})`);
  });
  const out: Entry[] = [];
  for (const name of names) {
    const m = await measure(path.join(dir, name)).catch(() => null);
    if (m) out.push({ name, ...m });
  }
  return out;
}

export async function folderUsage(dir: string, skip: (name: string) => boolean = () => false): Promise<Usage> {
  const es = (await entries(dir)).filter((e) => !skip(e.name));
  return { entries: es.length, bytes: es.reduce((n, e) => n + e.bytes, 0) };
}

/**
 * Keys of a video cache (`<key>.json`, `<key>.partial.jsonl`, `<key>.lock`) whose lock names a
 * running process: a job is writing that entry, so it stays.
 */
export async function liveVideoKeys(dir: string): Promise<Set<string>> {
  const live = new Set<string>();
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!name.endsWith('.lock')) continue;
    const pid = Number((await readFile(path.join(dir, name), 'utf8').catch(() => '')).trim());
    // (a lock just created is empty until its pid is written: kept too)
    if (!(Number.isInteger(pid) && pid > 0) || processAlive(pid)) live.add(name.slice(0, -'.lock'.length));
  }
  return live;
}

/** Pure: the cache key a video-cache file belongs to (the name before its first dot). */
export function videoKeyOf(name: string): string {
  return name.split('.')[0]!;
}

export interface ClearResult extends Usage {
  /** entries left because a running job holds them */
  kept: number;
}

/**
 * Removes the folder's entries last modified before `before` (ms since the epoch; Infinity: all),
 * except those `keep` names (counted as kept) and those `skip` names (another folder's). The folder
 * itself stays.
 */
export async function clearFolder(dir: string, before: number, { keep = () => false, skip = () => false }: { keep?: (name: string) => boolean; skip?: (name: string) => boolean } = {}): Promise<ClearResult> {
  const r: ClearResult = { entries: 0, bytes: 0, kept: 0 };
  for (const e of await entries(dir)) {
    if (e.mtimeMs >= before || skip(e.name)) continue;
    if (keep(e.name)) {
      r.kept++;
      continue;
    }
    await rm(path.join(dir, e.name), { recursive: true, force: true }).catch((err: NodeJS.ErrnoException) => {
      throw new Error(`${path.join(dir, e.name)}: cannot remove (${err.code ?? err.message})`);
    });
    r.entries++;
    r.bytes += e.bytes;
  }
  return r;
}

/**
 * The entries of a model cache the app put there: folders with its install record, and the
 * temporary and trash folders an interrupted install or removal left.
 */
export async function installedModels(dir: string): Promise<Set<string>> {
  const out = new Set<string>();
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (name.startsWith(TEMP_PREFIX) || name.startsWith(TRASH_PREFIX)) out.add(name);
    else if ((await lstat(path.join(dir, name, INSTALL_RECORD)).catch(() => null))?.isFile()) out.add(name);
  }
  return out;
}
