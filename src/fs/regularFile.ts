// Scans, tracks and the like are read whole, and a read of a FIFO, a socket or
// a device never ends: the process then hangs in a read that SIGTERM cannot interrupt. So every
// reader finds out what a path is before reading it, and refuses anything but a regular file.
import { constants, type Stats } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';

type Kind = Pick<Stats, 'isFile' | 'isDirectory' | 'isFIFO' | 'isCharacterDevice' | 'isBlockDevice' | 'isSocket' | 'isSymbolicLink'>;

/** What a path is, as the end of a sentence: "a FIFO", "a directory", ... */
export function kindOf(st: Kind): string {
  if (st.isFile()) return 'a regular file';
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'of an unknown kind';
}

/** The one-line reason `st` cannot be read as a file, or null when it is a regular file. */
export function notRegularReason(st: Kind): string | null {
  return st.isFile() ? null : `not a regular file (${kindOf(st)})`;
}

/** Thrown for a path that exists but is not a regular file; the message has no file name. */
export class NotRegularFileError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'NotRegularFileError';
  }
}

// Opening a FIFO for reading waits for a writer unless O_NONBLOCK is given (Windows has no such
// flag, and no FIFOs to open).
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/**
 * Opens `file` for reading only if it is a regular file. It is stat'ed first, so a device is never
 * opened at all, then checked again through the open handle, so a path swapped in between cannot
 * slip through. Throws NotRegularFileError, or the fs error (ENOENT, EACCES...) as is.
 */
export async function openRegularFile(file: string): Promise<FileHandle> {
  const before = notRegularReason(await stat(file));
  if (before) throw new NotRegularFileError(before);
  const h = await open(file, OPEN_FLAGS);
  try {
    const after = notRegularReason(await h.stat());
    if (after) throw new NotRegularFileError(after);
  } catch (err) {
    await h.close();
    throw err;
  }
  return h;
}

/** All of `file`, refusing non-regular files as openRegularFile does. */
export async function readRegularFile(file: string): Promise<Buffer> {
  const h = await openRegularFile(file);
  try {
    return await h.readFile();
  } finally {
    await h.close();
  }
}
