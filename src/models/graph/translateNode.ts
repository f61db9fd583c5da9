// Translates one TF graph node of a head (the part of a graph model after the chosen node) into
// plain TF.js ops whose gradient needs the input only: the converter's fused kernels ask for the
// filter gradient, which the wasm backend lacks, and depthwise convolutions get an input-only
// gradient of their own (depthwiseConv.ts). Each translation also says how its output depends on
// its data inputs (OpKind, as for layers models), so the head can be classified for the exact
// solvers and CAM.
import { constKernel, conv2dConst, convPads } from '../convInputGrad.js';
import { FilteredConvKernel, mapFiltered, type PrepareFiltered } from '../filteredConv.js';
import type { Owned } from '../owned.js';
import * as tf from '@tensorflow/tfjs-core';
import type { OpKind } from '../layersTranslate.js';
import { attrBool, attrFloat, attrInts, attrString, attrStrings } from './attrs.js';
import type { GraphNode } from './graphDef.js';
import { depthwiseConvInputOnly } from './depthwiseConv.js';
import { activationFn, leakyRelu } from '../activations.js';

/** Where a data input's value comes from when the head runs. */
export type InputRole =
  /** depends on the filtered features (the chosen node's output, possibly through other head nodes) */
  | 'dyn'
  /** computed from the image before the chosen node (a skip connection): a backbone output */
  | 'side'
  /** does not depend on the image (weights, folded constants) */
  | 'static';

export interface NodeContext {
  node: GraphNode;
  /** prefix for error messages (the model's location) */
  where: string;
  /** role of data input i (parameters have none) */
  role(i: number): InputRole;
  /** constant value of input i (a parameter or a static data input) */
  constant(i: number): tf.Tensor;
  /** output shape of input i in the reference run (batch 1) */
  inShape(i: number): number[];
  /** this node's output shape in the reference run (batch 1) */
  outShape: number[];
}

export interface TranslatedNode {
  kind: OpKind;
  /** Data inputs by input index (parameter slots are undefined); inputs with batch 1 broadcast. */
  fn: (xs: (tf.Tensor | undefined)[]) => tf.Tensor;
  /** Whether this node is a softmax (removed when it ends the model). */
  isSoftmax: boolean;
  /** Tensors (and tensor caches) this translation created, disposed with the split. */
  owned: Owned[];
  /** A regular 2-D conv: reads the filtered features factored (filteredConv.ts). */
  filtered?: PrepareFiltered;
}

export class UnsupportedOpError extends Error {}

function fail(ctx: NodeContext, msg: string): never {
  throw new Error(`${ctx.where}: node "${ctx.node.name}" (${ctx.node.op}): ${msg}`);
}

function channelsLast(ctx: NodeContext): void {
  const df = attrString(ctx.node.attr, 'data_format', 'NHWC');
  if (df !== 'NHWC') fail(ctx, `data format ${df} is not supported (NHWC only)`);
}

function numbers(ctx: NodeContext, i: number): number[] {
  return Array.from(ctx.constant(i).dataSync());
}

/** True when a constant operand is the same at every spatial position (a scalar or per-channel vector). */
function perChannel(t: tf.Tensor): boolean {
  return t.size === 1 || t.size === t.shape[t.rank - 1];
}

function unary(kind: OpKind, f: (x: tf.Tensor) => tf.Tensor): Omit<TranslatedNode, 'owned'> & { owned: tf.Tensor[] } {
  return { kind, fn: (xs) => f(xs[0]!), isSoftmax: false, owned: [] };
}

/** Activations as the converter names them in fused ops (lower case). */
function fusedActivation(ctx: NodeContext, name: string | undefined, alphaArg: tf.Tensor | undefined): ((x: tf.Tensor) => tf.Tensor) | null {
  switch (name) {
    case undefined:
    case '':
    case 'linear':
      return null;
    case 'relu':
    case 'relu6':
    case 'elu':
    case 'sigmoid':
    case 'tanh':
      // the same names and ops as Keras activations
      return activationFn(name, ctx.node.name);
    case 'leakyrelu': {
      const a = attrFloat(ctx.node.attr, 'leakyrelu_alpha', 0.2);
      return (x) => leakyRelu(x, a);
    }
    case 'prelu':
      if (!alphaArg) fail(ctx, 'fused PReLU without its alpha argument');
      return (x) => tf.prelu(x, alphaArg);
    default:
      fail(ctx, `fused activation "${name}" is not supported`);
  }
}

