// The vector-Jacobian product of one ONNX node as ONNX nodes: given the gradient of the loss with
// respect to the node's output (dy), nodes computing the gradient with respect to each input that
// depends on the filter. Together (onnxGradGraph.ts) they let ONNX Runtime run a head's forward
// and backward pass in one session run, instead of TF.js autodiff on wasm. Each rule matches the
// gradient the TF.js translation of the op has (onnxOps.ts), ties included, so the two engines
// agree to float rounding. An op without a rule here returns null: the head then stays on TF.js.
import { onnx, attrFloat, attrInt, attrInts, attrString, type NodeProto } from './onnxProto.js';

const A = onnx.AttributeProto.AttributeType;

export type AttrValue = number | number[];

/** A node; integer-valued attributes are given as INT/INTS, `floats` names the FLOAT ones. */
export function makeNode(opType: string, input: string[], output: string[], attrs: Record<string, AttrValue> = {}, floats: string[] = []): NodeProto {
  return onnx.NodeProto.create({
    opType,
    input,
    output,
    attribute: Object.entries(attrs).map(([name, v]) =>
      Array.isArray(v)
        ? onnx.AttributeProto.create({ name, type: A.INTS, ints: v })
        : floats.includes(name)
          ? onnx.AttributeProto.create({ name, type: A.FLOAT, f: v })
          : onnx.AttributeProto.create({ name, type: A.INT, i: v }),
    ),
  });
}

export interface VjpContext {
  node: NodeProto;
  /** whether input i depends on the filter (needs a gradient) */
  varying(i: number): boolean;
  /** static dims (batch 1, model layout) of a tensor by name, null when unknown */
  dims(name: string): number[] | null;
  /** a constant input's values, null when the input is not a constant */
  constant(i: number): Float32Array | null;
  /** a fresh tensor name */
  fresh(hint: string): string;
  /** adds a float constant, returns its name */
  floatConst(values: ArrayLike<number>, dims: number[]): string;
  /** adds an int64 constant, returns its name */
  intConst(values: number[], dims: number[]): string;
}

export interface Vjp {
  nodes: NodeProto[];
  /** per input: the name of its gradient, or null (constant, or not differentiated) */
  grads: (string | null)[];
}

const same = (a: number[] | null, b: number[] | null) => !!a && !!b && a.length === b.length && a.every((v, i) => v === b[i]);

/** The gradient rule of `ctx.node` for output gradient `dy`; null when there is none here. */
export function vjpOf(ctx: VjpContext, dy: string): Vjp | null {
  const n = ctx.node;
  const ins = n.input ?? [];
  const x = ins[0] ?? '';
  const y = n.output?.[0] ?? '';
  const nodes: NodeProto[] = [];
  const add = (op: string, inputs: string[], attrs: Record<string, AttrValue> = {}, floats: string[] = []): string => {
    const out = ctx.fresh(`${op}_grad`);
    nodes.push(makeNode(op, inputs, [out], attrs, floats));
    return out;
  };
  const only = (g: string | null): Vjp => ({ nodes, grads: ins.map((_, i) => (i === 0 ? g : null)) });
  // ops whose rules cover a varying first input only
  const firstOnly = () => ins.every((_, i) => i === 0 || !ctx.varying(i));
  const zero = () => ctx.floatConst([0], []);
  switch (n.opType) {
    case 'Identity':
    case 'Dropout':
      return firstOnly() ? only(add('Identity', [dy])) : null;
    case 'Flatten':
    case 'Reshape':
    case 'Squeeze':
    case 'Unsqueeze': {
      const d = ctx.dims(x);
      if (!d || !firstOnly()) return null;
      return only(add('Reshape', [dy, ctx.intConst(d, [d.length])]));
    }
    case 'Transpose': {
      // the inverse permutation (default: reversed axes, its own inverse)
      const d = ctx.dims(x);
      if (!d || !firstOnly()) return null;
      const perm = attrInts(n, 'perm') ?? [];
      const p = perm.length ? perm : d.map((_, i) => d.length - 1 - i);
      const inv = new Array<number>(p.length);
      p.forEach((a, i) => (inv[a] = i));
      return only(add('Transpose', [dy], { perm: inv }));
    }
    case 'Relu':
      return firstOnly() ? only(add('Where', [add('Greater', [x, zero()]), dy, zero()])) : null;
    case 'LeakyRelu': {
      // dy * step(x, alpha): the custom gradient of models/activations.ts (x > 0 ? 1 : alpha)
      if (!firstOnly()) return null;
      const alpha = attrFloat(n, 'alpha', 0.01);
      return only(add('Where', [add('Greater', [x, zero()]), dy, add('Mul', [dy, ctx.floatConst([alpha], [])])]));
    }
    case 'Clip': {
      // tf.clipByValue's gradient: dy where min <= x <= max, else 0
      if (!firstOnly()) return null;
      let lo = attrFloat(n, 'min', -3.4e38);
      let hi = attrFloat(n, 'max', 3.4e38);
      if (ins[1]) lo = ctx.constant(1)?.[0] ?? NaN;
      if (ins[2]) hi = ctx.constant(2)?.[0] ?? NaN;
      if (Number.isNaN(lo) || Number.isNaN(hi)) return null;
      const inside = add('And', [add('Not', [add('Less', [x, ctx.floatConst([lo], [])])]), add('Not', [add('Greater', [x, ctx.floatConst([hi], [])])])]);
      return only(add('Where', [inside, dy, zero()]));
    }
    case 'Sigmoid':
      // dy * y * (1 - y)
      return firstOnly() ? only(add('Mul', [dy, add('Mul', [y, add('Sub', [ctx.floatConst([1], []), y])])])) : null;
    case 'Tanh':
      return firstOnly() ? only(add('Mul', [dy, add('Sub', [ctx.floatConst([1], []), add('Mul', [y, y])])])) : null;
    case 'BatchNormalization': {
      if (!firstOnly() || attrInt(n, 'training_mode', 0) === 1) return null;
      const [scale, variance] = [ctx.constant(1), ctx.constant(4)];
      const d = ctx.dims(x);
      if (!scale || !variance || !d) return null;
      const eps = attrFloat(n, 'epsilon', 1e-5);
      const s = Float32Array.from(scale, (v, c) => v / Math.sqrt(variance[c]! + eps));
      return only(add('Mul', [dy, ctx.floatConst(s, [s.length, ...new Array<number>(Math.max(0, d.length - 2)).fill(1)])]));
    }
    case 'GlobalAveragePool': {
      const d = ctx.dims(x);
      if (!d) return null;
      const area = d.slice(2).reduce((a, b) => a * b, 1);
      return only(add('Expand', [add('Mul', [dy, ctx.floatConst([1 / area], [])]), ctx.intConst(d, [d.length])]));
    }
    case 'Conv':
      return firstOnly() ? convVjp(ctx, dy, add, only) : null;
    case 'Gemm': {
      // alpha A' B' + beta C with B constant and A not transposed: dA = alpha dy B'^T
      if (!firstOnly() || attrInt(n, 'transA', 0) === 1 || !ctx.constant(1)) return null;
      const w = attrInt(n, 'transB', 0) === 1 ? ins[1]! : add('Transpose', [ins[1]!]);
      const g = add('MatMul', [dy, w]);
      const alpha = attrFloat(n, 'alpha', 1);
      return only(alpha === 1 ? g : add('Mul', [g, ctx.floatConst([alpha], [])]));
    }
    case 'MatMul': {
      const bd = ctx.dims(ins[1] ?? '');
      if (!firstOnly() || !ctx.constant(1) || bd?.length !== 2) return null;
      return only(add('MatMul', [dy, add('Transpose', [ins[1]!])]));
    }
    case 'Add':
    case 'Sub':
    case 'Mul':
    case 'Div':
    {
      const grads = binaryVjp(ctx, n.opType, dy, add);
      return grads && { nodes, grads };
    }
    case 'Sum': {
      const d = ctx.dims(y);
      if (!ins.every((s, i) => !ctx.varying(i) || same(ctx.dims(s), d))) return null;
      return { nodes, grads: ins.map((_, i) => (ctx.varying(i) ? add('Identity', [dy]) : null)) };
    }
    default:
      return null;
  }
}

