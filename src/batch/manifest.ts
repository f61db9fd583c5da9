// Manifests: a .txt with one path per line (blank lines and # comments skipped) or a .csv with a
// `path` column. Relative paths are relative to the manifest's folder, so a manifest travels with
// its data. Pure: the caller reads the file.
import { UsageError } from '../engine/targets.js';

export function isManifest(file: string): boolean {
  return /\.(txt|csv)$/i.test(file);
}

/** Splits one CSV line (RFC 4180 quoting: "a,b" and "" for a quote). */
export function csvFields(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** The paths a manifest lists, in its order. Throws a one-line error naming the manifest. */
export function parseManifest(name: string, text: string): string[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (/\.csv$/i.test(name)) {
    const header = csvFields(lines[0] ?? '').map((h) => h.trim().toLowerCase());
    const col = header.indexOf('path');
    if (col < 0) throw new UsageError(`${name}: a CSV manifest needs a "path" column (header: ${header.join(', ') || 'empty'})`);
    return lines
      .slice(1)
      .filter((l) => l.trim() !== '')
      .map((l) => (csvFields(l)[col] ?? '').trim())
      .filter((p) => p !== '');
  }
  return lines.map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
}
