// Bytes an output takes: a file's size, or the sum of the regular files in a folder (a PNG-sequence
// export is a flat folder of frames and its timeline files; a folder entry's own size says nothing).
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

export async function diskSize(p: string): Promise<number> {
  const st = await stat(p);
  if (!st.isDirectory()) return st.size;
  let total = 0;
  for (const e of await readdir(p, { withFileTypes: true })) {
    if (e.isFile()) total += (await stat(path.join(p, e.name)).catch(() => null))?.size ?? 0;
  }
  return total;
}
