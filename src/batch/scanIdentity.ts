// What a scan is right now, for keys of partial results: a file's size and modification time; a
// DICOM series folder's every file (name, size, modification time), since files rewritten in
// place leave the folder's own time unchanged.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

export async function scanIdentity(file: string): Promise<string> {
  const st = await stat(file);
  if (!st.isDirectory()) return `${st.size}:${st.mtimeMs}`;
  const names = (await readdir(file)).sort();
  const parts: string[] = [];
  for (const n of names) {
    const s = await stat(path.join(file, n)).catch(() => null);
    if (s?.isFile()) parts.push(`${n}:${s.size}:${s.mtimeMs}`);
  }
  return parts.join('|');
}
