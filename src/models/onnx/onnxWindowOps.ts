// ONNX Conv, MaxPool and AveragePool (2-D, NCHW) as TF.js ops. TF.js kernels are channels-last,
// so each op transposes in and out (cheap next to the op itself); padding is explicit (tf.pad, then
// 'valid') so that ONNX's asymmetric pads, auto_pad and ceil_mode are exact.
import * as tf from '@tensorflow/tfjs-core';
import { windowGeometry, type WindowAttrs } from './convGeometry.js';
import { constKernel, conv2dValid, dilatedKernel, subsample } from '../convInputGrad.js';
import { depthwiseConvInputGrad } from './depthwiseConv.js';
import { FilteredConvKernel, mapFiltered, type PrepareFiltered } from '../filteredConv.js';
import { attrInt, attrInts, attrString, type NodeProto } from './onnxProto.js';
import { UnsupportedOpError, type OpContext, type TranslatedOp } from './onnxOpTypes.js';
import type { Owned } from '../owned.js';

const NEG_BIG = -3.4e38;

function toNHWC(x: tf.Tensor): tf.Tensor4D {
  return tf.transpose(x, [0, 2, 3, 1]) as tf.Tensor4D;
}
function toNCHW(x: tf.Tensor): tf.Tensor4D {
  return tf.transpose(x, [0, 3, 1, 2]) as tf.Tensor4D;
}

function windowAttrs(n: NodeProto): WindowAttrs {
  return {
    autoPad: attrString(n, 'auto_pad', 'NOTSET'),
    pads: attrInts(n, 'pads'),
    strides: attrInts(n, 'strides'),
    dilations: attrInts(n, 'dilations'),
    ceilMode: attrInt(n, 'ceil_mode', 0) === 1,
  };
}

function need2d(ctx: OpContext, where: string): number[] {
  const d = ctx.dims(0);
  if (!d || d.length !== 4) throw new UnsupportedOpError(`${where}: only 2-D (NCHW) inputs are supported, got shape [${d?.join(', ') ?? '?'}]`);
  return d;
}

export function conv(ctx: OpContext, where: string): TranslatedOp {
  const n = ctx.node;
  const w = ctx.constant(1);
  if (!w) throw new UnsupportedOpError(`${where}: the weights must be constants`);
  const b = (n.input?.length ?? 0) > 2 && n.input![2] ? ctx.constant(2) : null;
  if ((n.input?.length ?? 0) > 2 && n.input![2] && !b) throw new UnsupportedOpError(`${where}: the bias must be a constant`);
  const d = need2d(ctx, where);
  const [O, Cg, kH, kW] = w.shape as [number, number, number, number];
  const C = d[1]!;
  const group = attrInt(n, 'group', 1);
  const geo = windowGeometry([d[2]!, d[3]!], [kH, kW], { ...windowAttrs(n), ceilMode: false }, where);
  const strides = geo.strides as [number, number];
  const dil = geo.dilations as [number, number];
  const pads: [number, number][] = [[0, 0], [geo.padBegin[0]!, geo.padEnd[0]!], [geo.padBegin[1]!, geo.padEnd[1]!], [0, 0]];
  const padded = pads.some(([a, c]) => a || c);
  const spatialPads: [[number, number], [number, number]] = [pads[1]!, pads[2]!];
  // regular and grouped convs take the padding themselves (their gradient skips the padded
  // border); the depthwise one is given a padded input
  const depthwise = group !== 1 && group === C && Cg === 1;
  const owned: Owned[] = [];
  let run: (x: tf.Tensor4D) => tf.Tensor4D;
  let filtered: PrepareFiltered | undefined;
  if (group === 1) {
    const k = constKernel(tf.tidy(() => dilatedKernel(tf.transpose(w, [2, 3, 1, 0]) as tf.Tensor4D, dil))); // [kH', kW', C, O]
    owned.push(k.kernel, k.flipped);
    run = (x) => conv2dValid(x, k, strides, [1, 1], spatialPads);
    // the factored form takes the taps as they are, `dil` apart (the spread kernel's zeros would be taps)
    const taps = dil[0] === 1 && dil[1] === 1 ? k.kernel : (tf.transpose(w, [2, 3, 1, 0]) as tf.Tensor4D);
    if (taps !== k.kernel) owned.push(taps);
    const factored = new FilteredConvKernel(taps, strides, dil);
    owned.push(factored);
    filtered = (A) => mapFiltered(factored.prepare(A, spatialPads), (y) => (bias ? tf.add(toNCHW(y), bias) : toNCHW(y)));
  } else if (depthwise) {
    const m = O / C;
    const k = tf.tidy(() => tf.transpose(tf.reshape(w, [C, m, kH, kW]), [2, 3, 0, 1])) as tf.Tensor4D; // [kH, kW, C, m]
    owned.push(k);
    // TF.js takes strides or dilations, not both: with both, the stride-1 result is subsampled
    const both = (strides[0] > 1 || strides[1] > 1) && (dil[0] > 1 || dil[1] > 1);
    run = both
      ? (x) => {
          const full = depthwiseConvInputGrad(x, k, [1, 1], dil);
          const out: [number, number] = [Math.floor((full.shape[1] - 1) / strides[0]) + 1, Math.floor((full.shape[2] - 1) / strides[1]) + 1];
          return subsample(full, strides, out);
        }
      : (x) => depthwiseConvInputGrad(x, k, strides, dil);
  } else {
    const Og = O / group;
    const ks = Array.from({ length: group }, (_, g) =>
      constKernel(tf.tidy(() => dilatedKernel(tf.transpose(tf.slice(w, [g * Og, 0, 0, 0], [Og, Cg, kH, kW]), [2, 3, 1, 0]) as tf.Tensor4D, dil))),
    );
    owned.push(...ks.flatMap((k) => [k.kernel, k.flipped]));
    run = (x) => tf.concat(tf.split(x, group, 3).map((xg, g) => conv2dValid(xg as tf.Tensor4D, ks[g]!, strides, [1, 1], spatialPads)), 3) as tf.Tensor4D;
  }
  const bias = b ? tf.reshape(b, [1, O, 1, 1]) : null;
  if (bias) owned.push(bias);
  const pointwise = kH === 1 && kW === 1 && strides[0] === 1 && strides[1] === 1 && !padded;
  return {
    kind: pointwise ? 'pointwise' : 'affine',
    owned,
    ...(filtered ? { filtered } : {}),
    fn: (xs) => {
      let x = toNHWC(xs[0]!);
      if (padded && depthwise) x = tf.pad(x, pads);
      const y = toNCHW(run(x));
      return bias ? tf.add(y, bias) : y;
    },
  };
}

