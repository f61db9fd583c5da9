// Translates one ONNX node of a head into TF.js ops, with ONNX's own (channels-first) semantics:
// the head receives its features in the model's layout (onnxLayout.ts). Weights are constants, so
// only input gradients are ever asked for (wasm has no filter-gradient kernels; depthwise convs use
// depthwiseConv.ts). Each translation says how its output depends on the filtered features, so the
// head can be classified as layersTranslate.ts does for TF.js heads. Nodes run on a batch B of
// features while the static shapes were taken at batch 1: ops that name shapes (Reshape) put the
// batch back.
import * as tf from '@tensorflow/tfjs-core';
import type { OpKind } from '../layersTranslate.js';
import { leakyRelu } from '../activations.js';
import { constMatrix, matMulConst } from './constMatMul.js';
import { attrFloat, attrInt, attrInts, attrString, attrTensor, nodeLabel, onnx, tensorFromProto } from './onnxProto.js';
import { batched, UnsupportedOpError, type OpContext, type TranslatedOp } from './onnxOpTypes.js';
import { conv, pool } from './onnxWindowOps.js';
import { instanceNormalization, layerNormalization, softmax } from './onnxNormOps.js';
import { pad, slice } from './onnxSliceOps.js';
import { resize } from './onnxResize.js';

export { UnsupportedOpError, type OpContext, type TranslatedOp } from './onnxOpTypes.js';

function onnxTypeName(t: number): string {
  return (onnx.TensorProto.DataType as unknown as Record<number, string>)[t] ?? 'unknown type';
}

function ints(t: tf.Tensor): number[] {
  return Array.from(t.dataSync(), Number);
}

/** Repeats batch-1 inputs to the largest batch, for ops that do not broadcast (concat). */
function matchBatch(xs: tf.Tensor[]): tf.Tensor[] {
  const b = Math.max(...xs.map((x) => x.shape[0] ?? 1));
  return xs.map((x) => (x.rank === 0 || x.shape[0] === b ? x : tf.tile(x, [b, ...x.shape.slice(1).map(() => 1)])));
}

function normAxis(a: number, rank: number): number {
  return a < 0 ? a + rank : a;
}

/** True when a constant, right-aligned to `rank`, is the same at every spatial position (axes >= 2). */
function spatiallyConstant(c: tf.Tensor, rank: number): boolean {
  if (rank < 3) return true;
  const d = c.shape;
  for (let ax = 2; ax < rank; ax++) {
    const i = d.length - (rank - ax);
    if (i >= 0 && d[i]! !== 1) return false;
  }
  return true;
}

/** Axes from an attribute (older opsets) or a constant input (newer ones). */
function axesOf(ctx: OpContext, inputIndex: number, where: string): number[] | null {
  const a = attrInts(ctx.node, 'axes');
  if (a && a.length) return a;
  if ((ctx.node.input?.length ?? 0) > inputIndex && ctx.node.input![inputIndex]) {
    const c = ctx.constant(inputIndex);
    if (!c) throw new UnsupportedOpError(`${where}: the axes must be constants`);
    return ints(c);
  }
  return null;
}

function binary(ctx: OpContext, where: string, op: 'Add' | 'Sub' | 'Mul' | 'Div'): TranslatedOp {
  const f = { Add: tf.add, Sub: tf.sub, Mul: tf.mul, Div: tf.div }[op];
  const fa = ctx.dependsOnF(0);
  const fb = ctx.dependsOnF(1);
  let kind: OpKind;
  if (fa && fb) kind = op === 'Add' || op === 'Sub' ? 'affine' : 'nonlinear';
  else if (op === 'Div' && fb) kind = 'nonlinear';
  else {
    const other = ctx.constant(fa ? 1 : 0);
    const rank = ctx.dims(fa ? 0 : 1)?.length ?? 0;
    kind = other && spatiallyConstant(other, rank) ? 'pointwise' : 'affine';
  }
  return { kind, owned: [], fn: (xs) => f(xs[0]!, xs[1]!) };
}