/**
 * The extra work of a fused conv/matmul: fused_ops = [BiasAdd|Add|FusedBatchNorm, activation?],
 * arguments after the two main inputs. Returns the post-op and whether it is affine.
 */
function fusedTail(ctx: NodeContext): { post: (y: tf.Tensor) => tf.Tensor; linear: boolean; owned: tf.Tensor[] } {
  const ops = attrStrings(ctx.node.attr, 'fused_ops').map((s) => s.toLowerCase());
  const args = ctx.node.inputs.slice(2).map((_, k) => ctx.constant(k + 2));
  let next = 0;
  const steps: ((y: tf.Tensor) => tf.Tensor)[] = [];
  const owned: tf.Tensor[] = [];
  let i = 0;
  if (ops[0] === 'biasadd' || ops[0] === 'add') {
    const bias = args[next++];
    if (!bias) fail(ctx, 'fused BiasAdd without its bias argument');
    steps.push((y) => tf.add(y, bias));
    i = 1;
  } else if (ops[0] === 'fusedbatchnorm') {
    const [scale, offset, mean, variance] = args.slice(next, next + 4);
    if (!variance) fail(ctx, 'fused batch normalisation needs 4 arguments');
    next += 4;
    const eps = attrFloat(ctx.node.attr, 'epsilon', 1e-3);
    const [s, b] = foldBatchNorm(scale!, offset!, mean!, variance, eps);
    owned.push(s, b);
    steps.push((y) => tf.add(tf.mul(y, s), b));
    i = 1;
  }
  const act = fusedActivation(ctx, ops[i], args[next]);
  if (ops.length > i + 1) fail(ctx, `fused ops [${ops.join(', ')}] are not supported`);
  if (act) steps.push(act);
  return { post: (y) => steps.reduce((v, f) => f(v), y), linear: act === null, owned };
}

/** Inference batch norm as y = x * s + b. */
function foldBatchNorm(scale: tf.Tensor, offset: tf.Tensor, mean: tf.Tensor, variance: tf.Tensor, eps: number): [tf.Tensor, tf.Tensor] {
  const s = tf.tidy(() => tf.div(scale, tf.sqrt(tf.add(variance, eps))));
  const b = tf.tidy(() => tf.sub(offset, tf.mul(mean, s)));
  return [s, b];
}

type Pads = [[number, number], [number, number]];

function convGeometry(ctx: NodeContext): { strides: [number, number]; dilations: [number, number]; pad: 'same' | 'valid' | Pads } {
  channelsLast(ctx);
  const s = attrInts(ctx.node.attr, 'strides', [1, 1, 1, 1]);
  const d = attrInts(ctx.node.attr, 'dilations', [1, 1, 1, 1]);
  const p = attrString(ctx.node.attr, 'padding', 'VALID').toUpperCase();
  let pad: 'same' | 'valid' | Pads;
  if (p === 'SAME') pad = 'same';
  else if (p === 'VALID') pad = 'valid';
  else if (p === 'EXPLICIT') {
    const e = attrInts(ctx.node.attr, 'explicit_paddings', [0, 0, 0, 0, 0, 0, 0, 0]);
    pad = [
      [e[2]!, e[3]!],
      [e[4]!, e[5]!],
    ];
  } else fail(ctx, `padding ${p} is not supported`);
  return { strides: [s[1]!, s[2]!], dilations: [d[1]!, d[2]!], pad };
}

