// Pascal VOC annotations: a folder of XML files, one per image, each
//   <annotation><filename>x.jpg</filename><object><name>cat</name>
//     <bndbox><xmin>..</xmin><ymin>..</ymin><xmax>..</xmax><ymax>..</ymax></bndbox></object>...</annotation>
// No XML parser is installed (and none may be added here). VOC uses a handful of fixed tags that
// never nest inside themselves (person-layout <part>s, which repeat <name> and <bndbox>, are cut
// out first) and carry no attributes that matter, so a reader over exactly those tags is enough:
// it handles comments, entity-escaped names and any whitespace, and refuses files that are not VOC
// annotations, naming the file.
// VOC's coordinates are 1-based inclusive pixel indices: pixel-edge box x = xmin - 1,
// width = xmax - xmin + 1.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { BoxTable } from './boxTable.js';
import type { EvalBox } from './types.js';

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function unescapeXml(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (m, e: string) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    return ENTITIES[e] ?? m;
  });
}

/** Inner texts of every <tag>...</tag> directly in `xml` (non-greedy; VOC never nests a tag in itself). */
function elements(xml: string, tag: string): string[] {
  const re = new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}\\s*>`, 'g');
  return [...xml.matchAll(re)].map((m) => m[1]!);
}

function text(xml: string, tag: string): string | null {
  const e = elements(xml, tag)[0];
  return e === undefined ? null : unescapeXml(e.trim());
}

/** One annotation file's image name and boxes. Pure. */
export function parseVocXml(xml: string, file: string): { filename: string | null; boxes: EvalBox[] } {
  const body = xml.replace(/<!--[\s\S]*?-->/g, '');
  const ann = elements(body, 'annotation')[0];
  if (ann === undefined) throw new Error(`${file}: not a Pascal VOC annotation (no <annotation> element)`);
  const boxes = elements(ann, 'object').map((whole, i) => {
    // Person-layout objects hold <part>s (head, hand, foot) with their own <name> and <bndbox>.
    const obj = whole.replace(/<part(?:\s[^>]*)?>[\s\S]*?<\/part\s*>/g, '');
    const where = `${file}: object ${i + 1}`;
    const bb = elements(obj, 'bndbox')[0];
    if (bb === undefined) throw new Error(`${where} has no <bndbox>`);
    const v = ['xmin', 'ymin', 'xmax', 'ymax'].map((t) => {
      const s = text(bb, t);
      const n = s === null ? NaN : Number(s);
      if (!Number.isFinite(n)) throw new Error(`${where}: <${t}> is ${s === null ? 'missing' : `not a number ("${s}")`}`);
      return n;
    }) as [number, number, number, number];
    const box: EvalBox = { x: v[0] - 1, y: v[1] - 1, width: v[2] - v[0] + 1, height: v[3] - v[1] + 1 };
    if (!(box.width > 0 && box.height > 0)) throw new Error(`${where}: the box has no area (xmax < xmin or ymax < ymin)`);
    const name = text(obj, 'name');
    if (name) box.label = name;
    return box;
  });
  return { filename: text(ann, 'filename'), boxes };
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
