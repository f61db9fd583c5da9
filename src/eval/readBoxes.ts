// --boxes: a folder of Pascal VOC XML files, a .json or a .csv file, told apart by what the path is.
import { readFile, stat } from 'node:fs/promises';
import { parseBoxesCsv } from './readBoxesCsv.js';
import { parseBoxesJson } from './readBoxesJson.js';
import { readVocFolder } from './readVoc.js';
import type { BoxTable } from './boxTable.js';

export async function readBoxes(file: string): Promise<BoxTable> {
  const st = await stat(file).catch((e: NodeJS.ErrnoException) => {
    throw new Error(`${file}: cannot read the boxes (${e.code === 'ENOENT' ? 'no such file or folder' : e.code ?? e.message})`);
  });
  if (st.isDirectory()) return readVocFolder(file);
  const text = await readFile(file, 'utf8');
  if (/\.json$/i.test(file)) return parseBoxesJson(text, file);
  if (/\.csv$/i.test(file)) return parseBoxesCsv(text, file);
  throw new Error(`${file}: boxes must be a .json file, a .csv file or a folder of Pascal VOC .xml files`);
}
