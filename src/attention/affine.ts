// Reading a head's affine map out(f) = J f + c into typed arrays, for the exact solvers and CAM.
// J is only needed as a few matrix-vector products (class-specific: one; class-oblivious: a handful
// of Lanczos steps), which plain loops do faster than TF.js op dispatch at this size (measured:
// K=1000, S=196, one J^T J x product 0.4 ms in JS vs 0.3-0.9 ms as tf.matMul on wasm/cpu plus read-back).
import type * as tf from '@tensorflow/tfjs-core';
import type { Head } from './types.js';
import { filterSize } from './validate.js';

export interface AffineMap {
  /** K x S, row-major. */
  J: Float32Array;
  /** K: out(0). */
  c: Float32Array;
  K: number;
  S: number;
}

/** Throws unless the head's outputs are affine in the filter and it can say how. */
export function requireAffine(head: Head, what: string): void {
  if (head.linearity === 'nonlinear') {
    throw new Error(
      `${what} needs a head whose outputs are affine in the filter (linearity 'gap-affine' or 'affine'), ` +
        `but this head is 'nonlinear': use solver 'iterative' (or 'auto', which picks it)`,
    );
  }
  if (typeof head.affine !== 'function') {
    throw new Error(`${what}: the head says it is '${head.linearity}' but provides no affine() map`);
  }
}

export function readAffine(head: Head, features: tf.Tensor): AffineMap {
  const { J, c } = head.affine!(features);
  try {
    const K = head.numOutputs;
    const S = filterSize(head);
    if (J.shape[0] !== K || J.shape[1] !== S || c.shape[0] !== K) {
      throw new Error(`head.affine returned J [${J.shape.join(', ')}] and c [${c.shape.join(', ')}], expected [${K}, ${S}] and [${K}]`);
    }
    return { J: J.dataSync() as Float32Array, c: c.dataSync() as Float32Array, K, S };
  } finally {
    J.dispose();
    c.dispose();
  }
}

/** out = J x (length K): four rows per pass over x, so each x[j] is loaded once for four products. */
export function jTimes(a: AffineMap, x: Float64Array, out: Float64Array): void {
  const { J, K, S } = a;
  let k = 0;
  for (; k + 3 < K; k += 4) {
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    const o0 = k * S;
    const o1 = o0 + S;
    const o2 = o1 + S;
    const o3 = o2 + S;
    for (let j = 0; j < S; j++) {
      const xj = x[j]!;
      s0 += J[o0 + j]! * xj;
      s1 += J[o1 + j]! * xj;
      s2 += J[o2 + j]! * xj;
      s3 += J[o3 + j]! * xj;
    }
    out[k] = s0;
    out[k + 1] = s1;
    out[k + 2] = s2;
    out[k + 3] = s3;
  }
  for (; k < K; k++) {
    let s0 = 0;
    const o = k * S;
    for (let j = 0; j < S; j++) s0 += J[o + j]! * x[j]!;
    out[k] = s0;
  }
}

/**
 * out = J^T u (length S), as row axpys so J is read contiguously; four rows per pass over `out`
 * cut its loads and stores fourfold (the product is bound by them, not by the multiplies).
 */
export function jTransposeTimes(a: AffineMap, u: ArrayLike<number>, out: Float64Array): void {
  const { J, K, S } = a;
  out.fill(0);
  let k = 0;
  for (; k + 3 < K; k += 4) {
    const u0 = u[k]!;
    const u1 = u[k + 1]!;
    const u2 = u[k + 2]!;
    const u3 = u[k + 3]!;
    const o0 = k * S;
    const o1 = o0 + S;
    const o2 = o1 + S;
    const o3 = o2 + S;
    for (let j = 0; j < S; j++) out[j] = out[j]! + (u0 * J[o0 + j]! + u1 * J[o1 + j]!) + (u2 * J[o2 + j]! + u3 * J[o3 + j]!);
  }
  for (; k < K; k++) {
    const uk = u[k]!;
    const o = k * S;
    for (let j = 0; j < S; j++) out[j] = out[j]! + uk * J[o + j]!;
  }
}

const unfiltered = new WeakMap<AffineMap, Float64Array>();

/** NT = J 1 + c: the head's outputs without a filter (computed once per map, then remembered). */
export function unfilteredOutputs(a: AffineMap): Float64Array {
  let nt = unfiltered.get(a);
  if (!nt) {
    nt = affineOutputs(a, new Float64Array(a.S).fill(1));
    unfiltered.set(a, nt);
  }
  return nt;
}

/** FT(f) = J f + c: the head's outputs with filter f, from its affine map. */
export function affineOutputs(a: AffineMap, f: Float64Array): Float64Array {
  const out = new Float64Array(a.K);
  jTimes(a, f, out);
  for (let k = 0; k < a.K; k++) out[k] = out[k]! + a.c[k]!;
  return out;
}

/** The class-specific objective sum_{k != t} FT_k - FT_t (objectives.ts, in plain arrays). */
export function classSpecificLoss(ft: ArrayLike<number>, target: number): number {
  let s = 0;
  for (let k = 0; k < ft.length; k++) s += k === target ? -ft[k]! : ft[k]!;
  return s;
}