function unary(kind: OpKind, fn: (x: tf.Tensor) => tf.Tensor): TranslatedOp {
  return { kind, owned: [], fn: (xs) => fn(xs[0]!) };
}

const REDUCERS: Record<string, (x: tf.Tensor, ax: number[], keep: boolean) => tf.Tensor> = {
  ReduceMean: (x, ax, keep) => tf.mean(x, ax, keep),
  ReduceSum: (x, ax, keep) => tf.sum(x, ax, keep),
  ReduceMax: (x, ax, keep) => tf.max(x, ax, keep),
  ReduceMin: (x, ax, keep) => tf.min(x, ax, keep),
  ReduceSumSquare: (x, ax, keep) => tf.sum(tf.square(x), ax, keep),
  ReduceL1: (x, ax, keep) => tf.sum(tf.abs(x), ax, keep),
  ReduceL2: (x, ax, keep) => tf.sqrt(tf.sum(tf.square(x), ax, keep)),
};

/** Reduce*: axes as an attribute or (ReduceSum from opset 13) an input; none or empty = all axes. */
function reduce(ctx: OpContext, where: string, op: string): TranslatedOp {
  const n = ctx.node;
  const axes = axesOf(ctx, 1, where);
  const keep = attrInt(n, 'keepdims', 1) === 1;
  if (axes !== null && axes.length === 0 && attrInt(n, 'noop_with_empty_axes', 0) === 1) return unary('identity', (x) => x);
  const rank = ctx.dims(0)?.length ?? 4;
  const ax = (axes && axes.length ? axes : Array.from({ length: rank }, (_, i) => i)).map((a) => normAxis(a, rank)).sort((p, q) => p - q);
  if (ax.includes(0) && batched(ctx)) throw new UnsupportedOpError(`${where}: ${op} over axis 0 (the batch axis${axes && axes.length ? '' : ': no axes means all'}) is not supported`);
  const spatial = rank >= 4 && ax.length === rank - 2 && ax.every((a, i) => a === i + 2);
  const linear = op === 'ReduceMean' || op === 'ReduceSum';
  const kind: OpKind = !linear ? 'nonlinear' : op === 'ReduceMean' && spatial ? 'gap' : 'affine';
  const f = REDUCERS[op]!;
  return unary(kind, (x) => f(x, ax, keep));
}

/** Reshape target for a batch-B input: 0 copies a dim, a leading 1 baked in at export becomes B. */
function reshapeTarget(x: tf.Tensor, target: number[], allowZero: boolean, staticBatch: number): number[] {
  const t = target.map((v, i) => (v === 0 && !allowZero ? x.shape[i]! : v));
  // only when the batch differs from the one the shapes were taken at (then the target's leading
  // 1 was that batch); at the static batch the target is taken as written
  if (x.shape[0]! !== staticBatch && staticBatch === 1 && t[0] === 1) t[0] = x.shape[0]!;
  return t;
}

/** Elementwise ops without attributes: one TF.js op each. */
const NONLINEAR_UNARY: Record<string, (x: tf.Tensor) => tf.Tensor> = {
  Relu: (x) => tf.relu(x),
  Sigmoid: (x) => tf.sigmoid(x),
  Tanh: (x) => tf.tanh(x),
  Softplus: (x) => tf.softplus(x),
  Exp: (x) => tf.exp(x),
  Sqrt: (x) => tf.sqrt(x),
  Log: (x) => tf.log(x),
  Abs: (x) => tf.abs(x),
  Reciprocal: (x) => tf.reciprocal(x),
  Erf: (x) => tf.erf(x),
};

