// Copying a finished file to where the user chose: into a temporary name beside the target, then
// renamed over it, so the target is either the old file or the complete copy, never half of one.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { flushAndRename } from './flushAndRename.js';
import { removeAtExit } from './exitCleanup.js';

export async function copyFileAtomic(src: string, dest: string): Promise<void> {
  const tmp = path.join(path.dirname(path.resolve(dest)), `.${path.basename(dest)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const forget = removeAtExit(tmp);
  try {
    await copyFile(src, tmp, constants.COPYFILE_EXCL);
    await flushAndRename(tmp, dest);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => {});
    throw e;
  } finally {
    forget();
  }
}
