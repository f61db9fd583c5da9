// Opening a file the service checked earlier, for streaming: the same inode or nothing. Between
// the check (media.open) and the read (a Range request minutes later) the name may have been
// replaced, e.g. by a symlink to a file only the service's user may read; the device + inode
// comparison on the open handle refuses that, and O_NOFOLLOW refuses a final symlink outright.
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

export interface FileIdentity {
  path: string;
  dev: number;
  ino: number;
}

/** An open handle on `f` with its size, or null when the path no longer names that regular file. */
export async function openVerified(f: FileIdentity): Promise<{ handle: FileHandle; size: number } | null> {
  let handle: FileHandle;
  try {
    handle = await open(f.path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return null;
  }
  const st = await handle.stat().catch(() => null);
  if (!st || !st.isFile() || st.dev !== f.dev || st.ino !== f.ino) {
    await handle.close().catch(() => {});
    return null;
  }
  return { handle, size: st.size };
}
