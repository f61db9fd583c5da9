// ONNX Slice (any steps, negative ones included) and Pad (constant, reflect, edge) as TF.js ops with
// gradients on every backend: TF.js's stridedSlice has no gradient, so steps are a slice, a reverse
// for negative steps and a subsampling by reshape. The batch axis is never sliced or padded.
import * as tf from '@tensorflow/tfjs-core';
import { attrFloat, attrInts, attrString } from './onnxProto.js';
import { batched, UnsupportedOpError, type OpContext, type TranslatedOp } from './onnxOpTypes.js';

function ints(t: tf.Tensor): number[] {
  return Array.from(t.dataSync(), Number);
}

/** An int list from an attribute (older opsets) or a constant input (newer ones); null when absent. */
function intsOf(ctx: OpContext, i: number, attr: string, where: string): number[] | null {
  const a = attrInts(ctx.node, attr);
  if (a && a.length) return a;
  if ((ctx.node.input?.length ?? 0) > i && ctx.node.input![i]) {
    const c = ctx.constant(i);
    if (!c) throw new UnsupportedOpError(`${where}: ${attr} (input ${i}) must be constants`);
    return ints(c);
  }
  return null;
}

/** Every s-th element along axis a, from the first, n of them (pad to n*s, reshape, take index 0). */
function subsample(x: tf.Tensor, a: number, s: number, n: number): tf.Tensor {
  if (s === 1) return x;
  const padded = tf.pad(x, x.shape.map((_, i) => (i === a ? [0, n * s - x.shape[a]!] : [0, 0])) as [number, number][]);
  const split = [...x.shape.slice(0, a), n, s, ...x.shape.slice(a + 1)];
  const begin = split.map(() => 0);
  const size = split.map((d, i) => (i === a + 1 ? 1 : d));
  return tf.reshape(tf.slice(tf.reshape(padded, split), begin, size), [...x.shape.slice(0, a), n, ...x.shape.slice(a + 1)]);
}

/** Elements start, start+step, ... (exclusive of end) along axis a, with ONNX's clamping. */
function sliceAxis(x: tf.Tensor, a: number, start: number, end: number, step: number): tf.Tensor {
  const dim = x.shape[a]!;
  const wrap = (v: number) => (v < 0 ? v + dim : v);
  const cut = (b: number, len: number) => {
    const begin = x.shape.map((_, i) => (i === a ? b : 0));
    const size = x.shape.map((d, i) => (i === a ? len : d));
    return tf.slice(x, begin, size);
  };
  if (step > 0) {
    const s = Math.max(0, Math.min(dim, wrap(start)));
    const e = Math.max(0, Math.min(dim, wrap(end)));
    const len = Math.max(0, e - s);
    return subsample(cut(s, len), a, step, Math.ceil(len / step));
  }
  const s = Math.max(-1, Math.min(dim - 1, wrap(start)));
  const e = Math.max(-1, Math.min(dim - 1, wrap(end)));
  const len = Math.max(0, s - e);
  return subsample(tf.reverse(cut(e + 1, len), [a]), a, -step, Math.ceil(len / -step));
}

export function slice(ctx: OpContext, where: string): TranslatedOp {
  const starts = intsOf(ctx, 1, 'starts', where);
  const ends = intsOf(ctx, 2, 'ends', where);
  if (!starts || !ends) throw new UnsupportedOpError(`${where}: Slice needs starts and ends`);
  const axes = intsOf(ctx, 3, 'axes', where);
  const steps = intsOf(ctx, 4, 'steps', where);
  if (steps?.some((s) => s === 0)) throw new UnsupportedOpError(`${where}: Slice with a step of 0 is not valid`);
  const rank = ctx.dims(0)?.length ?? 0;
  const dim0 = ctx.dims(0)?.[0];
  const plan = starts.map((s, i) => {
    const a0 = axes ? axes[i]! : i;
    return { a: a0 < 0 ? a0 + rank : a0, start: s, end: ends[i]!, step: steps ? steps[i]! : 1 };
  });
  for (const p of plan) {
    const start = dim0 !== undefined && p.start < 0 ? p.start + dim0 : p.start;
    const whole = p.step === 1 && start <= 0 && dim0 !== undefined && p.end >= dim0;
    if (p.a === 0 && !whole && batched(ctx)) throw new UnsupportedOpError(`${where}: Slice on axis 0 (the batch axis) is not supported`);
  }
  return {
    kind: 'affine',
    owned: [],
    fn: (xs) => plan.reduce((x, p) => (p.a === 0 && batched(ctx) ? x : sliceAxis(x, p.a, p.start, p.end, p.step)), xs[0]!),
  };
}

