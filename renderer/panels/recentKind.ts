// Pure (tested in test/renderer): what a recent file is, as the start screen's list says it.
import type { RecentFile } from '../../src/contract/index.js';

/** A picture opens as a one-frame clip (media kind 'video'), but the list calls it what it is. */
export function recentKind(r: Pick<RecentFile, 'name' | 'kind'>): string {
  return r.kind === 'video' && /\.(png|jpe?g|bmp|webp|tiff?)$/i.test(r.name) ? 'image' : r.kind;
}
