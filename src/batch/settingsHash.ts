// The settings hash: everything that changes an item's result, as canonical JSON (keys sorted,
// undefined dropped), hashed. An item whose status.json is done under the same hash is skipped on
// a rerun; any other value redoes it. Pure.
import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level, so equal settings give equal text. */
export function canonicalJson(v: unknown): string {
  if (v === undefined) return 'null';
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
}

export function settingsHash(settings: unknown): string {
  return createHash('sha256').update(canonicalJson(settings)).digest('hex').slice(0, 16);
}
