// Label lists beside a model: labels.json (array, or {index: name}) or labels.txt (one a line).
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';

export function parseLabelsJson(text: string, file: string): string[] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
  if (Array.isArray(v)) return v.map((x) => String(x));
  if (v && typeof v === 'object') {
    // {"0": "tench", ...} as Keras' imagenet_class_index and many exports write it; values may be
    // [wnid, name] pairs.
    const entries = Object.entries(v as Record<string, unknown>).map(([k, x]) => [Number(k), Array.isArray(x) ? String(x[x.length - 1]) : String(x)] as const);
    if (entries.some(([k]) => !Number.isInteger(k) || k < 0)) throw new Error(`${file}: keys must be class indices`);
    const out: string[] = [];
    for (const [k, name] of entries) out[k] = name;
    return Array.from(out, (x, i) => x ?? `class #${i}`);
  }
  throw new Error(`${file}: expected an array of class names`);
}

export function parseLabelsTxt(text: string): string[] {
  return text.split(/\r?\n/).map((l) => l.trim()).filter((l, i, all) => l !== '' || i < all.length - 1);
}

/** Reads labels.json or labels.txt from a folder, or null when there is neither. */
export async function readLabels(dir: string): Promise<{ labels: string[]; file: string } | null> {
  const json = path.join(dir, 'labels.json');
  if (existsSync(json)) return { labels: parseLabelsJson(await readFile(json, 'utf8'), json), file: json };
  const txt = path.join(dir, 'labels.txt');
  if (existsSync(txt)) return { labels: parseLabelsTxt(await readFile(txt, 'utf8')), file: txt };
  return null;
}

/** A label file by its extension: .json (parseLabelsJson), anything else one name a line. */
export async function readLabelsFile(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`${file}: cannot read the labels file (${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a folder, not a file' : (e as Error).message})`);
  }
  const labels = file.toLowerCase().endsWith('.json') ? parseLabelsJson(text, file) : parseLabelsTxt(text);
  if (labels.length === 0) throw new Error(`${file}: the labels file is empty`);
  return labels;
}
