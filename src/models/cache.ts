// Model folders on disk: checking every file of a folder against expected sha256/size, the install
// record kept in cached folders, atomic installation (a complete temp folder renamed into place) and
// removal of temp folders that a killed process left behind.
import { randomBytes } from 'node:crypto';
import { readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { digestFile } from './sha256.js';

/** Written into every installed cache folder; dot-named so that model loaders ignore it. */
export const INSTALL_RECORD = '.l2caf-install.json';
export const TEMP_PREFIX = '.tmp-';
export const TRASH_PREFIX = '.trash-';

export interface FileRecord {
  path: string;
  sha256: string;
  size: number;
  /** True when the sha256 was checked against the catalogue at install. */
  verified: boolean;
}

export interface InstallRecord {
  id: string;
  installedAt: string;
  files: FileRecord[];
}

export interface ExpectedFile {
  path: string;
  /** null: nothing to compare with (the digest is computed and returned). */
  sha256: string | null;
  size: number | null;
}

export interface FileProblem {
  file: string;
  reason: string;
}

export interface FolderCheck {
  problems: FileProblem[];
  /** Digests of the files that had no expected sha256. */
  computed: FileRecord[];
}

/**
 * Checks every expected file of `dir`: present, a regular file, right size, right sha256. The size is
 * compared first so that a truncated file is reported without hashing it.
 */
export async function checkFolder(dir: string, expected: readonly ExpectedFile[], signal?: AbortSignal): Promise<FolderCheck> {
  const problems: FileProblem[] = [];
  const computed: FileRecord[] = [];
  for (const f of expected) {
    signal?.throwIfAborted();
    const p = path.join(dir, ...f.path.split('/'));
    let st;
    try {
      st = await stat(p);
    } catch {
      problems.push({ file: f.path, reason: 'missing' });
      continue;
    }
    if (!st.isFile()) {
      problems.push({ file: f.path, reason: 'not a regular file' });
      continue;
    }
    if (f.size !== null && st.size !== f.size) {
      problems.push({ file: f.path, reason: `size ${st.size} bytes, expected ${f.size}` });
      continue;
    }
    const d = await digestFile(p, signal ? { signal } : {});
    if (f.sha256 === null) {
      computed.push({ path: f.path, sha256: d.sha256, size: d.size, verified: false });
    } else if (d.sha256 !== f.sha256) {
      problems.push({ file: f.path, reason: `sha256 ${d.sha256}, expected ${f.sha256}` });
    }
  }
  return { problems, computed };
}

/** One line naming the first problem (and how many more). */
export function describeProblems(problems: readonly FileProblem[]): string {
  const [first, ...rest] = problems;
  if (!first) return 'no problem';
  return `${first.file}: ${first.reason}${rest.length ? ` (and ${rest.length} more file${rest.length > 1 ? 's' : ''}: ${rest.map((p) => p.file).join(', ')})` : ''}`;
}

export async function readInstallRecord(dir: string): Promise<InstallRecord | null> {
  try {
    const r = JSON.parse(await readFile(path.join(dir, INSTALL_RECORD), 'utf8')) as InstallRecord;
    if (!r || !Array.isArray(r.files)) return null;
    return r;
  } catch {
    return null;
  }
}

export async function writeInstallRecord(dir: string, record: InstallRecord): Promise<void> {
  await writeFile(path.join(dir, INSTALL_RECORD), JSON.stringify(record, null, 2) + '\n');
}

export async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

export async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

function errCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException)?.code;
}

/**
 * Moves the complete folder `tmp` to `target` (same file system: one rename). An existing `target`
 * (a copy that failed its check) is first renamed aside and deleted after the swap, so `target` is
 * at every moment either the old folder, absent, or the complete new one. Returns false when
 * another process installed `target` in between (the caller then checks that one and drops `tmp`).
 */
export async function installFolder(tmp: string, target: string, replaceExisting: boolean): Promise<boolean> {
  let trash: string | null = null;
  if (replaceExisting && (await exists(target))) {
    trash = path.join(path.dirname(target), `${TRASH_PREFIX}${path.basename(target)}-${randomBytes(4).toString('hex')}`);
    await rename(target, trash);
  }
  try {
    await rename(tmp, target);
  } catch (e) {
    const code = errCode(e);
    if (trash) await rename(trash, target).catch(() => {});
    if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'EPERM') return false;
    throw e;
  }
  if (trash) await rm(trash, { recursive: true, force: true });
  return true;
}

/** Deletes `.tmp-*` and `.trash-*` folders in `cacheDir` older than `maxAgeMs` (left by killed runs). */
export async function removeStaleTemps(cacheDir: string, maxAgeMs = 24 * 3600 * 1000): Promise<void> {
  let names: string[];
  try {
    names = await readdir(cacheDir);
  } catch {
    return;
  }
  const now = Date.now();
  for (const n of names) {
    if (!n.startsWith(TEMP_PREFIX) && !n.startsWith(TRASH_PREFIX)) continue;
    const p = path.join(cacheDir, n);
    try {
      const st = await stat(p);
      if (now - st.mtimeMs > maxAgeMs) await rm(p, { recursive: true, force: true });
    } catch {
      // raced with another process: fine
    }
  }
}
