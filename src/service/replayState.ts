// What a job keeps so that a replay of a frame or slice starts where its solve did: per frame
// (slot) or slice (index), whether its solves were handed the previous one's warm starts, and the
// warm starts it left the next one (filters and L-BFGS curvature), within a budget. Frames and
// slices past the budget, or read from a cache or journal, have none: a replay that needed them
// solves cold (and says so).
import { warmStartBytes, type ChainLink, type WarmStart } from '../engine/analyze.js';

/**
 * What a job keeps for replays of warm-started frames or slices: darknet-tiny at leaky_re_lu_13
 * (14x14), one class-specific map, leaves ~26 KB a frame (8 curvature pairs of 196 doubles), so
 * 128 MiB is ~5000 frames; at a 56x56 layer ~400 KB, ~300 frames.
 */
export const REPLAY_STATE_BYTES = 128 * 2 ** 20;

export interface ReplayState {
  /** by key: whether the solves were handed the previous key's warm starts (computed inputs only) */
  handed: Map<number, boolean>;
  leaves: Map<number, ReadonlyMap<string, WarmStart>>;
  leavesBytes: number;
}

export function replayState(): ReplayState {
  return { handed: new Map(), leaves: new Map(), leavesBytes: 0 };
}

/** Keeps frame/slice `key`'s place in its chain, and what it left the next one while the budget lasts. */
export function keepLink(d: ReplayState, key: number, link: ChainLink | undefined, budget = REPLAY_STATE_BYTES): void {
  if (!link) return;
  d.handed.set(key, link.handed);
  if (link.leaves.size === 0) return;
  const bytes = warmStartBytes(link.leaves);
  if (d.leavesBytes + bytes > budget) return;
  d.leaves.set(key, link.leaves);
  d.leavesBytes += bytes;
}

/**
 * Where a replay of frame/slice `key` starts: the warm starts its predecessor left, when its solves
 * were handed them and they were kept. `warm`: 'as-run' (handed and kept), 'cold' (handed but not
 * kept; or, for an input with no record, such as one read from a cache, a map that started warm or
 * from the neighbour), null (nothing was handed: the replay is as it ran).
 */
export function replayStart(d: ReplayState, key: number, start: string | undefined): { init: ReadonlyMap<string, WarmStart> | undefined; warm: 'as-run' | 'cold' | null } {
  const handed = d.handed.get(key);
  if (handed === undefined) return { init: undefined, warm: start === 'warm' || start === 'neighbour' ? 'cold' : null };
  if (!handed) return { init: undefined, warm: null };
  const init = d.leaves.get(key - 1);
  return { init, warm: init ? 'as-run' : 'cold' };
}
