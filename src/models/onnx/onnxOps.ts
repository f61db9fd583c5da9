// Translates one ONNX node of a head into TF.js ops, with ONNX's own (channels-first) semantics:
// the head receives its features in the model's layout (onnxLayout.ts). Weights are constants, so
// only input gradients are ever asked for (wasm has no filter-gradient kernels; depthwise convs use
// depthwiseConv.ts). Each translation says how its output depends on the filtered features, so the
// head can be classified as layersTranslate.ts does for TF.js heads. Nodes run on a batch B of
// features while the static shapes were taken at batch 1: ops that name shapes (Reshape) put the
// batch back.
import * as tf from '@tensorflow/tfjs-core';
import type { OpKind } from '../layersTranslate.js';
import { constMatrix, matMulConst } from './constMatMul.js';
import { attrFloat, attrInt, attrInts, attrString, attrTensor, nodeLabel, tensorFromProto } from './onnxProto.js';
import { UnsupportedOpError, type OpContext, type TranslatedOp } from './onnxOpTypes.js';
import { conv, pool } from './onnxWindowOps.js';

export { UnsupportedOpError, type OpContext, type TranslatedOp } from './onnxOpTypes.js';

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

/** Reshape target for a batch-B input: 0 copies a dim, a leading 1 baked in at export becomes B. */
function reshapeTarget(x: tf.Tensor, target: number[], allowZero: boolean): number[] {
  const t = target.map((v, i) => (v === 0 && !allowZero ? x.shape[i]! : v));
  if (x.shape[0]! !== 1 && t[0] === 1) t[0] = x.shape[0]!;
  return t;
}

