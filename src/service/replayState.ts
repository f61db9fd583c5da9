// What a job keeps so that a replay of a warm-started frame or slice starts where its solve did:
// per frame (slot) or slice (index), the warm starts it left the next one (filters and L-BFGS
// curvature), within a budget. Frames and slices past the budget, or read from a cache or journal,
// have none, and their replays solve them cold (and say so).
import { warmStartBytes, type WarmStart } from '../engine/analyze.js';

/**
 * What a job keeps for replays of warm-started frames or slices: darknet-tiny at leaky_re_lu_13
 * (14x14), one class-specific map, leaves ~26 KB a frame (8 curvature pairs of 196 doubles), so
 * 128 MiB is ~5000 frames; at a 56x56 layer ~400 KB, ~300 frames.
 */
export const REPLAY_STATE_BYTES = 128 * 2 ** 20;

export interface ReplayState {
  leaves: Map<number, ReadonlyMap<string, WarmStart>>;
  leavesBytes: number;
}

export function replayState(): ReplayState {
  return { leaves: new Map(), leavesBytes: 0 };
}

/** Keeps what frame/slice `key` left the next one while the budget lasts (nothing for an empty set). */
export function keepLeaves(d: ReplayState, key: number, leaves: ReadonlyMap<string, WarmStart> | undefined, budget = REPLAY_STATE_BYTES): void {
  if (!leaves || leaves.size === 0) return;
  const bytes = warmStartBytes(leaves);
  if (d.leavesBytes + bytes > budget) return;
  d.leaves.set(key, leaves);
  d.leavesBytes += bytes;
}

/**
 * Where a replay of frame/slice `key` starts: the warm starts its predecessor left, when its map
 * started from them (start warm or neighbour) and they were kept; else undefined (a cold replay).
 * `warm`: null when the map started cold.
 */
export function replayStart(d: ReplayState, key: number, start: string | undefined): { init: ReadonlyMap<string, WarmStart> | undefined; warm: 'as-run' | 'cold' | null } {
  const startedWarm = start === 'warm' || start === 'neighbour';
  if (!startedWarm) return { init: undefined, warm: null };
  const init = d.leaves.get(key - 1);
  return { init, warm: init ? 'as-run' : 'cold' };
}
