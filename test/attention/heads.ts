// Tiny hand-built heads implementing the Head interface, with their weights exposed so tests can
// compute CAM, Grad-CAM and the affine map by hand. Weights come from the seeded RNG, so every run
// (and backend) builds the same heads.
import * as tf from '@tensorflow/tfjs-core';
import { randn } from '../../src/attention/rng.js';
import type { Head, HeadLinearity } from '../../src/attention/types.js';

export interface TestHead extends Head {
  /** Channels C. */
  readonly C: number;
  /** Constant tensors the head holds; call once at the end of a test file. */
  dispose(): void;
}

const prod = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1);

/**
 * Features [1, ...filterShape, C]: ReLU(N(0,1) + a bump at `centre` on every third channel), like a
 * post-ReLU conv layer with one object in it.
 */
export function makeFeatures(filterShape: readonly number[], C: number, seed: number, centre?: readonly number[], zeroMean = false): tf.Tensor {
  const S = prod(filterShape);
  const D = filterShape.length;
  const noise = randn(S * C, seed);
  const c = centre ?? filterShape.map((n) => n / 3);
  const data = new Float32Array(S * C);
  for (let s = 0; s < S; s++) {
    let rem = s;
    let d2 = 0;
    for (let d = D - 1; d >= 0; d--) {
      const x = rem % filterShape[d]!;
      rem = Math.floor(rem / filterShape[d]!);
      d2 += (x - c[d]!) ** 2;
    }
    const bump = 3 * Math.exp(-d2 / 4);
    for (let ch = 0; ch < C; ch++) data[s * C + ch] = Math.max(0, noise[s * C + ch]! + (ch % 3 === 0 ? bump : 0));
  }
  if (zeroMean) {
    // Each channel's spatial mean removed: every row of a GAP head's J is then orthogonal to the
    // all-ones filter, so NT = c and the class-oblivious problem is the trust-region hard case.
    for (let ch = 0; ch < C; ch++) {
      let m = 0;
      for (let s = 0; s < S; s++) m += data[s * C + ch]!;
      m /= S;
      for (let s = 0; s < S; s++) data[s * C + ch] = data[s * C + ch]! - m;
    }
  }
  return tf.tensor(data, [1, ...filterShape, C]);
}

export interface GapAffineWeights {
  /** Pointwise affine before pooling (like a folded batch norm): x * alpha_c + beta_c. */
  alpha: Float32Array;
  beta: Float32Array;
  /** Dense [C, K] row-major and bias [K]. */
  W: Float32Array;
  bias: Float32Array;
}

/** Pointwise affine -> global average pooling -> dense. 2-D or 3-D filterShape. */
export function gapAffineHead(
  filterShape: readonly number[],
  C: number,
  K: number,
  seed: number,
  outputKind: 'logits' | 'embedding' = 'logits',
): TestHead & { weights: GapAffineWeights } {
  const S = prod(filterShape);
  const D = filterShape.length;
  const alpha = Float32Array.from(randn(C, seed), (x) => 1 + 0.3 * x);
  const beta = Float32Array.from(randn(C, seed + 1), (x) => 0.1 * x);
  const W = Float32Array.from(randn(C * K, seed + 2), (x) => x / Math.sqrt(C));
  const bias = Float32Array.from(randn(K, seed + 3), (x) => 0.1 * x);
  const tAlpha = tf.tensor1d(alpha);
  const tBeta = tf.tensor1d(beta);
  const tW = tf.tensor2d(W, [C, K]);
  const tBias = tf.tensor1d(bias);
  const axes = Array.from({ length: D }, (_, i) => i + 1);
  const featureShape = [...filterShape, C];
  return {
    featureShape,
    filterShape: [...filterShape],
    numOutputs: K,
    outputKind,
    linearity: 'gap-affine',
    C,
    weights: { alpha, beta, W, bias },
    apply: (x) =>
      tf.tidy(() => {
        const pooled = tf.mean(tf.add(tf.mul(x, tAlpha), tBeta), axes) as tf.Tensor2D;
        return tf.add(tf.matMul(pooled, tW), tBias);
      }),
    affine: (x) =>
      tf.tidy(() => {
        // out(f) = W^T mean_s (alpha (A_s f_s) + beta) + bias = (1/S) W^T diag(alpha) A^T f + (W^T beta + bias).
        const A = tf.reshape(x, [S, C]);
        const J = tf.transpose(tf.div(tf.matMul(tf.mul(A, tAlpha), tW), S)) as tf.Tensor2D;
        const c = tf.add(tf.reshape(tf.matMul(tf.reshape(tBeta, [1, C]), tW), [K]), tBias) as tf.Tensor1D;
        return { J, c };
      }),
    dispose: () => tf.dispose([tAlpha, tBeta, tW, tBias]),
  };
}

