// The per-input core shared by images, video frames and volume slices: given one backbone output,
// compute every requested map from the head alone. Several methods and classes share the one
// backbone pass; L2-CAF maps may start from a previous filter (warm start).
import * as tf from '@tensorflow/tfjs-core';
import type { AttentionMap, Head, Method, SolveOptions } from '../attention/types.js';
import type { LbfgsMemory } from '../attention/sphereLbfgs.js';
import { solveL2caf, gradCam, cam, usesExactSolver } from '../attention/index.js';
import { readAffine, unfilteredOutputs, type AffineMap } from '../attention/affine.js';
import { wantsPreparedFilter, withPreparedFilter } from '../attention/preparedFilter.js';

export interface MapRequest {
  method: Method;
  /** Output index for class-specific methods; null for class-oblivious L2-CAF. */
  target: number | null;
}

/** Key of a request, so warm-start filters can be matched frame to frame. */
export function requestKey(r: MapRequest): string {
  return `${r.method}:${r.target ?? '-'}`;
}

/** What a solve hands the next frame's or slice's: its filter and, for L-BFGS, its curvature. */
export interface WarmStart {
  param: Float32Array;
  memory?: LbfgsMemory;
  /** inputs since it was solved: absent (0) for the previous input's own, n for one carried n inputs on */
  age?: number;
}

export interface AnalyzeFeaturesOptions {
  solve: SolveOptions;
  /** Warm starts by requestKey (from the previous frame or slice). */
  init?: ReadonlyMap<string, WarmStart>;
  /** The head's outputs without a filter, when the caller has them already (saves a head pass). */
  logits?: Float32Array;
}

/** The warm starts the maps of one input leave for the next. */
export function warmStartsOf(maps: readonly AttentionMap[]): Map<string, WarmStart> {
  const out = new Map<string, WarmStart>();
  // A copy of the filter: the map's own array may be transferred to another thread with the map.
  for (const m of maps) if (m.param) out.set(requestKey(m), { param: m.param.slice(), ...(m.memory ? { memory: m.memory } : {}) });
  return out;
}

/**
 * How many inputs a warm start is carried past inputs that did not use it. Class-specific maps of
 * each input's top-1 change target when the top-1 does, and the top-1 often comes back after one
 * input (two near-tied classes taking turns): that class's filter of two inputs before is a warm
 * start where there were three cold ones. Measured (2026-12-07, scratch; darknet-tiny, each input's
 * top-1, against the same runs without carrying): someones_anatomy.nii.gz (56 slices, 30 class
 * changes, one chain) at leaky_re_lu_13 22.3 -> 18.8 passes a slice, no slice 1e-3 worse; at
 * leaky_re_lu_12 59.1 -> 52.1, mean loss within 3e-4; car-detection 0-20 s (250 frames, 2 workers)
 * at leaky_re_lu_13 14.7 -> 13.9 and leaky_re_lu_12 14.7 -> 13.2 passes a frame, mean loss within
 * 3e-5 (one frame 1% above its cold solve: another optimum, as warm chains can land in). Carried
 * further the filters are from too far away: 2 inputs took leaky_re_lu_12's mean 2.4e-3 up, 8
 * inputs 3.6e-3 (up to 10% on single slices) and one car-detection frame 14% above its cold solve.
 */
export const CARRY_INPUTS = 1;

/**
 * The warm starts a chain hands on after an input: its own (`own`, warmStartsOf its maps; first, so
 * that the neighbour start takes the latest other class), then the ones it was handed and did not
 * replace, one input older, while at most `carry` inputs old.
 */
export function carryWarmStarts(prev: ReadonlyMap<string, WarmStart> | undefined, own: ReadonlyMap<string, WarmStart>, carry = CARRY_INPUTS): Map<string, WarmStart> {
  const out = new Map(own);
  for (const [k, w] of prev ?? []) {
    const age = (w.age ?? 0) + 1;
    if (!out.has(k) && age <= carry) out.set(k, { ...w, age });
  }
  return out;
}

/**
 * What a frame or slice solved in a warm chain tells its caller (replays use it): `handed`, whether
 * its solves were given the previous input's warm starts (every input of a chain but its first: a
 * warm start, or after a change of class the neighbour start among the cold ones), and `leaves`, the
 * warm starts it hands the next input.
 */
