// 2-D convolution with a constant kernel and a gradient for its input only, written as a forward
// convolution: dilate dy by the stride, pad it by the (dilated) kernel extent, correlate with the
// kernel rotated by 180 degrees, input and output channels swapped. Every head convolution goes
// through here. Why: the wasm backend's Conv2DBackpropInput is a plain loop while its Conv2D is
// XNNPACK; on darknet-tiny's head after leaky_re_lu_13 the backward 3x3 conv 512 -> 64 took 30 ms
// against 3 ms forward, most of an L2-CAF iteration (and of a Grad-CAM pass). The filter gradient
// is never needed (wasm has no kernel for it either).
import * as tf from '@tensorflow/tfjs-core';

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

/** TF's 'same' padding along one axis: [before, after], the odd one after. */
export function samePadding(size: number, k: number, stride: number, dilation: number): [number, number] {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + (k - 1) * dilation + 1 - size, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

type Pads2 = [[number, number], [number, number]];

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
      const want: [number, number][] = [
        [extH - pads[0][0], extH + restH - pads[0][1]],
        [extW - pads[1][0], extW + restW - pads[1][1]],
      ];
      const padBy = want.map(([a, b]) => [Math.max(a, 0), Math.max(b, 0)] as [number, number]);
      const g = tf.conv2d(tf.pad(dilateRowsCols(dy, strides), [[0, 0], padBy[0]!, padBy[1]!, [0, 0]]) as tf.Tensor4D, k.flipped, 1, 'valid', 'NHWC', dilations);
      if (want.every(([a, b]) => a >= 0 && b >= 0)) return g;
      return tf.slice(g, [0, Math.max(-want[0]![0], 0), Math.max(-want[1]![0], 0), 0], [-1, H, W, -1]);
    };
    return { value, gradFunc };
  };
  return tf.customGrad(body as unknown as Parameters<typeof tf.customGrad>[0])(x) as tf.Tensor4D;
}

/** conv2dValid after 'same', 'valid' or explicit [[top, bottom], [left, right]] padding. */
export function conv2dConst(
  x: tf.Tensor4D,
  k: ConstKernel,
  strides: [number, number],
  padding: 'same' | 'valid' | Pads2,
  dilations: [number, number] = [1, 1],
): tf.Tensor4D {
  const [kH, kW] = k.kernel.shape;
  const pads: Pads2 =
    padding === 'valid'
      ? [[0, 0], [0, 0]]
      : padding === 'same'
        ? [samePadding(x.shape[1], kH, strides[0], dilations[0]), samePadding(x.shape[2], kW, strides[1], dilations[1])]
        : padding;
  return conv2dValid(x, k, strides, dilations, pads);
}