/**
 * Edge and reflect padding, axis by axis, from slices: the first and last slices repeated (edge), or
 * the b slices after the first and the e before the last, reversed (reflect). tf.mirrorPad is not
 * used: its gradient (MirrorPad_grad) only crops, dropping what the reflected cells pass back.
 */
function borderPad(x: tf.Tensor, pairs: [number, number][], mode: 'edge' | 'reflect'): tf.Tensor {
  return pairs.reduce((y, [b, e], a) => {
    if (!b && !e) return y;
    const d = y.shape[a]!;
    const cut = (from: number, len: number) => tf.slice(y, y.shape.map((_, i) => (i === a ? from : 0)), y.shape.map((s, i) => (i === a ? len : s)));
    const reps = (k: number) => y.shape.map((_, i) => (i === a ? k : 1));
    const before = !b ? [] : mode === 'edge' ? [tf.tile(cut(0, 1), reps(b))] : [tf.reverse(cut(1, b), [a])];
    const after = !e ? [] : mode === 'edge' ? [tf.tile(cut(d - 1, 1), reps(e))] : [tf.reverse(cut(d - 1 - e, e), [a])];
    return tf.concat([...before, y, ...after], a);
  }, x);
}

export function pad(ctx: OpContext, where: string): TranslatedOp {
  const n = ctx.node;
  const mode = attrString(n, 'mode', 'constant');
  if (mode !== 'constant' && mode !== 'reflect' && mode !== 'edge') throw new UnsupportedOpError(`${where}: Pad mode ${mode} is not supported`);
  if ((n.input?.length ?? 0) > 3 && n.input![3]) throw new UnsupportedOpError(`${where}: Pad with an axes input (opset 18) is not supported`);
  const p = intsOf(ctx, 1, 'pads', where);
  if (!p) throw new UnsupportedOpError(`${where}: Pad needs its pads`);
  if (p.some((v) => v < 0)) throw new UnsupportedOpError(`${where}: Pad with negative pads (cropping) is not supported`);
  const vc = (n.input?.length ?? 0) > 2 && n.input![2] ? ctx.constant(2) : null;
  if ((n.input?.length ?? 0) > 2 && n.input![2] && !vc) throw new UnsupportedOpError(`${where}: the pad value (input 2) must be a constant`);
  const value = vc ? vc.dataSync()[0]! : attrFloat(n, 'value', 0);
  const r = p.length / 2;
  const pairs = Array.from({ length: r }, (_, i) => [p[i]!, p[i + r]!] as [number, number]);
  if ((pairs[0]![0] || pairs[0]![1]) && batched(ctx)) throw new UnsupportedOpError(`${where}: Pad on axis 0 (the batch axis) is not supported`);
  const dims = ctx.dims(0);
  if (mode === 'reflect' && dims && pairs.some(([b, e], a) => Math.max(b, e) >= dims[a]!)) {
    throw new UnsupportedOpError(`${where}: Pad mode reflect with pads [${p.join(', ')}] as large as the input [${dims.join(', ')}] is not supported`);
  }
  const fn = mode === 'constant' ? (x: tf.Tensor) => tf.pad(x, pairs, value) : (x: tf.Tensor) => borderPad(x, pairs, mode);
  return { kind: 'affine', owned: [], fn: (xs) => fn(xs[0]!) };
}
