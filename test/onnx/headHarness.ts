// Runs a test model's head (split at `layer`) against ONNX Runtime running the whole model, and
// checks its gradient against finite differences and, for affine heads, its (J, c) form.
import * as tf from '@tensorflow/tfjs-core';
import type { HeadLinearity } from '../../src/attention/types.js';
import { loadOnnxModel } from '../../src/models/onnx/loadOnnx.js';
import { mulberry32 } from '../../src/attention/rng.js';
import { ortRun, writeModel } from './buildOnnx.js';

export interface HeadCheck {
  linearity: HeadLinearity;
  softmaxRemoved: boolean;
  side: number;
  /** max |ours - ORT| / max(1, max |ORT|) */
  outputError: number;
  /** median over 5 random directions d of the relative gap between <grad, d> and the central difference */
  gradientError: number;
  /** for affine heads: max |J f + c - head(A * f)| / max(1, max |head|); null otherwise */
  affineError: number | null;
  /** numTensors after minus before (0 = nothing leaked) */
  leaked: number;
}

function randn(r: () => number, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
  return out;
}

export async function checkHead(bytes: Uint8Array, layer: string, inputDims = [1, 3, 8, 8], seed = 1): Promise<HeadCheck> {
  const before = tf.memory().numTensors;
  const file = writeModel(bytes);
  const model = await loadOnnxModel({ id: 'test', location: file, preprocessing: { scale: 1, offset: 0, channelOrder: 'rgb' }, threads: 1 });
  const split = model.split(layer);
  const [, , H, W] = inputDims as [number, number, number, number];
  const r = mulberry32(seed);
  const nhwc = Float32Array.from({ length: H * W * 3 }, () => r() * 2 - 1);
  const nchw = new Float32Array(nhwc.length);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < 3; c++) nchw[c * H * W + y * W + x] = nhwc[(y * W + x) * 3 + c]!;
  const input = tf.tensor4d(nhwc, [1, H, W, 3]);
  const bb = await split.runBackbone(input);
  input.dispose();
  const head = split.head(bb);
  const ref = await ortRun(bytes, nchw, inputDims);
  const refMax = Math.max(1, ...Array.from(ref.data, Math.abs));
  const ours = tf.tidy(() => {
    const y = head.apply(bb.features);
    return (split.softmaxRemoved ? tf.softmax(y) : y).dataSync() as Float32Array;
  });
  if (ours.length !== ref.data.length) throw new Error(`head gives ${ours.length} values, ONNX Runtime ${ref.data.length}`);
  let outputError = 0;
  for (let i = 0; i < ours.length; i++) outputError = Math.max(outputError, Math.abs(ours[i]! - ref.data[i]!) / refMax);

  // gradient of L = sum(w * head(A)) along random directions vs central differences
  const K = head.numOutputs;
  const w = tf.tensor2d(randn(r, K), [1, K]);
  const loss = (a: tf.Tensor) => tf.sum(tf.mul(head.apply(a), w));
  const grad = tf.grad(loss);
  let gradientError: number;
  const A = bb.features;
  const scale = Math.max(1e-3, ...Array.from(A.dataSync(), Math.abs));
  const perDirection: number[] = [];
  for (let k = 0; k < 5; k++) {
    const d = tf.tensor(randn(r, A.size), A.shape);
    // The best of three step sizes: large steps cross the kinks of piecewise-linear ops (Relu,
    // Clip, MaxPool), small ones drown in float32 rounding; a wrong gradient fails at every step.
    const errors = [1e-2, 1e-3, 1e-4].map((rel) =>
      tf.tidy(() => {
        const eps = rel * scale;
        const analytic = tf.sum(tf.mul(grad(A), d)).dataSync()[0]!;
        const lp = loss(tf.add(A, tf.mul(d, eps))).dataSync()[0]!;
        const lm = loss(tf.sub(A, tf.mul(d, eps))).dataSync()[0]!;
        return Math.abs(analytic - (lp - lm) / (2 * eps)) / Math.max(1, Math.abs(analytic));
      }),
    );
    d.dispose();
    perDirection.push(Math.min(...errors));
  }
  // the median direction: one direction may pass within a step of a kink at every step size
  gradientError = perDirection.sort((a, b) => a - b)[2]!;
  w.dispose();

  let affineError: number | null = null;
  if (head.affine) {
    const { J, c } = head.affine(A);
    const S = head.filterShape.reduce((a, b) => a * b, 1);
    const f = tf.tensor(randn(r, S), [S, 1]);
    affineError = tf.tidy(() => {
      const viaJ = tf.add(tf.reshape(tf.matMul(J, f), [K]), c);
      const direct = tf.reshape(head.apply(tf.mul(A, tf.reshape(f, [1, ...head.filterShape, 1]))), [K]);
      const m = Math.max(1, tf.max(tf.abs(direct)).dataSync()[0]!);
      return tf.max(tf.abs(tf.sub(viaJ, direct))).dataSync()[0]! / m;
    });
    J.dispose();
    c.dispose();
    f.dispose();
  }
  const out: HeadCheck = {
    linearity: head.linearity,
    softmaxRemoved: split.softmaxRemoved,
    side: bb.side.length,
    outputError,
    gradientError,
    affineError,
    leaked: 0,
  };
  bb.features.dispose();
  for (const s of bb.side) s.dispose();
  model.dispose();
  out.leaked = tf.memory().numTensors - before;
  return out;
}
