// Reading a head's affine map out(f) = J f + c into typed arrays, for the exact solvers and CAM.
// J is only needed as a few matrix-vector products (class-specific: one; class-oblivious: a handful
// of Lanczos steps), which loops over plain arrays do faster than TF.js op dispatch at this size
// (measured: K=1000, S=196, one J^T J x product 0.4 ms in JS vs 0.3-0.9 ms as tf.matMul on
// wasm/cpu plus read-back); the SIMD kernels (kernels/jProducts.wat) do them faster still.
import type * as tf from '@tensorflow/tfjs-core';
import type { AffineMap, Head } from './types.js';
import { filterSize } from './validate.js';
import { wasmRowsTimesVector } from './kernels/wasmProducts.js';

// The interface lives in types.ts (Head.affineMap returns one); re-exported for the solvers.
export type { AffineMap } from './types.js';

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
  const fast = head.affineMap?.(features);
  if (fast) {
    if (fast.K !== head.numOutputs || fast.S !== filterSize(head)) throw new Error(`head.affineMap gave K ${fast.K}, S ${fast.S}; expected ${head.numOutputs}, ${filterSize(head)}`);
    return fast;
  }
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

/** out = J x (length K). */
export function jTimes(a: AffineMap, x: Float64Array, out: Float64Array): void {
  if (a.transposed) rowsTimesVector(a.J, a.S, a.K, x, out, true);
  else rowsTimesVector(a.J, a.K, a.S, x, out, false);
  scaleBy(out, a.scale);
}

/** out = J^T u (length S). */
export function jTransposeTimes(a: AffineMap, u: ArrayLike<number>, out: Float64Array): void {
  if (a.transposed) rowsTimesVector(a.J, a.S, a.K, u, out, false);
  else rowsTimesVector(a.J, a.K, a.S, u, out, true);
  scaleBy(out, a.scale);
}

function scaleBy(out: Float64Array, scale: number | undefined): void {
  if (scale === undefined || scale === 1) return;
  for (let i = 0; i < out.length; i++) out[i] = out[i]! * scale;
}

/** Below this many entries the JS loops win (no copy into the kernels' memory). */
const WASM_MIN_ENTRIES = 4096;

function rowsTimesVector(M: Float32Array, R: number, Cc: number, v: ArrayLike<number>, out: Float64Array, transpose: boolean): void {
  if (R * Cc >= WASM_MIN_ENTRIES && wasmRowsTimesVector(M, R, Cc, v, out, transpose)) return;
  rowsTimesVectorJs(M, R, Cc, v, out, transpose);
}

/**
 * The two products on a matrix M (R x Cc, row-major) that back both layouts of J, in JS (where the
 * SIMD kernels are unavailable, and the reference they are tested against), reading M
 * contiguously: transpose = false: out = M v (row dot products, several rows per pass so each v[j]
 * is loaded once for several products); true: out = M^T v (row axpys, several rows per pass over
 * `out`, which cuts its loads and stores: the product is bound by them, not by the multiplies).
 */
export function rowsTimesVectorJs(M: Float32Array, R: number, Cc: number, v: ArrayLike<number>, out: Float64Array, transpose: boolean): void {
  let r = 0;
  if (transpose) {
    out.fill(0);
    // Eight rows per pass (measured 1.3x over four on V8 for 196 x 1000).
    for (; r + 7 < R; r += 8) {
      const v0 = v[r]!;
      const v1 = v[r + 1]!;
      const v2 = v[r + 2]!;
      const v3 = v[r + 3]!;
      const v4 = v[r + 4]!;
      const v5 = v[r + 5]!;
      const v6 = v[r + 6]!;
      const v7 = v[r + 7]!;
      const o0 = r * Cc;
      const o1 = o0 + Cc;
      const o2 = o1 + Cc;
      const o3 = o2 + Cc;
      const o4 = o3 + Cc;
      const o5 = o4 + Cc;
      const o6 = o5 + Cc;
      const o7 = o6 + Cc;
      for (let j = 0; j < Cc; j++) {
        out[j] = out[j]! + ((v0 * M[o0 + j]! + v1 * M[o1 + j]!) + (v2 * M[o2 + j]! + v3 * M[o3 + j]!)) + ((v4 * M[o4 + j]! + v5 * M[o5 + j]!) + (v6 * M[o6 + j]! + v7 * M[o7 + j]!));
      }
    }
    for (; r < R; r++) {
      const vr = v[r]!;
      const o = r * Cc;
      for (let j = 0; j < Cc; j++) out[j] = out[j]! + vr * M[o + j]!;
    }
    return;
  }
  // Four rows and two columns per step: eight independent sums (measured 1.2x over one column).
  const even = Cc - (Cc % 2);
  for (; r + 3 < R; r += 4) {
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let t0 = 0;
    let t1 = 0;
    let t2 = 0;
    let t3 = 0;
    const o0 = r * Cc;
    const o1 = o0 + Cc;
    const o2 = o1 + Cc;
    const o3 = o2 + Cc;
    for (let j = 0; j < even; j += 2) {
      const x = v[j]!;
      const y = v[j + 1]!;
      s0 += M[o0 + j]! * x;
      s1 += M[o1 + j]! * x;
      s2 += M[o2 + j]! * x;
      s3 += M[o3 + j]! * x;
      t0 += M[o0 + j + 1]! * y;
      t1 += M[o1 + j + 1]! * y;
      t2 += M[o2 + j + 1]! * y;
      t3 += M[o3 + j + 1]! * y;
    }
    if (even < Cc) {
      const x = v[even]!;
      s0 += M[o0 + even]! * x;
      s1 += M[o1 + even]! * x;
      s2 += M[o2 + even]! * x;
      s3 += M[o3 + even]! * x;
    }
    out[r] = s0 + t0;
    out[r + 1] = s1 + t1;
    out[r + 2] = s2 + t2;
    out[r + 3] = s3 + t3;
  }
  for (; r < R; r++) {
    let s0 = 0;
    const o = r * Cc;
    for (let j = 0; j < Cc; j++) s0 += M[o + j]! * v[j]!;
    out[r] = s0;
  }
}

/** Entry J[k, s] in either layout. */
export function jAt(a: AffineMap, k: number, s: number): number {
  return (a.transposed ? a.J[s * a.K + k]! : a.J[k * a.S + s]!) * (a.scale ?? 1);
}

/**
 * The affine map of a head that is global average pooling and nothing else that mixes channels
 * (the last convolution is the classifier, as in darknet, NiN, SqueezeNet): out_k(f) = (1/S)
 * sum_s f_s A[s, k], so J^T = A / S and c = 0, read straight from the features A (S x K, channels
 * last) without running the head, and without a copy (the map only reads them).
 */
export function gapOnlyAffine(features: Float32Array, S: number, K: number): AffineMap {
  if (features.length !== S * K) throw new Error(`gapOnlyAffine: ${features.length} feature values, expected ${S} x ${K}`);
  return { J: features, c: new Float32Array(K), K, S, transposed: true, scale: 1 / S };
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
