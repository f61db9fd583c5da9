// boxes.json: either an object { "image.png": [box, ...], ... } or an array
// [ { "image": "image.png", "boxes": [box, ...] }, ... ], each box { x, y, width, height, label? } or
// { xmin, ymin, xmax, ymax, label? } in the image's own pixels. Pure (text in, table out).
import { boxFromFields, type Fields } from './boxFields.js';
import { BoxTable } from './boxTable.js';
import type { EvalBox } from './types.js';

function boxesOf(v: unknown, where: string): EvalBox[] {
  if (!Array.isArray(v)) throw new Error(`${where}: expected an array of boxes`);
  return v.map((b, i) => {
    if (typeof b !== 'object' || b === null) throw new Error(`${where}[${i}]: expected a box object`);
    return boxFromFields(b as Fields, `${where}[${i}]`);
  });
}

export function parseBoxesJson(text: string, file: string): BoxTable {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
  const table = new BoxTable(file);
  if (Array.isArray(doc)) {
    doc.forEach((entry, i) => {
      const e = entry as { image?: unknown; boxes?: unknown };
      if (typeof e !== 'object' || e === null || typeof e.image !== 'string') throw new Error(`${file}: entry ${i} needs "image" (a file name) and "boxes"`);
      table.add(e.image, boxesOf(e.boxes, `${file}: ${e.image}`));
    });
  } else if (typeof doc === 'object' && doc !== null) {
    for (const [image, boxes] of Object.entries(doc)) table.add(image, boxesOf(boxes, `${file}: ${image}`));
  } else throw new Error(`${file}: expected an object of image -> boxes or an array of { image, boxes }`);
  return table;
}