function conv(ctx: NodeContext, depthwise: boolean, fused: boolean): TranslatedNode {
  const filter = ctx.constant(1) as tf.Tensor4D;
  const g = convGeometry(ctx);
  const tail = fused ? fusedTail(ctx) : { post: (y: tf.Tensor) => y, linear: true, owned: [] };
  // a regular conv's input gradient as a forward conv (convInputGrad.ts): wasm's backprop kernel is a plain loop
  const k = depthwise ? null : constKernel(filter);
  const core: (x: tf.Tensor4D) => tf.Tensor = k ? (x) => conv2dConst(x, k, g.strides, g.pad, g.dilations) : depthwiseConvInputOnly(filter, g);
  const pointwise = filter.shape[0] === 1 && filter.shape[1] === 1 && g.strides[0] === 1 && g.strides[1] === 1 && typeof g.pad === 'string';
  const factored = k ? new FilteredConvKernel(k.kernel, g.strides, g.dilations) : null;
  return {
    kind: tail.linear ? (pointwise ? 'pointwise' : 'affine') : 'nonlinear',
    fn: (xs) => tail.post(core(xs[0] as tf.Tensor4D)),
    isSoftmax: false,
    owned: k && factored ? [...tail.owned, k.flipped, factored] : tail.owned,
    ...(k && factored ? { filtered: (A: tf.Tensor4D) => mapFiltered(factored.prepare(A, convPads(A, k, g.strides, g.pad, g.dilations)), tail.post) } : {}),
  };
}

function matMul(ctx: NodeContext, fused: boolean): TranslatedNode {
  if (ctx.role(0) !== 'dyn') fail(ctx, 'the features must be the first operand');
  const w = ctx.constant(1) as tf.Tensor2D;
  const ta = attrBool(ctx.node.attr, 'transpose_a', false);
  const tb = attrBool(ctx.node.attr, 'transpose_b', false);
  // transpose_a would mix the batch rows: not a per-sample head.
  if (ta) fail(ctx, 'transpose_a is not supported in the head');
  const tail = fused ? fusedTail(ctx) : { post: (y: tf.Tensor) => y, linear: true, owned: [] };
  return {
    kind: tail.linear ? 'pointwise' : 'nonlinear',
    fn: (xs) => tail.post(tf.matMul(xs[0] as tf.Tensor2D, w, false, tb)),
    isSoftmax: false,
    owned: tail.owned,
  };
}

/** Elementwise binary ops: kind from which operands depend on the filter. */
function binary(ctx: NodeContext, op: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor, linearIn: 'both' | 'first' | 'either' | 'none'): TranslatedNode {
  const dyn = [ctx.role(0) === 'dyn', ctx.role(1) === 'dyn'];
  let kind: OpKind;
  const other = dyn[0] ? 1 : 0;
  if (linearIn === 'none') kind = 'nonlinear';
  else if (dyn[0] && dyn[1]) kind = linearIn === 'both' ? 'affine' : 'nonlinear';
  else if (linearIn === 'first' && !dyn[0]) kind = 'nonlinear';
  else {
    // one operand is constant for the head: affine; pointwise when it is the same at every position
    const role = ctx.role(other);
    kind = role === 'static' && perChannel(ctx.constant(other)) ? 'pointwise' : 'affine';
  }
  return { kind, fn: (xs) => op(xs[0]!, xs[1]!), isSoftmax: false, owned: [] };
}

function reduceAxes(ctx: NodeContext): number[] {
  const rank = ctx.inShape(0).length;
  const axes = numbers(ctx, 1).map((a) => (a < 0 ? a + rank : a));
  if (axes.includes(0)) fail(ctx, 'reduces over the batch axis');
  return axes;
}

/** Shape ops keep the batch axis and take the rest of the shape from the reference run. */
function reshapeLike(ctx: NodeContext): TranslatedNode {
  const inS = ctx.inShape(0);
  const outS = ctx.outShape;
  if (inS[0] !== 1 || outS[0] !== 1) fail(ctx, `changes the batch axis ([${inS.join(', ')}] -> [${outS.join(', ')}]), which a head cannot do`);
  const same = inS.length === outS.length && inS.every((d, k) => d === outS[k]);
  const rest = outS.slice(1);
  return { kind: same ? 'identity' : 'affine', fn: (xs) => tf.reshape(xs[0]!, [xs[0]!.shape[0]!, ...rest]), isSoftmax: false, owned: [] };
}