export interface ChainLink {
  handed: boolean;
  leaves: ReadonlyMap<string, WarmStart>;
}

/** The bytes a set of warm starts holds (filters and curvature pairs): what keeping it costs. */
export function warmStartBytes(starts: ReadonlyMap<string, WarmStart>): number {
  let n = 0;
  for (const w of starts.values()) {
    n += w.param.byteLength;
    for (const a of [...(w.memory?.s ?? []), ...(w.memory?.y ?? [])]) n += a.byteLength;
  }
  return n;
}

/**
 * The unfiltered outputs and every requested map for one backbone output. `features` has batch 1.
 * Returns logits as a plain array; tensors created here are disposed here.
 */
export function analyzeFeatures(
  head: Head,
  features: tf.Tensor,
  requests: readonly MapRequest[],
  opts: AnalyzeFeaturesOptions,
): { logits: Float32Array; maps: AttentionMap[] } {
  // With an exact L2-CAF solve, the head's affine map (read once, shared by every exact solve)
  // also gives the unfiltered outputs J 1 + c, which saves a head pass per input.
  const exact = requests.some((r) => r.method === 'l2caf' || r.method === 'l2caf-class') && usesExactSolver(head, opts.solve);
  // (A head that reads its map from arrays the engine holds gives the logits that way too.)
  const affine = exact || head.affineMap?.(features) ? readAffine(head, features) : undefined;
  const logits =
    opts.logits ?? (affine ? Float32Array.from(unfilteredOutputs(affine)) : tf.tidy(() => head.apply(features).dataSync() as Float32Array));
  // Several iterative L2-CAF maps of one input on a non-linear head share the head's factored
  // first conv (Head.prepareFilter), made once here instead of once per solve.
  const iterative = requests.filter((r) => r.method === 'l2caf' || r.method === 'l2caf-class').length;
  const shared = !exact && iterative > 1 && head.linearity === 'nonlinear' && wantsPreparedFilter(head) ? withPreparedFilter(head, features) : null;
  try {
    return { logits: Float32Array.from(logits), maps: solveAll(shared?.head ?? head, features, requests, opts, logits, affine) };
  } finally {
    shared?.dispose();
  }
}

function solveAll(
  head: Head,
  features: tf.Tensor,
  requests: readonly MapRequest[],
  opts: AnalyzeFeaturesOptions,
  logits: Float32Array,
  affine: AffineMap | undefined,
): AttentionMap[] {
  return requests.map((r) => {
    switch (r.method) {
      case 'l2caf':
      case 'l2caf-class': {
        const target = r.method === 'l2caf' ? null : r.target;
        if (r.method === 'l2caf-class' && target == null) throw new Error('l2caf-class needs a target class');
        const w = opts.init?.get(requestKey(r));
        // no warm start for this class (the argmax changed): the previous input's answer for
        // another class is tried as one more cold start
        const neighbour = !w && target !== null ? otherClassStart(opts.init) : undefined;
        const solve = w ? { ...opts.solve, init: w.param, ...(w.memory ? { initMemory: w.memory } : {}) } : neighbour ? { ...opts.solve, neighbour } : opts.solve;
        return solveL2caf(head, features, target, solve, { affine, logits });
      }
      case 'gradcam':
        return gradCam(head, features, r.target ?? argmax(logits));
      case 'cam':
        return cam(head, features, r.target ?? argmax(logits));
    }
  });
}

/** A class-specific L2-CAF filter among the warm starts, if any (its class does not matter). */
function otherClassStart(init: ReadonlyMap<string, WarmStart> | undefined): Float32Array | undefined {
  for (const [key, w] of init ?? []) if (key.startsWith('l2caf-class:')) return w.param;
  return undefined;
}

/** The head's outputs without a filter: from the affine map the engine holds, else one head pass. */
export function unfilteredLogits(head: Head, features: tf.Tensor): Float32Array {
  return head.affineMap?.(features)
    ? Float32Array.from(unfilteredOutputs(readAffine(head, features)))
    : tf.tidy(() => head.apply(features).dataSync() as Float32Array);
}

export function argmax(a: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i]! > a[best]!) best = i;
  return best;
}
