// Pure (tested in test/renderer): what a recent file is, as the start screen's list says it.
import type { RecentFile } from '../../src/contract/index.js';
import { kindByName } from '../../src/batch/kindByName.js';

/** A picture opens as a one-frame clip (media kind 'video'), but the list calls it what it is (by the names batch takes as images). */
export function recentKind(r: Pick<RecentFile, 'name' | 'kind'>): string {
  return r.kind === 'video' && kindByName(r.name) === 'image' ? 'image' : r.kind;
}