function pool(ctx: NodeContext, avg: boolean): TranslatedNode {
  channelsLast(ctx);
  const k = attrInts(ctx.node.attr, 'ksize', [1, 1, 1, 1]);
  const s = attrInts(ctx.node.attr, 'strides', [1, 1, 1, 1]);
  const pad = attrString(ctx.node.attr, 'padding', 'VALID').toLowerCase() as 'same' | 'valid';
  const [, H, W] = ctx.inShape(0);
  const [, oh, ow] = ctx.outShape;
  if (avg && oh === 1 && ow === 1 && k[1]! >= H! && k[2]! >= W!) {
    // A window over the whole map is global average pooling: written as a mean so that it also
    // runs on the 1x1 maps the gap-affine Jacobian uses.
    return { kind: 'gap', fn: (xs) => tf.mean(xs[0]!, [1, 2], true), isSoftmax: false, owned: [] };
  }
  const size: [number, number] = [k[1]!, k[2]!];
  const strides: [number, number] = [s[1]!, s[2]!];
  return avg
    ? { kind: 'affine', fn: (xs) => tf.avgPool(xs[0] as tf.Tensor4D, size, strides, pad), isSoftmax: false, owned: [] }
    : { kind: 'nonlinear', fn: (xs) => tf.maxPool(xs[0] as tf.Tensor4D, size, strides, pad), isSoftmax: false, owned: [] };
}

function padOp(ctx: NodeContext, mirror: boolean): TranslatedNode {
  const flat = numbers(ctx, 1);
  const pads: [number, number][] = [];
  for (let i = 0; i < flat.length; i += 2) pads.push([flat[i]!, flat[i + 1]!]);
  if (pads[0] && (pads[0][0] !== 0 || pads[0][1] !== 0)) fail(ctx, 'pads the batch axis');
  if (mirror) {
    const mode = attrString(ctx.node.attr, 'mode', 'REFLECT').toLowerCase() as 'reflect' | 'symmetric';
    return { kind: 'affine', fn: (xs) => tf.mirrorPad(xs[0]!, pads, mode), isSoftmax: false, owned: [] };
  }
  const value = ctx.node.op === 'PadV2' ? numbers(ctx, 2)[0]! : 0;
  return { kind: 'affine', fn: (xs) => tf.pad(xs[0]!, pads, value), isSoftmax: false, owned: [] };
}

/** Repeats batch-1 inputs to the largest batch, for concat (which does not broadcast). */
function matchBatch(xs: tf.Tensor[]): tf.Tensor[] {
  const b = Math.max(...xs.map((x) => x.shape[0] ?? 1));
  return xs.map((x) => (x.shape[0] === b ? x : tf.tile(x, [b, ...x.shape.slice(1).map(() => 1)])));
}

const UNARY_NONLINEAR: Record<string, (x: tf.Tensor) => tf.Tensor> = {
  Relu: (x) => tf.relu(x),
  Relu6: (x) => tf.relu6(x),
  Elu: (x) => tf.elu(x),
  Selu: (x) => tf.selu(x),
  Sigmoid: (x) => tf.sigmoid(x),
  Tanh: (x) => tf.tanh(x),
  Softplus: (x) => tf.softplus(x),
  Exp: (x) => tf.exp(x),
  Log: (x) => tf.log(x),
  Sqrt: (x) => tf.sqrt(x),
  Rsqrt: (x) => tf.rsqrt(x),
  Square: (x) => tf.square(x),
  Abs: (x) => tf.abs(x),
};

/** Ops that pass their input through at inference. */
export const IDENTITY_OPS: ReadonlySet<string> = new Set(['Identity', 'StopGradient', 'Snapshot', 'PreventGradient']);

