// The model's identity for status.json: sha256 over the files of its folder (names and contents,
// sorted), so a replaced weight file shows even under the same catalogue id.
import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { sha256File } from '../video/hashFile.js';

export async function modelSha(location: string): Promise<string | null> {
  if (/^https?:\/\//.test(location)) return null;
  try {
    const dir = (await stat(location)).isDirectory() ? location : path.dirname(location);
    const names = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name).sort();
    const h = createHash('sha256');
    for (const n of names) h.update(`${n}\0${await sha256File(path.join(dir, n))}\n`);
    return h.digest('hex');
  } catch {
    return null;
  }
}
