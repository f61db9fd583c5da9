// Opening a file the service checked earlier, for streaming: the same inode or nothing. Between
// the check (media.open) and the read (a Range request minutes later) the name may have been
// replaced, e.g. by a symlink to a file only the service's user may read; the device + inode
// comparison on the open handle refuses that, and O_NOFOLLOW refuses a final symlink outright.
// Device + inode alone are not an identity: a file deleted and another written in its place often
// gets the same inode number back (seen on CI's overlay file system), so size and the change time
// (nanoseconds, set when the inode is created or modified) must match too.
import { constants } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';

export interface FileIdentity {
  path: string;
  dev: number;
  ino: number;
  size: number;
  /** stat's ctime in nanoseconds, as a decimal string (a bigint does not survive structured clone everywhere) */
  ctimeNs: string;
}

/** The identity of `path` from a bigint stat of it. */
export function identityOf(path: string, st: { dev: bigint; ino: bigint; size: bigint; ctimeNs: bigint }): FileIdentity {
  return { path, dev: Number(st.dev), ino: Number(st.ino), size: Number(st.size), ctimeNs: st.ctimeNs.toString() };
}

/** An open handle on `f` with its size, or null when the path no longer names that regular file. */
export async function openVerified(f: FileIdentity): Promise<{ handle: FileHandle; size: number } | null> {
  let handle: FileHandle;
  try {
    handle = await open(f.path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return null;
  }
  const st = await handle.stat({ bigint: true }).catch(() => null);
  const now = st && st.isFile() ? identityOf(f.path, st) : null;
  if (!now || !sameIdentity(now, f)) {
    await handle.close().catch(() => {});
    return null;
  }
  return { handle, size: now.size };
}

/** Pure: the same file, unchanged (device, inode, size and change time). */
export function sameIdentity(a: FileIdentity, b: FileIdentity): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.ctimeNs === b.ctimeNs;
}

/** What regular file `file` names now (symlinks followed), or null when it names none. */
export async function identityNow(file: string): Promise<FileIdentity | null> {
  const st = await stat(file, { bigint: true }).catch(() => null);
  return st && st.isFile() ? identityOf(file, st) : null;
}
