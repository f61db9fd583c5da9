// Pascal VOC annotations: a folder of XML files, one per image, each
//   <annotation><filename>x.jpg</filename><object><name>cat</name>
//     <bndbox><xmin>..</xmin><ymin>..</ymin><xmax>..</xmax><ymax>..</ymax></bndbox></object>...</annotation>
// Parsed with fast-xml-parser (maintained, no native code, handles comments, CDATA and entities);
// malformed XML is refused with the parser's line number. Person-layout objects hold <part>s with
// their own <name> and <bndbox>, which are not the object's box and are ignored.
// VOC's coordinates are 1-based inclusive pixel indices: pixel-edge box x = xmin - 1,
// width = xmax - xmin + 1.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { BoxTable } from './boxTable.js';
import type { EvalBox } from './types.js';

const parser = new XMLParser({
  ignoreAttributes: true,
  // keep every value a string: "007.jpg" or "1e3" must not become numbers here
  parseTagValue: false,
  trimValues: true,
  isArray: (name) => name === 'object',
});

type Node = Record<string, unknown>;

function child(node: unknown, tag: string): unknown {
  return node !== null && typeof node === 'object' ? (node as Node)[tag] : undefined;
}

function textOf(node: unknown, tag: string): string | null {
  const v = child(node, tag);
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null;
}

/** One annotation file's image name and boxes. Pure. */
export function parseVocXml(xml: string, file: string): { filename: string | null; boxes: EvalBox[] } {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Error(`${file}: not valid XML (line ${valid.err.line}: ${valid.err.msg})`);
  const ann = child(parser.parse(xml), 'annotation');
  if (ann === undefined || ann === null || typeof ann !== 'object') throw new Error(`${file}: not a Pascal VOC annotation (no <annotation> element)`);
  const objects = (child(ann, 'object') as unknown[] | undefined) ?? [];
  const boxes = objects.map((obj, i) => {
    const where = `${file}: object ${i + 1}`;
    const bb = child(obj, 'bndbox');
    if (bb === undefined || Array.isArray(bb)) throw new Error(`${where} has ${bb === undefined ? 'no' : 'more than one'} <bndbox>`);
    const v = ['xmin', 'ymin', 'xmax', 'ymax'].map((t) => {
      const s = textOf(bb, t);
      const n = s === null ? NaN : Number(s);
      if (!Number.isFinite(n)) throw new Error(`${where}: <${t}> is ${s === null ? 'missing' : `not a number ("${s}")`}`);
      return n;
    }) as [number, number, number, number];
    const box: EvalBox = { x: v[0] - 1, y: v[1] - 1, width: v[2] - v[0] + 1, height: v[3] - v[1] + 1 };
    if (!(box.width > 0 && box.height > 0)) throw new Error(`${where}: the box has no area (xmax < xmin or ymax < ymin)`);
    const name = textOf(obj, 'name');
    if (name) box.label = name;
    return box;
  });
  return { filename: textOf(ann, 'filename'), boxes };
}

/** Every *.xml in `dir` (not recursive); images are matched by <filename>, else by the XML's base name. */
export async function readVocFolder(dir: string): Promise<BoxTable> {
  const names = (await readdir(dir)).filter((n) => n.toLowerCase().endsWith('.xml')).sort();
  if (names.length === 0) throw new Error(`${dir}: no .xml annotation files (a Pascal VOC folder was expected)`);
  const table = new BoxTable(dir, dir);
  for (const n of names) {
    const file = path.join(dir, n);
    const { filename, boxes } = parseVocXml(await readFile(file, 'utf8'), file);
    table.add(filename ?? n.slice(0, -4), boxes);
  }
  return table;
}