export function translateOp(ctx: OpContext): TranslatedOp {
  const n = ctx.node;
  const where = `node ${nodeLabel(n)}`;
  const op = n.opType ?? '';
  const elementwise = NONLINEAR_UNARY[op];
  if (elementwise) return unary('nonlinear', elementwise);
  switch (op) {
    case 'Conv':
      return conv(ctx, where);
    case 'MaxPool':
      return pool(ctx, where, false);
    case 'AveragePool':
      return pool(ctx, where, true);
    case 'GlobalAveragePool': {
      const rank = ctx.dims(0)?.length ?? 4;
      const axes = Array.from({ length: rank - 2 }, (_, i) => i + 2);
      return unary(rank >= 4 ? 'gap' : 'affine', (x) => tf.mean(x, axes, true));
    }
    case 'GlobalMaxPool': {
      const rank = ctx.dims(0)?.length ?? 4;
      const axes = Array.from({ length: rank - 2 }, (_, i) => i + 2);
      return unary('nonlinear', (x) => tf.max(x, axes, true));
    }
    case 'BatchNormalization': {
      const [scale, bias, mean, variance] = [1, 2, 3, 4].map((i) => ctx.constant(i));
      if (!scale || !bias || !mean || !variance) throw new UnsupportedOpError(`${where}: scale, bias, mean and variance must be constants`);
      // training mode normalises with the batch's own statistics, not the stored ones
      if (attrInt(n, 'training_mode', 0) === 1) throw new UnsupportedOpError(`${where}: BatchNormalization with training_mode=1 is not supported`);
      const eps = attrFloat(n, 'epsilon', 1e-5);
      const rank = ctx.dims(0)?.length ?? 4;
      const shape = [mean.shape[0]!, ...new Array<number>(Math.max(0, rank - 2)).fill(1)];
      const [s, b] = tf.tidy(() => {
        const s0 = tf.div(scale, tf.sqrt(tf.add(variance, eps)));
        return [tf.reshape(s0, shape), tf.reshape(tf.sub(bias, tf.mul(mean, s0)), shape)];
      });
      return { kind: 'pointwise', owned: [s!, b!], fn: (xs) => tf.add(tf.mul(xs[0]!, s!), b!) };
    }
    case 'Gemm': {
      const alpha = attrFloat(n, 'alpha', 1);
      const beta = attrFloat(n, 'beta', 1);
      const ta = attrInt(n, 'transA', 0) === 1;
      const tb = attrInt(n, 'transB', 0) === 1;
      const kind: OpKind = ctx.dependsOnF(0) && ctx.dependsOnF(1) ? 'nonlinear' : 'affine';
      const cb = ctx.constant(1);
      const cc = (n.input?.length ?? 0) > 2 && n.input![2] ? ctx.constant(2) : null;
      if (cb && !ctx.dependsOnF(1)) {
        // the usual classifier: features x constant weights, pre-transposed and pre-scaled
        const owned: tf.Tensor[] = [];
        const m = constMatrix(tf.tidy(() => tf.mul(tb ? tf.transpose(cb) : cb, alpha)) as tf.Tensor2D);
        owned.push(m.w, m.wT);
        const bias = cc ? tf.mul(cc, beta) : null;
        if (bias) owned.push(bias);
        return {
          kind,
          owned,
          fn: (xs) => {
            const a = (ta ? tf.transpose(xs[0]!) : xs[0]!) as tf.Tensor2D;
            const y = matMulConst(a, m);
            if (bias) return tf.add(y, bias);
            return xs[2] ? tf.add(y, beta === 1 ? xs[2] : tf.mul(xs[2], beta)) : y;
          },
        };
      }
      return {
        kind,
        owned: [],
        fn: (xs) => {
          let y: tf.Tensor = tf.matMul(xs[0] as tf.Tensor2D, xs[1] as tf.Tensor2D, ta, tb);
          if (alpha !== 1) y = tf.mul(y, alpha);
          if (xs[2]) y = tf.add(y, beta === 1 ? xs[2] : tf.mul(xs[2], beta));
          return y;
        },
      };
    }
    case 'MatMul': {
      const kind: OpKind = ctx.dependsOnF(0) && ctx.dependsOnF(1) ? 'nonlinear' : 'affine';
      const cb = ctx.dependsOnF(1) ? null : ctx.constant(1);
      const m = cb && cb.rank === 2 ? constMatrix(cb.clone() as tf.Tensor2D) : null;
      return {
        kind,
        owned: m ? [m.w, m.wT] : [],
        fn: (xs) => {
          const [a, b] = [xs[0]!, xs[1]!];
          if (b.rank === 2) {
            // [..., K] x [K, N]: fold the leading axes into rows for one product
            const rows = (a.rank === 2 ? a : tf.reshape(a, [-1, a.shape[a.rank - 1]!])) as tf.Tensor2D;
            const y = m ? matMulConst(rows, m) : tf.matMul(rows, b as tf.Tensor2D);
            return a.rank === 2 ? y : tf.reshape(y, [...a.shape.slice(0, -1), b.shape[1]!]);
          }
          return tf.matMul(a, b);
        },
      };
    }
    case 'Add':
    case 'Sub':
    case 'Mul':
    case 'Div':
      return binary(ctx, where, op);
    case 'Sum':
      return { kind: 'affine', owned: [], fn: (xs) => xs.slice(1).reduce<tf.Tensor>((a, b) => tf.add(a, b!), xs[0]!) };
    case 'Mean':
      return { kind: 'affine', owned: [], fn: (xs) => tf.div(xs.slice(1).reduce<tf.Tensor>((a, b) => tf.add(a, b!), xs[0]!), xs.length) };
    case 'Max':
      return { kind: 'nonlinear', owned: [], fn: (xs) => xs.slice(1).reduce<tf.Tensor>((a, b) => tf.maximum(a, b!), xs[0]!) };
    case 'Min':
      return { kind: 'nonlinear', owned: [], fn: (xs) => xs.slice(1).reduce<tf.Tensor>((a, b) => tf.minimum(a, b!), xs[0]!) };
    case 'Neg':
      return unary('pointwise', (x) => tf.neg(x));
    case 'LeakyRelu': {
      const alpha = attrFloat(n, 'alpha', 0.01);
      return unary('nonlinear', (x) => leakyRelu(x, alpha));
    }
    case 'PRelu': {
      const slope = ctx.constant(1);
      if (!slope) throw new UnsupportedOpError(`${where}: the slope must be a constant`);
      // relu(x) - slope * relu(-x): tf.prelu on wasm broadcasts the slope over the last axis only
      return { kind: 'nonlinear', owned: [], fn: (xs) => tf.sub(tf.relu(xs[0]!), tf.mul(slope, tf.relu(tf.neg(xs[0]!)))) };
    }
    case 'Elu': {
      const alpha = attrFloat(n, 'alpha', 1);
      // written without tf.where(greater(x, 0), ...): Greater has no gradient, so the tape refuses it
      return unary('nonlinear', (x) => (alpha === 1 ? tf.elu(x) : tf.add(tf.relu(x), tf.mul(alpha, tf.sub(tf.exp(tf.neg(tf.relu(tf.neg(x)))), 1)))));
    }
    case 'Selu': {
      // ONNX's alpha and gamma are attributes (tf.selu has the defaults only)
      const alpha = attrFloat(n, 'alpha', 1.67326319217681884765625);
      const gamma = attrFloat(n, 'gamma', 1.05070102214813232421875);
      return unary('nonlinear', (x) => tf.mul(gamma, tf.add(tf.relu(x), tf.mul(alpha, tf.sub(tf.exp(tf.neg(tf.relu(tf.neg(x)))), 1)))));
    }
    case 'Pow': {
      const e = ctx.constant(1);
      if (!e || e.size !== 1) throw new UnsupportedOpError(`${where}: Pow needs a constant scalar exponent (input 1)`);
      const k = e.dataSync()[0]!;
      // the norms PyTorch exports square with Pow(x, 2); tf.pow's gradient also differentiates the exponent
      return unary('nonlinear', (x) => (k === 2 ? tf.square(x) : k === 0.5 ? tf.sqrt(x) : k === 1 ? x : tf.pow(x, tf.scalar(k))));
    }
    case 'HardSigmoid': {
      const alpha = attrFloat(n, 'alpha', 0.2);
      const beta = attrFloat(n, 'beta', 0.5);
      return unary('nonlinear', (x) => tf.clipByValue(tf.add(tf.mul(x, alpha), beta), 0, 1));
    }
    case 'HardSwish':
      return unary('nonlinear', (x) => tf.mul(x, tf.clipByValue(tf.add(tf.mul(x, 1 / 6), 0.5), 0, 1)));
    case 'Clip': {
      // opset < 11: min/max attributes; opset >= 11: optional constant inputs
      let lo = attrFloat(n, 'min', -Infinity);
      let hi = attrFloat(n, 'max', Infinity);
      for (const [i, set] of [[1, (v: number) => (lo = v)], [2, (v: number) => (hi = v)]] as const) {
        if ((n.input?.length ?? 0) > i && n.input![i]) {
          const c = ctx.constant(i);
          if (!c) throw new UnsupportedOpError(`${where}: the clip bounds must be constants`);
          set(c.dataSync()[0]!);
        }
      }
      return unary('nonlinear', (x) => tf.clipByValue(x, Math.max(lo, -3.4e38), Math.min(hi, 3.4e38)));
    }
    case 'Softmax':
    case 'LogSoftmax':
      return softmax(ctx, where, op === 'LogSoftmax');
    case 'LayerNormalization':
      return layerNormalization(ctx, where);
    case 'InstanceNormalization':
      return instanceNormalization(ctx, where);
    case 'Dropout':
    case 'Identity':
      return unary('identity', (x) => x);
    case 'Cast': {
      const to = attrInt(n, 'to', 1);
      // float and double compute as float32, int32 and int64 as int32 (shape arithmetic); the other
      // types round or wrap in ways float32/int32 cannot show, so they are refused
      const dtype = to === 1 || to === 11 ? 'float32' : to === 6 || to === 7 ? 'int32' : null;
      if (!dtype) throw new UnsupportedOpError(`${where}: Cast to=${to} (${onnxTypeName(to)}) is not supported (float, double, int32 and int64 are)`);
      return unary('identity', (x) => (x.dtype === dtype ? x : tf.cast(x, dtype)));
    }
    case 'Flatten': {
      const axis = attrInt(n, 'axis', 1);
      const a = normAxis(axis, ctx.dims(0)?.length ?? 2);
      if (a === 0 && batched(ctx)) throw new UnsupportedOpError(`${where}: Flatten with axis=${axis} (flattening the batch axis away) is not supported`);
      return unary('affine', (x) => tf.reshape(x, [x.shape.slice(0, normAxis(axis, x.rank)).reduce((p, q) => p * q, 1), -1]));
    }
    case 'Reshape': {
      const allowZero = attrInt(n, 'allowzero', 0) === 1;
      const attrShape = attrInts(n, 'shape');
      const c = attrShape && attrShape.length ? null : ctx.constant(1);
      if (!c && !(attrShape && attrShape.length)) throw new UnsupportedOpError(`${where}: the target shape must be a constant`);
      const target = attrShape && attrShape.length ? attrShape : ints(c!);
      const staticBatch = ctx.dims(0)?.[0] ?? 1;
      return unary('affine', (x) => tf.reshape(x, reshapeTarget(x, target, allowZero, staticBatch)));
    }
    case 'Transpose': {
      const rank = ctx.dims(0)?.length ?? 0;
      // no perm reverses the axes, which moves the batch axis too
      const perm = attrInts(n, 'perm')?.length ? attrInts(n, 'perm')! : Array.from({ length: rank }, (_, i) => rank - 1 - i);
      if (perm.length && perm[0] !== 0 && batched(ctx)) throw new UnsupportedOpError(`${where}: Transpose with perm [${perm.join(', ')}] moves the batch axis (not supported)`);
      return unary('affine', (x) => tf.transpose(x, perm.length ? perm : undefined));
    }
    case 'Concat': {
      const axis = attrInt(n, 'axis', 0);
      const a = normAxis(axis, ctx.dims(0)?.length ?? 1);
      if (a === 0 && (n.input ?? []).some((_, i) => ctx.dependsOnF(i))) throw new UnsupportedOpError(`${where}: Concat with axis=${axis} (the batch axis) is not supported`);
      return {
        kind: 'affine',
        owned: [],
        fn: (xs) => {
          const r = normAxis(axis, xs[0]!.rank);
          return tf.concat(r === 0 ? (xs as tf.Tensor[]) : matchBatch(xs as tf.Tensor[]), r);
        },
      };
    }
    case 'Squeeze': {
      const axes = axesOf(ctx, 1, where);
      const rank = ctx.dims(0)?.length ?? 0;
      // the batch axis stays: at batch 1 it would squeeze, at batch B it cannot
      if (axes?.some((v) => normAxis(v, rank) === 0) && batched(ctx)) throw new UnsupportedOpError(`${where}: Squeeze with axes [${axes.join(', ')}] removes the batch axis (not supported)`);
      return unary('affine', (x) => {
        const ax = (axes ?? x.shape.map((d, i) => (d === 1 && i > 0 ? i : -1)).filter((i) => i >= 0)).map((a) => normAxis(a, x.rank));
        return tf.squeeze(x, ax);
      });
    }
    case 'Unsqueeze': {
      const axes = axesOf(ctx, 1, where);
      if (!axes) throw new UnsupportedOpError(`${where}: Unsqueeze needs its axes`);
      const outRank = (ctx.dims(0)?.length ?? 0) + axes.length;
      if (axes.some((v) => normAxis(v, outRank) === 0) && batched(ctx)) throw new UnsupportedOpError(`${where}: Unsqueeze with axes [${axes.join(', ')}] moves the batch axis (not supported)`);
      return unary('affine', (x) => {
        const outRank = x.rank + axes.length;
        const ax = new Set(axes.map((a) => normAxis(a, outRank)));
        const shape: number[] = [];
        let k = 0;
        for (let i = 0; i < outRank; i++) shape.push(ax.has(i) ? 1 : x.shape[k++]!);
        return tf.reshape(x, shape);
      });
    }
    case 'ReduceMean':
    case 'ReduceSum':
    case 'ReduceMax':
    case 'ReduceMin':
    case 'ReduceSumSquare':
    case 'ReduceL1':
    case 'ReduceL2':
      return reduce(ctx, where, op);
    case 'Pad':
      return pad(ctx, where);
    case 'Slice':
      return slice(ctx, where);
    case 'Gather': {
      const axis = attrInt(n, 'axis', 0);
      const idx = ctx.constant(1);
      if (!idx) throw new UnsupportedOpError(`${where}: the indices must be constants`);
      const indices = ints(idx);
      if (!ctx.dependsOnF(0)) return { kind: 'affine', owned: [], fn: (xs) => tf.gather(xs[0]!, xs[1]!, axis) };
      // On the features: slices (tf.gather's gradient needs UnsortedSegmentSum, which wasm lacks).
      return unary('affine', (x) => {
        const a = normAxis(axis, x.rank);
        if (a === 0) throw new UnsupportedOpError(`${where}: Gather with axis=${axis} (the batch axis) is not supported`);
        const parts = indices.map((i) => {
          const begin = x.shape.map(() => 0);
          const size = x.shape.map(() => -1);
          begin[a] = i < 0 ? i + x.shape[a]! : i;
          size[a] = 1;
          return tf.slice(x, begin, size);
        });
        const y = parts.length === 1 ? parts[0]! : tf.concat(parts, a);
        // the indices' own shape replaces the gathered axis
        return tf.reshape(y, [...x.shape.slice(0, a), ...idx.shape, ...x.shape.slice(a + 1)]);
      });
    }
    case 'Resize':
    case 'Upsample':
      return resize(ctx, where);
    case 'Constant': {
      const t = attrTensor(n, 'value');
      if (!t) throw new UnsupportedOpError(`${where}: only Constant nodes with a tensor value are supported`);
      const c = tensorFromProto(t, where);
      return { kind: 'identity', owned: [c], fn: () => c };
    }
    default:
      throw new UnsupportedOpError(
        `${where}: op ${op} is not supported in the head (the part after the chosen layer); choose a later layer with --layer`,
      );
  }
}
