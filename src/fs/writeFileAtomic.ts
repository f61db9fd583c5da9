// The one way this project writes a finished file: a temporary name in the same folder, flushed,
// then renamed over the target, so a crash or a full disk never leaves a partial file where a
// finished one was expected. Errors are the file system's own (callers word them for their users).
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { removeAtExit } from './exitCleanup.js';

/** `mode`: the new file's permissions (default 0o666 less the umask), e.g. 0o600 for the user's own records. */
export async function writeFileAtomic(file: string, data: string | Uint8Array, mode?: number): Promise<void> {
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let handle;
  const forget = removeAtExit(tmp);
  try {
    handle = await open(tmp, 'wx', mode);
    await handle.writeFile(data);
    // Flush before the rename, or a power cut could leave the new name pointing at empty blocks.
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(tmp, file);
  } catch (e) {
    await handle?.close().catch(() => {});
    await rm(tmp, { force: true }).catch(() => {});
    throw e;
  } finally {
    forget();
  }
}
