// The head's first convolution when its input is the filtered features A * f, f spatial and
// broadcast over channels: conv(A * f)[p] = sum_d f_pad[s p + d] * B_d[p], with B_d = A_pad's
// window at kernel offset d times the kernel's tap W_d (a 1x1 conv). B does not depend on f, so it
// is computed once per input (the cost of one forward conv) and every solver pass is left with K2
// products of single-channel maps: on darknet-tiny after leaky_re_lu_13 (3x3 conv 256 -> 512 on
// 14x14) the conv's forward + backward goes from ~9 ms to well under one. Only f is sliced, never A
// (slices of the full features have gradients as large as A: the reason an earlier try was slower).
import * as tf from '@tensorflow/tfjs-core';
import type { PreparedFilter } from '../attention/types.js';
import { constKernel, conv2dValid, dilatedKernel, subsample, type ConstKernel, type Pads2 } from './convInputGrad.js';
import { TapProducts } from './tapProducts.js';

/** f -> a head step's output for the features this was prepared for. */
export interface FilteredStep {
  /** f [B, H, W, 1] -> the step's output (for a conv: [B, Ho, Wo, O], bias not added) */
  apply(f: tf.Tensor4D): tf.Tensor;
  dispose(): void;
}

/** What a translated head step offers when it can read the filtered features factored: A [1, H, W, C] channels last. */
export type PrepareFiltered = (A: tf.Tensor4D) => FilteredStep | null;

/**
 * Head.prepareFilter for a head of 2-D features whose one reader of them can read them factored:
 * `runFrom` runs the rest of the head from that step's output.
 */
export function prepareHeadFilter(prepare: PrepareFiltered, runFrom: (stepOutput: tf.Tensor) => tf.Tensor2D): (features: tf.Tensor) => PreparedFilter | null {
  return (features) => {
    if (features.rank !== 4 || features.shape[0] !== 1) return null;
    const step = prepare(features as tf.Tensor4D);
    if (!step) return null;
    const shape: [number, number, number, number] = [1, features.shape[1]!, features.shape[2]!, 1];
    return { features, apply: (f) => runFrom(step.apply(tf.reshape(f, shape))), dispose: () => step.dispose() };
  };
}

/** Wraps a prepared step's output (bias, activation, layout), keeping its disposal. */
export function mapFiltered(step: FilteredStep | null, then: (y: tf.Tensor) => tf.Tensor): FilteredStep | null {
  return step && { apply: (f) => then(step.apply(f)), dispose: () => step.dispose() };
}

/** Above this many floats in B (K2 x Ho x Wo x O) the plain conv is kept: 64 MB. */
export const MAX_PRODUCT_FLOATS = 16 * 1024 * 1024;

function keepKernel(k: ConstKernel): ConstKernel {
  return { kernel: tf.keep(k.kernel), flipped: tf.keep(k.flipped) };
}

/** The window of x [B, Hp, Wp, C] at offset (a, b) seen by every output position: [B, Ho, Wo, C]. */
function window(x: tf.Tensor4D, a: number, b: number, out: [number, number], s: [number, number]): tf.Tensor4D {
  const [B, , , C] = x.shape;
  const taken = tf.slice(x, [0, a, b, 0], [B, (out[0] - 1) * s[0] + 1, (out[1] - 1) * s[1] + 1, C]);
  return s[0] === 1 && s[1] === 1 ? taken : subsample(taken, s, out);
}

/**
 * A conv's factored form for any features, with its constant geometry. The kernel's taps as [C, O]
 * matrices are made on first use and kept until dispose (slicing them costs ~3 ms each on wasm,
 * every frame otherwise); both activation variants of a layer share one.
 */
export class FilteredConvKernel {
  private taps: tf.Tensor2D[] | null = null;
  private onehot: ConstKernel | null = null;

  /** `kernel` [kH, kW, C, O] (not dilated: `dilations` says how far apart its taps are) stays the caller's. */
  constructor(
    private readonly kernel: tf.Tensor4D,
    private readonly strides: [number, number],
    private readonly dilations: [number, number],
  ) {}