/** Flatten -> dense: affine in the filter, but not through GAP (CAM does not apply). */
export function flattenAffineHead(filterShape: readonly number[], C: number, K: number, seed: number): TestHead & { W: Float32Array; bias: Float32Array } {
  const S = prod(filterShape);
  const W = Float32Array.from(randn(S * C * K, seed), (x) => x / Math.sqrt(S * C));
  const bias = Float32Array.from(randn(K, seed + 1), (x) => 0.1 * x);
  const tW = tf.tensor2d(W, [S * C, K]);
  const tBias = tf.tensor1d(bias);
  return {
    featureShape: [...filterShape, C],
    filterShape: [...filterShape],
    numOutputs: K,
    outputKind: 'logits',
    linearity: 'affine',
    C,
    W,
    bias,
    apply: (x) => tf.tidy(() => tf.add(tf.matMul(tf.reshape(x, [x.shape[0], S * C]), tW), tBias)),
    affine: (x) =>
      tf.tidy(() => {
        // J[k, s] = sum_c W[s C + c, k] A[s, c].
        const A = tf.reshape(x, [S, C, 1]);
        const J = tf.transpose(tf.sum(tf.mul(tf.reshape(tW, [S, C, K]), A), 1)) as tf.Tensor2D;
        return { J, c: tBias.clone() };
      }),
    dispose: () => tf.dispose([tW, tBias]),
  };
}

/**
 * conv 3x3 (C -> C2, 'same') -> ReLU (or tanh: smooth, for finite differences) -> GAP -> dense. The
 * conv filter is a constant, so only the input gradient is needed (wasm has no Conv2DBackpropFilter).
 */
export function nonlinearHead(
  filterShape: readonly [number, number],
  C: number,
  C2: number,
  K: number,
  seed: number,
  activation: 'relu' | 'tanh' = 'relu',
): TestHead {
  const act = activation === 'relu' ? tf.relu : tf.tanh;
  const kernel = tf.tensor4d(Float32Array.from(randn(9 * C * C2, seed), (x) => x / Math.sqrt(9 * C)), [3, 3, C, C2]);
  const convBias = tf.tensor1d(Float32Array.from(randn(C2, seed + 1), (x) => 0.1 * x));
  const W = tf.tensor2d(Float32Array.from(randn(C2 * K, seed + 2), (x) => x / Math.sqrt(C2)), [C2, K]);
  const linearity: HeadLinearity = 'nonlinear';
  return {
    featureShape: [...filterShape, C],
    filterShape: [...filterShape],
    numOutputs: K,
    outputKind: 'logits',
    linearity,
    C,
    apply: (x) =>
      tf.tidy(() => {
        const h = act(tf.add(tf.conv2d(x as tf.Tensor4D, kernel, 1, 'same'), convBias));
        return tf.matMul(tf.mean(h, [1, 2]) as tf.Tensor2D, W);
      }),
    dispose: () => tf.dispose([kernel, convBias, W]),
  };
}

/** GAP -> dense -> L2 normalisation: an embedding head that is not affine in the filter. */
export function normalisedEmbeddingHead(filterShape: readonly number[], C: number, K: number, seed: number): TestHead {
  const inner = gapAffineHead(filterShape, C, K, seed, 'embedding');
  return {
    featureShape: inner.featureShape,
    filterShape: inner.filterShape,
    numOutputs: K,
    outputKind: 'embedding',
    linearity: 'nonlinear',
    C,
    apply: (x) =>
      tf.tidy(() => {
        const e = inner.apply(x);
        return tf.div(e, tf.norm(e, 2, 1, true));
      }),
    dispose: () => inner.dispose(),
  };
}