export function translateNode(ctx: NodeContext): TranslatedNode {
  const { node } = ctx;
  const op = node.op;
  if (IDENTITY_OPS.has(op)) return unary('identity', (x) => x);
  if (op in UNARY_NONLINEAR) return unary('nonlinear', UNARY_NONLINEAR[op]!);
  switch (op) {
    case 'Cast': {
      const to = node.attr['DstT']?.type;
      if (to && to !== 'DT_FLOAT') fail(ctx, `cast to ${to} is not supported in the head`);
      return unary('identity', (x) => x);
    }
    case 'Neg':
      return unary('pointwise', (x) => tf.neg(x));
    case 'LeakyRelu': {
      const a = attrFloat(node.attr, 'alpha', 0.2);
      return unary('nonlinear', (x) => leakyRelu(x, a));
    }
    case 'Prelu': {
      const alpha = ctx.constant(1);
      return unary('nonlinear', (x) => tf.prelu(x, alpha));
    }
    case 'Softmax':
      return { ...unary('nonlinear', (x) => tf.softmax(x)), isSoftmax: true };
    case 'Conv2D':
      return conv(ctx, false, false);
    case '_FusedConv2D':
      return conv(ctx, false, true);
    case 'DepthwiseConv2dNative':
      return conv(ctx, true, false);
    case 'FusedDepthwiseConv2dNative':
      return conv(ctx, true, true);
    case 'MatMul':
      return matMul(ctx, false);
    case '_FusedMatMul':
      return matMul(ctx, true);
    case 'BiasAdd': {
      channelsLast(ctx);
      const b = ctx.constant(1);
      return unary('pointwise', (x) => tf.add(x, b));
    }
    case 'FusedBatchNorm':
    case 'FusedBatchNormV2':
    case 'FusedBatchNormV3': {
      channelsLast(ctx);
      if (attrBool(node.attr, 'is_training', false)) fail(ctx, 'batch normalisation in training mode');
      const [s, b] = foldBatchNorm(ctx.constant(1), ctx.constant(2), ctx.constant(3), ctx.constant(4), attrFloat(node.attr, 'epsilon', 1e-3));
      return { kind: 'pointwise', fn: (xs) => tf.add(tf.mul(xs[0]!, s), b), isSoftmax: false, owned: [s, b] };
    }
    case 'Add':
    case 'AddV2':
      return binary(ctx, (a, b) => tf.add(a, b), 'both');
    case 'Sub':
      return binary(ctx, (a, b) => tf.sub(a, b), 'both');
    case 'Mul':
      return binary(ctx, (a, b) => tf.mul(a, b), 'either');
    case 'RealDiv':
    case 'Div':
      return binary(ctx, (a, b) => tf.div(a, b), 'first');
    case 'Maximum':
      return binary(ctx, (a, b) => tf.maximum(a, b), 'none');
    case 'Minimum':
      return binary(ctx, (a, b) => tf.minimum(a, b), 'none');
    case 'SquaredDifference':
      return binary(ctx, (a, b) => tf.squaredDifference(a, b), 'none');
    case 'AddN':
      return { kind: 'affine', fn: (xs) => xs.slice(1).reduce<tf.Tensor>((a, b) => tf.add(a, b!), xs[0]!), isSoftmax: false, owned: [] };
    case 'Mean': {
      const axes = reduceAxes(ctx);
      const keep = attrBool(node.attr, 'keep_dims', false);
      const spatial = ctx.inShape(0).length === 4 && axes.length === 2 && axes.includes(1) && axes.includes(2);
      return { kind: spatial ? 'gap' : 'affine', fn: (xs) => tf.mean(xs[0]!, axes, keep), isSoftmax: false, owned: [] };
    }
    case 'Sum': {
      const axes = reduceAxes(ctx);
      const keep = attrBool(node.attr, 'keep_dims', false);
      return { kind: 'affine', fn: (xs) => tf.sum(xs[0]!, axes, keep), isSoftmax: false, owned: [] };
    }
    case 'Max':
    case 'Min': {
      const axes = reduceAxes(ctx);
      const keep = attrBool(node.attr, 'keep_dims', false);
      const f = op === 'Max' ? tf.max : tf.min;
      return { kind: 'nonlinear', fn: (xs) => f(xs[0]!, axes, keep), isSoftmax: false, owned: [] };
    }
    case 'AvgPool':
      return pool(ctx, true);
    case 'MaxPool':
      return pool(ctx, false);
    case 'Reshape':
    case 'Squeeze':
    case 'ExpandDims':
      return reshapeLike(ctx);
    case 'ConcatV2': {
      const n = node.inputs.length - 1;
      const rank = ctx.outShape.length;
      let axis = numbers(ctx, n)[0]!;
      if (axis < 0) axis += rank;
      if (axis === 0) fail(ctx, 'concatenates along the batch axis');
      return { kind: 'affine', fn: (xs) => tf.concat(matchBatch(xs.slice(0, n) as tf.Tensor[]), axis), isSoftmax: false, owned: [] };
    }
    case 'Pad':
    case 'PadV2':
      return padOp(ctx, false);
    case 'MirrorPad':
      return padOp(ctx, true);
    default:
      throw new UnsupportedOpError(
        `${ctx.where}: op ${op} (node "${node.name}") is not supported in the head (the part after the chosen layer); choose a later layer with --layer`,
      );
  }
}