type Add = (op: string, inputs: string[], attrs?: Record<string, AttrValue>, floats?: string[]) => string;

/**
 * Conv's input gradient is ConvTranspose with the same weights ([M, C/g, k...] is ConvTranspose's
 * [in, out/g, k...]), strides, dilations, pads and groups; output_padding restores the rows a
 * strided conv's floor dropped.
 */
function convVjp(ctx: VjpContext, dy: string, add: Add, only: (g: string | null) => Vjp): Vjp | null {
  const n = ctx.node;
  const ins = n.input ?? [];
  const xd = ctx.dims(ins[0]!);
  const wd = ctx.dims(ins[1]!);
  const yd = ctx.dims(n.output![0]!);
  const autoPad = attrString(n, 'auto_pad', 'NOTSET');
  if (!xd || !wd || !yd || (autoPad !== 'NOTSET' && autoPad !== 'VALID')) return null;
  const r = xd.length - 2;
  const k = attrInts(n, 'kernel_shape') ?? wd.slice(2);
  const s = attrInts(n, 'strides') ?? [];
  const d = attrInts(n, 'dilations') ?? [];
  const p = autoPad === 'VALID' ? [] : (attrInts(n, 'pads') ?? []);
  const strides = Array.from({ length: r }, (_, i) => s[i] ?? 1);
  const dil = Array.from({ length: r }, (_, i) => d[i] ?? 1);
  const pads = Array.from({ length: 2 * r }, (_, i) => p[i] ?? 0);
  const outPad = Array.from({ length: r }, (_, i) => xd[i + 2]! + pads[i]! + pads[i + r]! - ((k[i]! - 1) * dil[i]! + 1) - strides[i]! * (yd[i + 2]! - 1));
  if (outPad.some((v, i) => v < 0 || v >= Math.max(strides[i]!, dil[i]!))) return null;
  const attrs: Record<string, AttrValue> = { kernel_shape: k, strides, dilations: dil, pads, group: attrInt(n, 'group', 1) };
  if (outPad.some((v) => v !== 0)) attrs['output_padding'] = outPad;
  return only(add('ConvTranspose', [dy, ins[1]!], attrs));
}

/** Elementwise binary ops, for varying inputs of the output's own shape (no broadcast to undo). */
function binaryVjp(ctx: VjpContext, op: string, dy: string, add: Add): (string | null)[] | null {
  const n = ctx.node;
  const [a, b] = [n.input![0]!, n.input![1]!];
  const yd = ctx.dims(n.output![0]!);
  const grads: (string | null)[] = [null, null];
  for (const i of [0, 1]) {
    if (!ctx.varying(i)) continue;
    if (!same(ctx.dims(i === 0 ? a : b), yd)) return null;
    const other = i === 0 ? b : a;
    if (op === 'Add') grads[i] = add('Identity', [dy]);
    else if (op === 'Sub') grads[i] = add(i === 0 ? 'Identity' : 'Neg', [dy]);
    else if (op === 'Mul') grads[i] = add('Mul', [dy, other]);
    else if (i === 0) grads[i] = add('Div', [dy, b]);
    else return null; // d(a/b)/db: not needed by any head seen so far
  }
  return grads;
}
