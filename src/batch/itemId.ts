// Stable item ids: the folder under --out must be the same on every shard and every rerun (that is
// how a rerun finds its finished items and how shards avoid each other), readable, and unique even
// when sanitising makes two paths look alike ("a b.mp4" and "a_b.mp4"), hence the hash of the path.
import { createHash } from 'node:crypto';

const MAX_READABLE = 80;

/** The readable part: path separators and anything unusual become "_", the tail kept when long. */
export function sanitise(rel: string): string {
  const s = rel
    .replace(/\\/g, '/')
    .replace(/^(\.\.?\/)+/, '')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._]+/, '')
    .replace(/_+/g, '_');
  const tail = s.length > MAX_READABLE ? s.slice(s.length - MAX_READABLE) : s;
  return tail || 'item';
}

export function itemId(rel: string): string {
  const norm = rel.replace(/\\/g, '/');
  return `${sanitise(norm)}-${createHash('sha256').update(norm).digest('hex').slice(0, 8)}`;
}
