// The head's forward and backward pass as one ONNX graph, for ONNX Runtime, from a forward graph
// of the head (an ONNX model's own head nodes, onnxGradGraph.ts, or a TF.js layers head written as
// ONNX, layersOnnx.ts): input X (the filtered features in channels-first layout) and the side
// tensors, the head's nodes to its output FT, the loss gradient dFT = FT * P + Q (P, Q inputs, so
// one graph serves both objectives: class-oblivious P = 2/K, Q = -2 NT / K; class-specific P = 0,
// Q = s), then each node's vector-Jacobian product (onnxVjp.ts) back to dX. The loss itself and
// df = sum_c A * dX are a few thousand multiply-adds, left to the caller (ortHeadOracle.ts).
import { encodeModel, onnx, type GraphProto, type NodeProto, type TensorProto } from './onnxProto.js';
import { vjpOf } from './onnxVjp.js';

export const GRAD_SCALE = 'l2caf_grad_scale';
export const GRAD_OFFSET = 'l2caf_grad_offset';

export interface ForwardGraph {
  /** the head's nodes in topological order */
  nodes: NodeProto[];
  /** every constant the nodes read, by name */
  initializers: Map<string, TensorProto>;
  /** the values of float constants the gradient rules read (BN statistics, clip bounds), by name */
  constValues: Map<string, Float32Array>;
  input: { name: string; dims: number[] };
  /** fed as given, constant for a solve */
  side: { name: string; dims: number[] }[];
  output: { name: string; dims: number[] };
  /** static dims at batch 1 of any tensor the nodes read or write */
  dims(name: string): number[] | null;
  opsetImport: { domain?: string | null; version?: number | Long | null }[];
  irVersion: number;
}

type Long = { toNumber(): number };

export interface GradGraph {
  bytes: Uint8Array;
  /** the filtered features' input, channels-first at batch 1 */
  input: string;
  inputDims: number[];
  side: string[];
  sideDims: number[][];
  /** the head's output FT and its dims (P and Q take these dims) */
  output: string;
  outputDims: number[];
  /** dX, the gradient with respect to `input` */
  grad: string;
}

/** Why a head has no gradient graph (an op without a rule, or else), or the graph. */
export type GradGraphResult = { ok: true; graph: GradGraph } | { ok: false; reason: string };

const DT = onnx.TensorProto.DataType;

export function valueInfo(name: string, dims: number[]) {
  return onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: DT.FLOAT, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } });
}

export function floatTensor(name: string, values: ArrayLike<number>, dims: number[]): TensorProto {
  const f = Float32Array.from(values);
  return onnx.TensorProto.create({ name, dataType: DT.FLOAT, dims, rawData: new Uint8Array(f.buffer) });
}

export function intTensor(name: string, values: ArrayLike<number>, dims: number[]): TensorProto {
  const v = BigInt64Array.from(Array.from(values, (x) => BigInt(x)));
  return onnx.TensorProto.create({ name, dataType: DT.INT64, dims, rawData: new Uint8Array(v.buffer) });
}

export function buildGradModel(fw: ForwardGraph): GradGraphResult {
  const initializers = new Map(fw.initializers);
  const side = new Set(fw.side.map((s) => s.name));
  let counter = 0;
  const fresh = (hint: string) => `l2caf_vjp_${counter++}_${hint}`;
  const floatConst = (values: ArrayLike<number>, dims: number[]) => {
    const name = fresh('const');
    initializers.set(name, floatTensor(name, values, dims));
    return name;
  };
  const intConst = (values: number[], dims: number[]) => {
    const name = fresh('shape');
    initializers.set(name, intTensor(name, values, dims));
    return name;
  };
  // what depends on the filter: the input and what nodes compute from it
  const varying = new Set([fw.input.name]);
  for (const n of fw.nodes) if ((n.input ?? []).some((x) => varying.has(x))) for (const o of n.output ?? []) varying.add(o);

  const out = fw.output.name;
  const dFT = fresh('dFT');
  const backward: NodeProto[] = [
    onnx.NodeProto.create({ opType: 'Mul', input: [out, GRAD_SCALE], output: [`${dFT}_scaled`] }),
    onnx.NodeProto.create({ opType: 'Add', input: [`${dFT}_scaled`, GRAD_OFFSET], output: [dFT] }),
  ];
  const grads = new Map<string, string[]>([[out, [dFT]]]);
  const sumOf = (name: string): string | null => {
    const parts = grads.get(name);
    if (!parts || parts.length === 0) return null;
    if (parts.length === 1) return parts[0]!;
    const o = fresh('sum');
    backward.push(onnx.NodeProto.create({ opType: 'Sum', input: parts, output: [o] }));
    return o;
  };
  for (let k = fw.nodes.length - 1; k >= 0; k--) {
    const n = fw.nodes[k]!;
    const dy = sumOf(n.output![0]!);
    if (!dy) continue;
    const ins = n.input ?? [];
    const vjp = vjpOf(
      {
        node: n,
        varying: (i) => varying.has(ins[i] ?? '') && !side.has(ins[i] ?? ''),
        dims: (name) => fw.dims(name),
        constant: (i) => fw.constValues.get(ins[i] ?? '') ?? null,
        fresh,
        floatConst,
        intConst,
      },
      dy,
    );
    if (!vjp) return { ok: false, reason: `no gradient rule for ${n.opType ?? '?'} here` };
    backward.push(...vjp.nodes);
    vjp.grads.forEach((g, i) => {
      if (!g) return;
      const name = ins[i]!;
      grads.set(name, [...(grads.get(name) ?? []), g]);
    });
  }
  const grad = sumOf(fw.input.name);
  if (!grad) return { ok: false, reason: 'no gradient path from the output to the layer' };

  const graph: GraphProto = {
    name: 'l2caf_head_vjp',
    node: [...fw.nodes, ...backward],
    initializer: [...initializers.values()],
    input: [valueInfo(fw.input.name, fw.input.dims), ...fw.side.map((s) => valueInfo(s.name, s.dims)), valueInfo(GRAD_SCALE, fw.output.dims), valueInfo(GRAD_OFFSET, fw.output.dims)],
    output: [valueInfo(out, fw.output.dims), onnx.ValueInfoProto.create({ name: grad })],
  };
  // IR 4 on: initializers need not be listed among the inputs
  const model = onnx.ModelProto.create({ irVersion: Math.max(4, fw.irVersion), opsetImport: fw.opsetImport, graph });
  return {
    ok: true,
    graph: {
      bytes: encodeModel(model),
      input: fw.input.name,
      inputDims: fw.input.dims,
      side: fw.side.map((s) => s.name),
      sideDims: fw.side.map((s) => s.dims),
      output: out,
      outputDims: fw.output.dims,
      grad,
    },
  };
}
