// Reading one box from named fields, in either convention the ground-truth files use:
// x, y, width, height (w, h also accepted) or xmin, ymin, xmax, ymax (pixel-edge coordinates,
// xmax exclusive). Shared by the JSON and CSV readers. Pure.
import type { EvalBox } from './types.js';

export type Fields = Record<string, unknown>;

function num(f: Fields, key: string, where: string): number {
  const v = f[key];
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n)) throw new Error(`${where}: "${key}" is ${v === undefined || v === '' ? 'missing' : `not a number (${String(v)})`}`);
  return n;
}

export function hasCornerFields(keys: readonly string[]): boolean {
  return ['xmin', 'ymin', 'xmax', 'ymax'].every((k) => keys.includes(k));
}

export function boxFromFields(f: Fields, where: string): EvalBox {
  const keys = Object.keys(f);
  let box: EvalBox;
  if (hasCornerFields(keys)) {
    const [x0, y0, x1, y1] = ['xmin', 'ymin', 'xmax', 'ymax'].map((k) => num(f, k, where)) as [number, number, number, number];
    box = { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
  } else {
    const w = 'width' in f ? 'width' : 'w';
    const h = 'height' in f ? 'height' : 'h';
    box = { x: num(f, 'x', where), y: num(f, 'y', where), width: num(f, w, where), height: num(f, h, where) };
  }
  if (!(box.width > 0 && box.height > 0)) throw new Error(`${where}: the box has no area (width ${box.width}, height ${box.height})`);
  const label = f['label'] ?? f['class'] ?? f['name'];
  if (label !== undefined && label !== null && String(label).trim() !== '') box.label = String(label).trim();
  return box;
}