export function translateOp(ctx: OpContext): TranslatedOp {
  const n = ctx.node;
  const where = `node ${nodeLabel(n)}`;
  const op = n.opType ?? '';
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
    case 'Relu':
      return unary('nonlinear', (x) => tf.relu(x));
    case 'LeakyRelu': {
      const alpha = attrFloat(n, 'alpha', 0.01);
      return unary('nonlinear', (x) => tf.leakyRelu(x, alpha));
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
    case 'Selu':
      return unary('nonlinear', (x) => tf.selu(x));
    case 'Sigmoid':
      return unary('nonlinear', (x) => tf.sigmoid(x));
    case 'Tanh':
      return unary('nonlinear', (x) => tf.tanh(x));
    case 'Softplus':
      return unary('nonlinear', (x) => tf.softplus(x));
    case 'Exp':
      return unary('nonlinear', (x) => tf.exp(x));
    case 'Sqrt':
      return unary('nonlinear', (x) => tf.sqrt(x));
    case 'Erf':
      return unary('nonlinear', (x) => tf.erf(x));
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
    case 'LogSoftmax': {
      const axis = attrInt(n, 'axis', -1);
      const rank = ctx.dims(0)?.length ?? 2;
      if (normAxis(axis, rank) !== rank - 1) throw new UnsupportedOpError(`${where}: ${op} over axis ${axis} (not the last) is not supported`);
      return unary('nonlinear', (x) => (op === 'Softmax' ? tf.softmax(x) : tf.logSoftmax(x)));
    }
    case 'Dropout':
    case 'Identity':
      return unary('identity', (x) => x);
    case 'Cast': {
      const to = attrInt(n, 'to', 1);
      // 1 float, 11 double -> float32; integer types -> int32 (shape arithmetic)
      const dtype = to === 1 || to === 10 || to === 11 ? 'float32' : 'int32';
      return unary('identity', (x) => (x.dtype === dtype ? x : tf.cast(x, dtype)));
    }
    case 'Flatten': {
      const axis = attrInt(n, 'axis', 1);
      return unary('affine', (x) => {
        const a = normAxis(axis, x.rank);
        if (a === 0) throw new UnsupportedOpError(`${where}: Flatten over the batch axis is not supported`);
        return tf.reshape(x, [x.shape.slice(0, a).reduce((p, q) => p * q, 1), -1]);
      });
    }
    case 'Reshape': {
      const allowZero = attrInt(n, 'allowzero', 0) === 1;
      const attrShape = attrInts(n, 'shape');
      const c = attrShape && attrShape.length ? null : ctx.constant(1);
      if (!c && !(attrShape && attrShape.length)) throw new UnsupportedOpError(`${where}: the target shape must be a constant`);
      const target = attrShape && attrShape.length ? attrShape : ints(c!);
      return unary('affine', (x) => tf.reshape(x, reshapeTarget(x, target, allowZero)));
    }
    case 'Transpose': {
      const perm = attrInts(n, 'perm');
      if (perm && perm.length && perm[0] !== 0) throw new UnsupportedOpError(`${where}: a transpose that moves the batch axis is not supported`);
      return unary('affine', (x) => tf.transpose(x, perm && perm.length ? perm : undefined));
    }
    case 'Concat': {
      const axis = attrInt(n, 'axis', 0);
      return {
        kind: 'affine',
        owned: [],
        fn: (xs) => {
          const a = normAxis(axis, xs[0]!.rank);
          if (a === 0 && xs.some((_, i) => ctx.dependsOnF(i))) throw new UnsupportedOpError(`${where}: concatenation along the batch axis is not supported`);
          return tf.concat(a === 0 ? (xs as tf.Tensor[]) : matchBatch(xs as tf.Tensor[]), a);
        },
      };
    }
    case 'Squeeze': {
      const axes = axesOf(ctx, 1, where);
      return unary('affine', (x) => {
        const ax = (axes ?? x.shape.map((d, i) => (d === 1 && i > 0 ? i : -1)).filter((i) => i >= 0)).map((a) => normAxis(a, x.rank));
        return tf.squeeze(x, ax);
      });
    }
    case 'Unsqueeze': {
      const axes = axesOf(ctx, 1, where);
      if (!axes) throw new UnsupportedOpError(`${where}: no axes`);
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
    case 'ReduceMax': {
      const axes = op === 'ReduceSum' ? axesOf(ctx, 1, where) : (attrInts(n, 'axes')?.length ? attrInts(n, 'axes') : axesOf(ctx, 1, where));
      const keep = attrInt(n, 'keepdims', 1) === 1;
      const rank = ctx.dims(0)?.length ?? 4;
      const ax = (axes ?? Array.from({ length: rank }, (_, i) => i)).map((a) => normAxis(a, rank)).sort();
      if (ax.includes(0)) throw new UnsupportedOpError(`${where}: reducing over the batch axis is not supported`);
      const spatial = rank >= 4 && ax.length === rank - 2 && ax.every((a, i) => a === i + 2);
      const kind: OpKind = op === 'ReduceMax' ? 'nonlinear' : op === 'ReduceMean' && spatial ? 'gap' : 'affine';
      const f = op === 'ReduceMean' ? tf.mean : op === 'ReduceSum' ? tf.sum : tf.max;
      return unary(kind, (x) => f(x, ax, keep));
    }
    case 'Pad': {
      const mode = attrString(n, 'mode', 'constant');
      if (mode !== 'constant') throw new UnsupportedOpError(`${where}: Pad mode ${mode} is not supported (constant only)`);
      const attrPads = attrInts(n, 'pads');
      const pc = attrPads && attrPads.length ? null : ctx.constant(1);
      if (!pc && !(attrPads && attrPads.length)) throw new UnsupportedOpError(`${where}: the pads must be constants`);
      const p = attrPads && attrPads.length ? attrPads : ints(pc!);
      const vc = (n.input?.length ?? 0) > 2 && n.input![2] ? ctx.constant(2) : null;
      const value = vc ? vc.dataSync()[0]! : attrFloat(n, 'value', 0);
      const r = p.length / 2;
      const pairs = Array.from({ length: r }, (_, i) => [p[i]!, p[i + r]!] as [number, number]);
      return unary('affine', (x) => tf.pad(x, pairs, value));
    }
    case 'Slice': {
      const get = (i: number, attr: string): number[] | null => {
        const a = attrInts(n, attr);
        if (a && a.length) return a;
        if ((n.input?.length ?? 0) > i && n.input![i]) {
          const c = ctx.constant(i);
          if (!c) throw new UnsupportedOpError(`${where}: ${attr} must be constants`);
          return ints(c);
        }
        return null;
      };
      const starts = get(1, 'starts')!;
      const ends = get(2, 'ends')!;
      const axes = get(3, 'axes');
      const steps = get(4, 'steps');
      if (steps && steps.some((s) => s !== 1)) throw new UnsupportedOpError(`${where}: Slice with steps other than 1 is not supported`);
      return unary('affine', (x) => {
        const begin = x.shape.map(() => 0);
        const size = x.shape.map(() => -1);
        starts.forEach((s0, i) => {
          const a = normAxis(axes ? axes[i]! : i, x.rank);
          const dim = x.shape[a]!;
          const clampI = (v: number) => Math.max(0, Math.min(dim, v < 0 ? v + dim : v));
          const b0 = clampI(s0);
          const e0 = clampI(ends[i]!);
          if (a === 0 && (b0 !== 0 || e0 !== dim)) throw new UnsupportedOpError(`${where}: slicing the batch axis is not supported`);
          begin[a] = b0;
          size[a] = Math.max(0, e0 - b0);
        });
        return tf.slice(x, begin, size);
      });
    }
    case 'Gather': {
      const axis = attrInt(n, 'axis', 0);
      const idx = ctx.constant(1);
      if (!idx) throw new UnsupportedOpError(`${where}: the indices must be constants`);
      const indices = ints(idx);
      if (!ctx.dependsOnF(0)) return { kind: 'affine', owned: [], fn: (xs) => tf.gather(xs[0]!, xs[1]!, axis) };
      // On the features: slices (tf.gather's gradient needs UnsortedSegmentSum, which wasm lacks).
      return unary('affine', (x) => {
        const a = normAxis(axis, x.rank);
        if (a === 0) throw new UnsupportedOpError(`${where}: gathering along the batch axis is not supported`);
        const parts = indices.map((i) => {
          const begin = x.shape.map(() => 0);
          const size = x.shape.map(() => -1);
          begin[a] = i < 0 ? i + x.shape[a]! : i;
          size[a] = 1;
          return tf.slice(x, begin, size);
        });
        const y = parts.length === 1 ? parts[0]! : tf.concat(parts, a);
        return idx.rank === 0 ? tf.squeeze(y, [a]) : y;
      });
    }
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