/**
 * 'valid' max pooling as the maximum over the window's taps. tf.maxPool's gradient on the wasm
 * backend (MaxPoolGrad) disagrees with finite differences (measured: 10.56 vs 9.50 on a 2x2/2 pool
 * where the cpu backend gives 9.50), so the head uses ops whose gradients are right everywhere.
 */
export function maxPoolByTaps(x: tf.Tensor4D, k: [number, number], s: [number, number], d: [number, number] = [1, 1]): tf.Tensor4D {
  const [B, H, W, C] = x.shape;
  const out: [number, number] = [Math.floor((H - (k[0] - 1) * d[0] - 1) / s[0]) + 1, Math.floor((W - (k[1] - 1) * d[1] - 1) / s[1]) + 1];
  let y: tf.Tensor4D | null = null;
  for (let a = 0; a < k[0]; a++) {
    for (let b = 0; b < k[1]; b++) {
      // the tap at (a, b) of every window, dilated taps d apart
      const tap = subsample(tf.slice(x, [0, a * d[0], b * d[1], 0], [B, (out[0] - 1) * s[0] + 1, (out[1] - 1) * s[1] + 1, C]), s, out);
      y = y ? (tf.maximum(y, tap) as tf.Tensor4D) : tap;
    }
  }
  return y!;
}

export function pool(ctx: OpContext, where: string, avg: boolean): TranslatedOp {
  const n = ctx.node;
  const d = need2d(ctx, where);
  const k = attrInts(n, 'kernel_shape');
  if (!k || k.length !== 2) throw new UnsupportedOpError(`${where}: kernel_shape must have 2 values`);
  const geo = windowGeometry([d[2]!, d[3]!], k, windowAttrs(n), where);
  if (avg && geo.dilations.some((v) => v !== 1)) throw new UnsupportedOpError(`${where}: AveragePool with dilations is not supported`);
  if (!avg && (n.output?.length ?? 0) > 1 && n.output![1]) throw new UnsupportedOpError(`${where}: the Indices output of MaxPool is not supported`);
  const explicit: [number, number][] = [[0, 0], [geo.padBegin[0]!, geo.padEnd[0]!], [geo.padBegin[1]!, geo.padEnd[1]!], [0, 0]];
  const padded = explicit.some(([a, c]) => a || c);
  const size = k as [number, number];
  const strides = geo.strides as [number, number];
  if (!avg) {
    return {
      kind: 'nonlinear',
      owned: [],
      fn: (xs) => {
        let x = toNHWC(xs[0]!);
        if (padded) x = tf.pad(x, explicit, NEG_BIG);
        return toNCHW(maxPoolByTaps(x, size, strides, geo.dilations as [number, number]));
      },
    };
  }
  // Average = window sum / number of counted cells. The counted cells are the input's (plus the
  // explicit padding with count_include_pad=1); ceil-mode extra padding is never counted.
  const includePad = attrInt(n, 'count_include_pad', 0) === 1;
  let divisor: tf.Tensor | null = null;
  if (padded) {
    const noCeilGeo = windowGeometry([d[2]!, d[3]!], k, { ...windowAttrs(n), ceilMode: false }, where);
    divisor = tf.tidy(() => {
      let mask: tf.Tensor4D = tf.ones([1, d[2]!, d[3]!, 1]);
      // explicit pads counted or not; the ceil-mode remainder never
      const pb = noCeilGeo.padBegin;
      const pe = noCeilGeo.padEnd;
      mask = tf.pad(mask, [[0, 0], [pb[0]!, pe[0]!], [pb[1]!, pe[1]!], [0, 0]], includePad ? 1 : 0);
      mask = tf.pad(mask, [[0, 0], [0, geo.padEnd[0]! - pe[0]!], [0, geo.padEnd[1]! - pe[1]!], [0, 0]], 0);
      return toNCHW(tf.avgPool(mask, size, strides, 'valid'));
    });
  }
  return {
    kind: 'affine',
    owned: divisor ? [divisor] : [],
    fn: (xs) => {
      let x = toNHWC(xs[0]!);
      if (padded) x = tf.pad(x, explicit);
      const y = toNCHW(tf.avgPool(x, size, strides, 'valid'));
      return divisor ? tf.div(y, divisor) : y;
    },
  };
}
