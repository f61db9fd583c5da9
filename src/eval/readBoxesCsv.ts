// boxes.csv: a header row naming the columns, then one box per row:
//   image,x,y,width,height[,label]   or   image,xmin,ymin,xmax,ymax[,label]
// (w/h for width/height, class/name for label; any order). Pure.
import { boxFromFields, type Fields } from './boxFields.js';
import { BoxTable } from './boxTable.js';
import { parseCsvFile } from './csv.js';

/** The header's names, lower-cased; throws naming the file when a required column is absent. */
export function headerOf(fields: string[], file: string, required: string[][]): string[] {
  const names = fields.map((f) => f.toLowerCase());
  for (const alternatives of required) {
    if (!alternatives.some((a) => names.includes(a))) throw new Error(`${file}: the header has no "${alternatives.join('" or "')}" column (it has ${names.join(', ')})`);
  }
  return names;
}

export const BOX_COLUMNS = [['x', 'xmin'], ['y', 'ymin'], ['width', 'w', 'xmax'], ['height', 'h', 'ymax']];

export function rowFields(names: string[], fields: string[]): Fields {
  const f: Fields = {};
  names.forEach((n, i) => {
    if (fields[i] !== undefined && fields[i] !== '') f[n] = fields[i];
  });
  return f;
}

export function parseBoxesCsv(text: string, file: string): BoxTable {
  const rows = parseCsvFile(text, file);
  if (rows.length === 0) throw new Error(`${file}: empty (expected a header row and one box per row)`);
  const names = headerOf(rows[0]!.fields, file, [['image', 'file', 'filename'], ...BOX_COLUMNS]);
  const imageCol = ['image', 'file', 'filename'].find((c) => names.includes(c))!;
  const table = new BoxTable(file);
  for (const r of rows.slice(1)) {
    const f = rowFields(names, r.fields);
    const image = f[imageCol];
    if (typeof image !== 'string') throw new Error(`${file}, line ${r.line}: no image name`);
    table.add(image, [boxFromFields(f, `${file}, line ${r.line}`)]);
  }
  return table;
}
