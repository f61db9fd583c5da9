// The app's own data folders (uploads, the video cache, proxies, exports) readable by the user
// alone: they hold copies of the user's clips and scans and what the analyses found, and where
// home folders are 0755 another local user could otherwise read them. mkdir's mode applies only
// to folders it creates (and the umask narrows it), so a folder that exists is narrowed too:
// these folders are the app's, never one the user named.
import { chmod } from 'node:fs/promises';
import { makeDirs } from './makeDirs.js';

export async function privateDir(dir: string): Promise<string> {
  await makeDirs(dir, 0o700);
  try {
    await chmod(dir, 0o700);
  } catch (e) {
    // a folder another user owns and lets us write in (a shared cache): used as it is
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') throw e;
  }
  return dir;
}
