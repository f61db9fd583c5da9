// 2-D convolution with a constant kernel and a gradient for its input only, written as a forward
// convolution: dilate dy by the stride, pad it by the (dilated) kernel extent, correlate with the
// kernel rotated by 180 degrees, input and output channels swapped. Every head convolution goes
// through here. Why: the wasm backend's Conv2DBackpropInput is a plain loop while its Conv2D is
// XNNPACK; on darknet-tiny's head after leaky_re_lu_13 the backward 3x3 conv 512 -> 64 took 30 ms
// against 3 ms forward, most of an L2-CAF iteration (and of a Grad-CAM pass). The filter gradient
// is never needed (wasm has no kernel for it either).
import * as tf from '@tensorflow/tfjs-core';
import { axisPadding } from './graph/convPadding.js';

/** A constant kernel [kh, kw, C, O] with its rotated, channel-swapped copy [kh, kw, O, C] for the gradient. */
export interface ConstKernel {
  kernel: tf.Tensor4D;
  flipped: tf.Tensor4D;
}

/** The caller owns `flipped` (dispose it with the model), not `kernel`. */
export function constKernel(kernel: tf.Tensor4D): ConstKernel {
  return { kernel, flipped: tf.tidy(() => tf.transpose(tf.reverse(kernel, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D) };
}

/** Inserts s-1 zeros between rows and between columns of x [B, h, w, C]. */
export function dilateRowsCols(x: tf.Tensor4D, s: [number, number]): tf.Tensor4D {
  const [B, h, w, C] = x.shape;
  let y: tf.Tensor = x;
  if (s[0] > 1) {
    y = tf.reshape(tf.pad(tf.reshape(y, [B, h, 1, -1]), [[0, 0], [0, 0], [0, s[0] - 1], [0, 0]]), [B, h * s[0], w, C]);
    y = tf.slice(y, [0, 0, 0, 0], [B, (h - 1) * s[0] + 1, w, C]);
  }
  if (s[1] > 1) {
    const hh = y.shape[1]!;
    y = tf.reshape(tf.pad(tf.reshape(y, [B, hh, w, 1, C]), [[0, 0], [0, 0], [0, 0], [0, s[1] - 1], [0, 0]]), [B, hh, w * s[1], C]);
    y = tf.slice(y, [0, 0, 0, 0], [B, hh, (w - 1) * s[1] + 1, C]);
  }
  return y as tf.Tensor4D;
}

/**
 * A kernel [kH, kW, Ci, O] with d-1 zeros between its taps: a plain convolution with it equals the
 * dilated one. (TF.js's own conv2d gradient refuses dilations > 1.)
 */
export function dilatedKernel(k: tf.Tensor4D, d: [number, number]): tf.Tensor4D {
  if (d[0] === 1 && d[1] === 1) return k;
  const [kH, kW, Ci, O] = k.shape;
  return tf.tidy(() => {
    const spread = dilateRowsCols(tf.reshape(k, [1, kH, kW, Ci * O]) as tf.Tensor4D, d);
    return tf.reshape(spread, [spread.shape[1], spread.shape[2], Ci, O]) as tf.Tensor4D;
  });
}

/** Pads (positive amounts) or crops (negative amounts) H and W of x [B, H, W, C]. */
export function padOrCrop(x: tf.Tensor4D, top: number, bottom: number, left: number, right: number): tf.Tensor4D {
  const padded = tf.pad(x, [[0, 0], [Math.max(top, 0), Math.max(bottom, 0)], [Math.max(left, 0), Math.max(right, 0)], [0, 0]]);
  const [b, h, w, c] = padded.shape;
  const t = Math.max(-top, 0);
  const l = Math.max(-left, 0);
  if (t === 0 && l === 0 && bottom >= 0 && right >= 0) return padded as tf.Tensor4D;
  return tf.slice(padded, [0, t, l, 0], [b, h - t - Math.max(-bottom, 0), w - l - Math.max(-right, 0), c]);
}

/** Every s-th row and column of x [B, h, w, C], from the first (reshape + slice: both have gradients). */
export function subsample(x: tf.Tensor4D, s: [number, number], out: [number, number]): tf.Tensor4D {
  const [B, , , C] = x.shape;
  let y: tf.Tensor4D = x;
  if (s[0] > 1) {
    y = tf.pad(y, [[0, 0], [0, out[0] * s[0] - y.shape[1]], [0, 0], [0, 0]]);
    y = tf.reshape(tf.slice(tf.reshape(y, [B, out[0], s[0], y.shape[2], C]), [0, 0, 0, 0, 0], [B, out[0], 1, y.shape[2], C]), [B, out[0], y.shape[2], C]);
  }
  if (s[1] > 1) {
    y = tf.pad(y, [[0, 0], [0, 0], [0, out[1] * s[1] - y.shape[2]], [0, 0]]);
    y = tf.reshape(tf.slice(tf.reshape(y, [B, y.shape[1], out[1], s[1], C]), [0, 0, 0, 0, 0], [B, y.shape[1], out[1], 1, C]), [B, y.shape[1], out[1], C]);
  }
  return y;
}

export type Pads2 = [[number, number], [number, number]];

/**
 * Convolution of x [B, H, W, C] zero-padded by `pads` ([[top, bottom], [left, right]]), 'valid'
 * after that; TF.js takes strides or dilations above 1, not both. The gradient is for x itself:
 * the padding is folded into how far dy is padded (a 3x3 'same' conv on 14x14 correlates over
 * 14x14, not 16x16 cropped afterwards: a third less work).
 */
export function conv2dValid(x: tf.Tensor4D, k: ConstKernel, strides: [number, number], dilations: [number, number], pads: Pads2 = [[0, 0], [0, 0]]): tf.Tensor4D {
  const [kH, kW] = k.kernel.shape;
  const anyPad = pads[0][0] || pads[0][1] || pads[1][0] || pads[1][1];
  const body = (xx: tf.Tensor4D) => {
    const xp = anyPad ? (tf.pad(xx, [[0, 0], pads[0], pads[1], [0, 0]]) as tf.Tensor4D) : xx;
    const value = tf.conv2d(xp, k.kernel, strides, 'valid', 'NHWC', dilations);
    const [, H, W] = xx.shape;
    const gradFunc = (dy: tf.Tensor4D) => {
      const [, Ho, Wo] = dy.shape;
      const extH = (kH - 1) * dilations[0];
      const extW = (kW - 1) * dilations[1];
      // rows and columns of the padded x the last window did not reach get no gradient
      const restH = H + pads[0][0] + pads[0][1] - ((Ho - 1) * strides[0] + extH + 1);
      const restW = W + pads[1][0] + pads[1][1] - ((Wo - 1) * strides[1] + extW + 1);
      // the gradient for the padded x is the correlation over dy padded by [ext, ext + rest]; the
      // rows of x proper are those after the top padding: pad dy that much less (crop where negative)
      const u = padOrCrop(dilateRowsCols(dy, strides), extH - pads[0][0], extH + restH - pads[0][1], extW - pads[1][0], extW + restW - pads[1][1]);
      return tf.conv2d(u, k.flipped, 1, 'valid', 'NHWC', dilations);
    };
    return { value, gradFunc };
  };
  return tf.customGrad(body as unknown as Parameters<typeof tf.customGrad>[0])(x) as tf.Tensor4D;
}

/** The explicit [[top, bottom], [left, right]] padding of a conv over x [B, H, W, C] with kernel k. */
export function convPads(
  x: tf.Tensor4D,
  k: ConstKernel,
  strides: [number, number],
  padding: 'same' | 'valid' | Pads2,
  dilations: [number, number] = [1, 1],
): Pads2 {
  const [kH, kW] = k.kernel.shape;
  return [
    axisPadding(x.shape[1], kH, strides[0], dilations[0], typeof padding === 'string' ? padding : padding[0]),
    axisPadding(x.shape[2], kW, strides[1], dilations[1], typeof padding === 'string' ? padding : padding[1]),
  ];
}

/** conv2dValid after 'same', 'valid' or explicit [[top, bottom], [left, right]] padding. */
export function conv2dConst(
  x: tf.Tensor4D,
  k: ConstKernel,
  strides: [number, number],
  padding: 'same' | 'valid' | Pads2,
  dilations: [number, number] = [1, 1],
): tf.Tensor4D {
  return conv2dValid(x, k, strides, dilations, convPads(x, k, strides, padding, dilations));
}
