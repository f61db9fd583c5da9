// How a job's inputs (a clip's frames, a scan's slices) are cut into warm chains for the worker
// pool: contiguous chunks, chunk c on worker c mod W, each chunk's first input a cold
// (deterministic) start. Short jobs get one chunk per worker; long ones chunks of up to MAX_CHAIN inputs (chainLength),
// interleaved over the workers, so inputs still come back nearly in order (the timeline and the
// volume are filled in order) with at most W chunks in flight. A scan's slices start a new chain at
// each axis (the next axis's first slice is no neighbour of the last one).
import type { ChainStep } from './frameSolver.js';

/** Where a routed input runs: on worker `worker % concurrency`, at this step of its warm chain. */
export interface WorkerRoute {
  /** absent: the least busy worker (an input that starts a chain of its own, e.g. a batch's image) */
  worker?: number;
  chain: ChainStep;
}

/**
 * Inputs per chain. A cold start costs a few more head passes than a warm one (class-oblivious on
 * darknet-tiny leaky_re_lu_13: ~4-5 vs ~2), so chains should be long; but every input of a chunk
 * waits in memory until the chunks before it are done, so not too long.
 */
export const MAX_CHAIN = 16;

function checkWorkers(workers: number): void {
  if (!(Number.isInteger(workers) && workers >= 1)) throw new Error(`workers must be a positive integer, got ${workers}`);
}

/**
 * What a chain's first (cold) input costs, in warm inputs: measured on darknet-tiny leaky_re_lu_13,
 * car-detection 0-4 s, class-specific ~25 head passes cold vs ~8 warm; class-oblivious ~4-5 vs ~2.
 */
export const COLD_COST = 3;

/** The busiest worker's load (in warm inputs) with chains of `length` over `inputs` inputs. */
function busiest(inputs: number, workers: number, length: number): number {
  const load = new Array<number>(workers).fill(0);
  for (let c = 0, at = 0; at < inputs; c++, at += length) load[c % workers]! += COLD_COST - 1 + Math.min(length, inputs - at);
  return Math.max(...load);
}

/**
 * Chain length for `inputs` inputs on `workers` workers; one chain (Infinity) with one worker. The
 * length (at most MAX_CHAIN) whose busiest worker finishes first, counting each chain's cold start:
 * 50 frames on 2 workers are 13 + 13 | 13 + 11, not 16 + 16 | 16 + 2 (one worker with 32 frames
 * while the other waits). Of equal ones, the fewest chains (cold starts).
 */
export function chainLength(inputs: number, workers: number): number {
  checkWorkers(workers);
  if (workers === 1) return Infinity;
  let best = 1;
  let bestLoad = Infinity;
  for (let length = 1; length <= Math.min(MAX_CHAIN, Math.max(1, inputs)); length++) {
    const load = busiest(inputs, workers, length);
    // (a longer chain never has more chains: <= keeps the longest of equal loads)
    if (load <= bestLoad) {
      best = length;
      bestLoad = load;
    }
  }
  return best;
}

/**
 * Inputs to keep in flight so that no worker waits while the head of the queue is awaited: with
 * chains of `chain` inputs a whole chunk per worker (a worker would otherwise wait for the inputs
 * before its chunk), else (no chains, or one chain on one worker: `chain` 0 or Infinity) two per
 * worker. `remaining`: the inputs left.
 */
export function inFlight(concurrency: number, chain: number, remaining: number): number {
  return Math.max(1, concurrency) * (chain && Number.isFinite(chain) ? Math.min(chain, remaining) + 1 : 2);
}

/**
 * Whether an input on `route` is given warm starts: any but a chain's first, and a first that
 * continues a resumed job's filters (what replays are told as ChainLink.handed).
 */
export function handsWarmStart(route: WorkerRoute | undefined): boolean {
  return !!route && (!route.chain.start || !!route.chain.init);
}

/** A resumed job's last finished input: its chain key (a slice's axis) and its filters by request key. */
export interface ChainResume {
  key: string;
  init: Record<string, number[]>;
}

/**
 * The routes of a job's inputs in order: call the router once per input with its chain key (inputs
 * with different keys never share a chain; a clip's frames all have the default one). A chain ends
 * after `chain` inputs or where the key changes. `resume`: the first input continues that input's
 * filters when it has the same key (else it starts cold).
 */
export function chainRouter(chain: number, workers: number, resume?: ChainResume): (key?: string) => WorkerRoute {
  checkWorkers(workers);
  if (!(chain >= 1)) throw new Error(`chain length must be at least 1, got ${chain}`);
  let c = -1;
  let k = 0;
  let prev: string | undefined;
  return (key = '') => {
    const first = c < 0;
    if (first || key !== prev || k >= chain) {
      c++;
      k = 0;
    }
    prev = key;
    const init = first && resume && resume.key === key ? resume.init : undefined;
    const start = k === 0;
    k++;
    return { worker: c % workers, chain: { start, ...(start && init ? { init } : {}) } };
  };
}
