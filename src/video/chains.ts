// How a clip's frames are cut into warm chains for the worker pool: contiguous chunks, chunk c on
// worker c mod W, each chunk's first frame a cold (deterministic) start. Short clips get one chunk
// per worker; long ones chunks of MAX_CHAIN frames, interleaved over the workers, so frames still
// come back nearly in order (the timeline is filled in order) with at most W chunks in flight.
import type { WorkerRoute } from '../pool/backbonePool.js';

/**
 * Frames per chain. A cold start costs a few more head passes than a warm one (class-oblivious on
 * darknet-tiny leaky_re_lu_13: ~4-5 vs ~2), so chains should be long; but every frame of a chunk
 * waits in memory until the chunks before it are done, so not too long.
 */
export const MAX_CHAIN = 16;

/** Chain length for `frames` frames on `workers` workers; one chain (Infinity) with one worker. */
export function chainLength(frames: number, workers: number): number {
  if (!(Number.isInteger(workers) && workers >= 1)) throw new Error(`workers must be a positive integer, got ${workers}`);
  if (workers === 1) return Infinity;
  return Math.max(1, Math.min(MAX_CHAIN, Math.ceil(frames / workers)));
}

/**
 * Whether an input on `route` is given warm starts: any but a chain's first, and a first that
 * continues a resumed job's filters (what replays are told as ChainLink.handed).
 */
export function handsWarmStart(route: WorkerRoute | undefined): boolean {
  return !!route && (!route.chain.start || !!route.chain.init);
}

/**
 * The route of the k-th frame (0-based among the frames this run analyses). `resumeFrom`: the
 * filters of the frame before the first one (a resumed job), which its chain continues from.
 */
export function routeOf(k: number, chain: number, workers: number, resumeFrom?: Record<string, number[]>): WorkerRoute {
  const c = Number.isFinite(chain) ? Math.floor(k / chain) : 0;
  const start = Number.isFinite(chain) ? k % chain === 0 : k === 0;
  return { worker: c % workers, chain: { start, ...(start && k === 0 && resumeFrom ? { init: resumeFrom } : {}) } };
}