  /** Prepares the factored conv of features A [1, H, W, C] padded by `pads`; null when B would be too large. */
  prepare(A: tf.Tensor4D, pads: Pads2): FilteredStep | null {
    const { strides, dilations } = this;
    const [kH, kW, C, O] = this.kernel.shape;
    const [, H, W] = A.shape;
    if (A.shape[0] !== 1 || A.shape[3] !== C) return null;
    const Hp = H + pads[0][0] + pads[0][1];
    const Wp = W + pads[1][0] + pads[1][1];
    const out: [number, number] = [
      Math.floor((Hp - (kH - 1) * dilations[0] - 1) / strides[0]) + 1,
      Math.floor((Wp - (kW - 1) * dilations[1] - 1) / strides[1]) + 1,
    ];
    if (out[0] < 1 || out[1] < 1) return null;
    const K2 = kH * kW;
    const P = out[0] * out[1];
    if (K2 * P * O > MAX_PRODUCT_FLOATS) return null;
    // (kept: made inside a caller's tidy, the cache would otherwise die with it)
    const taps = (this.taps ??= tf.tidy(() => tf.split(tf.reshape(this.kernel, [K2 * C, O]), K2, 0) as tf.Tensor2D[]).map((t) => tf.keep(t)));
    // f at every output position and tap, [B, Ho, Wo, K2], as a convolution with one-hot taps: one
    // XNNPACK op each way (K2 slices cost ~0.1 ms each on wasm); spread by the dilation, as TF.js
    // takes strides or dilations above 1, not both
    const onehot = (this.onehot ??= keepKernel(constKernel(tf.tidy(() => dilatedKernel(tf.reshape(tf.eye(K2), [kH, kW, 1, K2]) as tf.Tensor4D, dilations)))));
    // B as [P, K2, O]: one batched matMul per pass contracts the K2 taps at every position. Built
    // from 2-D matMuls (XNNPACK on wasm; a batched matMul over the taps took 75 ms), stacked on
    // the middle axis (on the last, the stack alone took 37 ms).
    const products = tf.tidy(() => {
      const Ap = tf.pad(A, [[0, 0], pads[0], pads[1], [0, 0]]) as tf.Tensor4D;
      const perTap: tf.Tensor[] = [];
      for (let a = 0; a < kH; a++) {
        for (let b = 0; b < kW; b++) {
          const win = tf.reshape(window(Ap, a * dilations[0], b * dilations[1], out, strides), [P, C]) as tf.Tensor2D;
          perTap.push(tf.matMul(win, taps[a * kW + b]!));
        }
      }
      return tf.keep(tf.stack(perTap, 1) as tf.Tensor3D);
    });
    // The contraction over the taps in the SIMD kernels where there are (B moves there); else a
    // TF.js batched matMul.
    const kernels = TapProducts.create(products.dataSync() as Float32Array, P, K2, O);
    if (kernels) products.dispose();
    return {
      apply(f) {
        const B = f.shape[0];
        const fs = tf.reshape(conv2dValid(f, onehot, strides, [1, 1], pads), [B, P, K2]) as tf.Tensor3D;
        if (kernels) return tf.reshape(kernels.apply(fs), [B, out[0], out[1], O]);
        // [B, P, K2] -> [P, B, K2]: the batch of the matMul is the output position
        const byPosition = B === 1 ? tf.reshape(fs, [P, 1, K2]) : tf.transpose(fs, [1, 0, 2]);
        let z: tf.Tensor = tf.matMul(byPosition as tf.Tensor3D, products); // [P, B, O]
        z = B === 1 ? z : tf.transpose(z, [1, 0, 2]);
        return tf.reshape(z, [B, out[0], out[1], O]);
      },
      dispose() {
        if (kernels) kernels.release();
        else products.dispose();
      },
    };
  }

  dispose(): void {
    if (this.taps) tf.dispose(this.taps);
    if (this.onehot) tf.dispose([this.onehot.kernel, this.onehot.flipped]);
    this.taps = null;
    this.onehot = null;
  }
}
