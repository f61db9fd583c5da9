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

/** out = J x (length K). */
export function jTimes(a: AffineMap, x: Float64Array, out: Float64Array): void {
  const { J, K, S } = a;
  for (let k = 0; k < K; k++) {
    // Two accumulators break the add dependency chain (measured ~1.5x on V8).
    let s0 = 0;
    let s1 = 0;
    const o = k * S;
    let j = 0;
    for (; j + 1 < S; j += 2) {
      s0 += J[o + j]! * x[j]!;
      s1 += J[o + j + 1]! * x[j + 1]!;
    }
    if (j < S) s0 += J[o + j]! * x[j]!;
    out[k] = s0 + s1;
  }
}

/** out = J^T u (length S), as row axpys so J is read contiguously. */
export function jTransposeTimes(a: AffineMap, u: ArrayLike<number>, out: Float64Array): void {
  const { J, K, S } = a;
  out.fill(0);
  for (let k = 0; k < K; k++) {
    const uk = u[k]!;
    if (uk === 0) continue;
    const o = k * S;
    for (let j = 0; j < S; j++) out[j] = out[j]! + uk * J[o + j]!;
  }
}
