// The facts about an ONNX graph that the loader and the split need: its one image input, its
// outputs, initializers, which node produces each tensor, and the input layout.
import { ModelFileError } from '../fileHandler.js';
import { decodeModel, onnx, valueInfoDims, type ModelProto, type NodeProto, type TensorProto } from './onnxProto.js';
import { nonFiniteProblem } from '../nonFinite.js';
import type { OnnxLayout } from './onnxLayout.js';

export interface OnnxGraph {
  /** the file, for error messages */
  where: string;
  /** the bytes as read (the split decodes its own copy to edit) */
  bytes: Uint8Array;
  model: ModelProto;
  nodes: NodeProto[];
  input: { name: string; dims: number[] };
  outputs: string[];
  initializers: Map<string, TensorProto>;
  /** tensor name -> index of the node that produces it */
  producer: Map<string, number>;
  /** node name -> its first output (so --layer accepts either) */
  nodeOutput: Map<string, string>;
}

/** A FLOAT initializer's values (raw little-endian bytes or float_data); [] for other types. */
function floatValues(t: TensorProto): ArrayLike<number> {
  if (t.dataType !== onnx.TensorProto.DataType.FLOAT) return [];
  const raw = t.rawData && t.rawData.length ? t.rawData : null;
  if (!raw) return t.floatData ?? [];
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = new Float32Array(raw.byteLength >> 2);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

export function readGraph(bytes: Uint8Array, where: string): OnnxGraph {
  const model = decodeModel(bytes, where);
  const g = model.graph!;
  const initializers = new Map<string, TensorProto>();
  for (const t of g.initializer ?? []) {
    if (t.name) initializers.set(t.name, t);
    const problem = nonFiniteProblem(where, `initializer "${t.name ?? ''}"`, floatValues(t));
    if (problem) throw new ModelFileError(problem);
  }
  // Older exports list initializers among the inputs too; the image input is what remains.
  const realInputs = (g.input ?? []).filter((i) => i.name && !initializers.has(i.name));
  if (realInputs.length !== 1) {
    throw new ModelFileError(
      `${where}: the model has ${realInputs.length} inputs (${realInputs.map((i) => i.name).join(', ') || 'none'}); one image input is expected`,
    );
  }
  const inp = realInputs[0]!;
  const dims = valueInfoDims(inp);
  if (!dims || dims.length < 4) {
    throw new ModelFileError(`${where}: input "${inp.name}" has shape [${dims?.join(', ') ?? '?'}]; an image input [N, C, H, W] or [N, H, W, C] is expected`);
  }
  const outputs = (g.output ?? []).map((o) => o.name!).filter(Boolean);
  if (outputs.length === 0) throw new ModelFileError(`${where}: the model has no outputs`);
  const nodes = g.node ?? [];
  const producer = new Map<string, number>();
  const nodeOutput = new Map<string, string>();
  nodes.forEach((n, i) => {
    for (const o of n.output ?? []) if (o) producer.set(o, i);
    if (n.name && n.output?.[0]) nodeOutput.set(n.name, n.output[0]);
  });
  return { where, bytes, model, nodes, input: { name: inp.name!, dims }, outputs, initializers, producer, nodeOutput };
}

/** NCHW when the channel axis (3 channels) is axis 1, NHWC when it is last; `given` (catalogue) wins. */
export function inputLayout(g: OnnxGraph, given?: OnnxLayout | null): OnnxLayout {
  const d = g.input.dims;
  // PyTorch exports (the common case) are NCHW; channels-last only when the last axis alone is 3.
  const layout: OnnxLayout = given ?? (d[d.length - 1] === 3 && d[1] !== 3 ? 'NHWC' : 'NCHW');
  const c = layout === 'NCHW' ? d[1] : d[d.length - 1];
  if (d.length === 4 && c !== 3 && c !== -1) {
    throw new ModelFileError(`${g.where}: the model's input "${g.input.name}" [${d.join(', ')}] has ${c} channels (3 expected)`);
  }
  return layout;
}
