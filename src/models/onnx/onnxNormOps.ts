// ONNX Softmax/LogSoftmax (whose axis changed meaning at opset 13), LayerNormalization and
// InstanceNormalization as TF.js ops. Reductions over the batch axis are refused: the head runs on a
// batch of filtered features, and mixing them would change every map.
import * as tf from '@tensorflow/tfjs-core';
import { attrFloat, attrInt } from './onnxProto.js';
import { batched, UnsupportedOpError, type OpContext, type TranslatedOp } from './onnxOpTypes.js';

function normAxis(a: number, rank: number): number {
  return a < 0 ? a + rank : a;
}

function product(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

export function softmax(ctx: OpContext, where: string, log: boolean): TranslatedOp {
  const op = log ? 'LogSoftmax' : 'Softmax';
  const rank = ctx.dims(0)?.length ?? 2;
  // opsets < 13: default axis 1, and the input is seen as 2-D [dims before axis, dims from axis]
  const legacy = ctx.opset < 13;
  const axis = normAxis(attrInt(ctx.node, 'axis', legacy ? 1 : -1), rank);
  if (axis === 0 && batched(ctx)) throw new UnsupportedOpError(`${where}: ${op} with axis 0 (the batch axis) is not supported`);
  const f = (x: tf.Tensor) => (log ? tf.logSoftmax(x) : tf.softmax(x));
  let fn: (x: tf.Tensor) => tf.Tensor;
  if (axis === rank - 1) fn = f;
  else if (legacy) fn = (x) => tf.reshape(f(tf.reshape(x, [product(x.shape.slice(0, axis)), -1])), x.shape);
  else {
    // one axis, not the last: moved last and back (the permutation is its own inverse)
    const perm = Array.from({ length: rank }, (_, i) => (i === axis ? rank - 1 : i === rank - 1 ? axis : i));
    fn = (x) => tf.transpose(f(tf.transpose(x, perm)), perm);
  }
  return { kind: 'nonlinear', owned: [], fn: (xs) => fn(xs[0]!) };
}

/** (x - mean) / sqrt(var + eps) over `axes`, times scale, plus bias (both broadcast as given). */
function normalize(x: tf.Tensor, axes: number[], eps: number, scale: tf.Tensor | null, bias: tf.Tensor | null): tf.Tensor {
  const { mean, variance } = tf.moments(x, axes, true);
  let y = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps)));
  if (scale) y = tf.mul(y, scale);
  return bias ? tf.add(y, bias) : y;
}

function constantInput(ctx: OpContext, i: number, what: string, where: string): tf.Tensor | null {
  if ((ctx.node.input?.length ?? 0) <= i || !ctx.node.input![i]) return null;
  const c = ctx.constant(i);
  if (!c) throw new UnsupportedOpError(`${where}: the ${what} (input ${i}) must be a constant`);
  return c;
}

export function layerNormalization(ctx: OpContext, where: string): TranslatedOp {
  const n = ctx.node;
  const rank = ctx.dims(0)?.length ?? 2;
  const axis = normAxis(attrInt(n, 'axis', -1), rank);
  if (axis === 0 && batched(ctx)) throw new UnsupportedOpError(`${where}: LayerNormalization with axis 0 (over the batch axis) is not supported`);
  const eps = attrFloat(n, 'epsilon', 1e-5);
  const scale = constantInput(ctx, 1, 'scale', where);
  const bias = constantInput(ctx, 2, 'bias', where);
  const axes = Array.from({ length: rank - axis }, (_, i) => axis + i);
  return { kind: 'nonlinear', owned: [], fn: (xs) => normalize(xs[0]!, axes, eps, scale, bias) };
}

export function instanceNormalization(ctx: OpContext, where: string): TranslatedOp {
  const rank = ctx.dims(0)?.length ?? 4;
  if (rank < 3) throw new UnsupportedOpError(`${where}: InstanceNormalization needs an input [N, C, ...], got rank ${rank}`);
  const scale = constantInput(ctx, 1, 'scale', where);
  const bias = constantInput(ctx, 2, 'bias', where);
  if (!scale || !bias) throw new UnsupportedOpError(`${where}: InstanceNormalization needs its scale and bias inputs`);
  const eps = attrFloat(ctx.node, 'epsilon', 1e-5);
  const shape = [scale.shape[0]!, ...new Array<number>(rank - 2).fill(1)];
  const s = tf.reshape(scale, shape);
  const b = tf.reshape(bias, shape);
  const axes = Array.from({ length: rank - 2 }, (_, i) => i + 2);
  return { kind: 'nonlinear', owned: [s, b], fn: (xs) => normalize(xs[0]!, axes, eps, s, b) };
}
