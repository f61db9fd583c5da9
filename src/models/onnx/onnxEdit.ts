// In-memory graph edits: expose chosen tensors as graph outputs, drop every node they do not need
// (so ONNX Runtime computes the backbone only, not the head), and put the layout Transposes at the
// ends (see onnxLayout.ts). The original bytes are decoded afresh for each edit, never mutated.
import { decodeModel, encodeModel, onnx, type NodeProto, type ValueInfoProto } from './onnxProto.js';
import { toChannelsFirstPerm, toChannelsLastPerm, permute, type OnnxLayout } from './onnxLayout.js';
import type { OnnxGraph } from './onnxGraph.js';

export const NHWC_INPUT_SUFFIX = '__l2caf_nhwc';
export const NHWC_FEATURES_SUFFIX = '__l2caf_features_nhwc';

function transposeNode(input: string, output: string, perm: number[]): NodeProto {
  return onnx.NodeProto.create({
    name: `l2caf_transpose_${output}`,
    opType: 'Transpose',
    input: [input],
    output: [output],
    attribute: [onnx.AttributeProto.create({ name: 'perm', type: onnx.AttributeProto.AttributeType.INTS, ints: perm })],
  });
}

/** An output without type: ONNX Runtime infers it (checked with onnxruntime-node 1.30). */
function untypedOutput(name: string): ValueInfoProto {
  return onnx.ValueInfoProto.create({ name });
}

/** Keeps only the nodes (in order) that the given outputs depend on, and the initializers they read. */
function prune(nodes: NodeProto[], outputs: string[]): NodeProto[] {
  const needed = new Set(outputs);
  const keep: boolean[] = new Array(nodes.length).fill(false);
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i]!;
    if ((n.output ?? []).some((o) => needed.has(o))) {
      keep[i] = true;
      for (const x of n.input ?? []) if (x) needed.add(x);
      // tensors that subgraphs (If/Loop bodies) read from the outer scope
      for (const a of n.attribute ?? []) for (const sub of [a.g, ...(a.graphs ?? [])]) for (const sn of sub?.node ?? []) for (const x of sn.input ?? []) if (x) needed.add(x);
    }
  }
  return nodes.filter((_, i) => keep[i]);
}

/**
 * A model whose outputs are every node output (untyped), for one shape-probing run. Its input is
 * the original one.
 */
export function allOutputsModel(g: Pick<OnnxGraph, 'bytes' | 'where'>): Uint8Array {
  const m = decodeModel(g.bytes, g.where);
  const graph = m.graph!;
  const have = new Set((graph.output ?? []).map((o) => o.name));
  for (const n of graph.node ?? []) {
    if (n.opType === 'Constant') continue;
    for (const o of n.output ?? []) if (o && !have.has(o)) {
      graph.output!.push(untypedOutput(o));
      have.add(o);
    }
  }
  return encodeModel(m);
}

export interface BackboneGraph {
  bytes: Uint8Array;
  inputName: string;
  /** output names: the features first (channels-last), then the side tensors (model layout) */
  outputNames: string[];
}

/**
 * The backbone: input (channels-last pixels) -> chosen tensor (channels-last) plus the side tensors
 * the head reads. `featureRank` is the chosen tensor's rank (4 for 2-D feature maps).
 */
export function backboneModel(g: OnnxGraph, layout: OnnxLayout, chosen: string, featureRank: number, side: string[]): BackboneGraph {
  const m = decodeModel(g.bytes, g.where);
  const graph = m.graph!;
  const nodes = [...(graph.node ?? [])];
  let inputName = g.input.name;
  let featuresOut = chosen;
  if (layout === 'NCHW') {
    inputName = g.input.name + NHWC_INPUT_SUFFIX;
    const rank = g.input.dims.length;
    nodes.unshift(transposeNode(inputName, g.input.name, toChannelsFirstPerm(rank)));
    featuresOut = chosen + NHWC_FEATURES_SUFFIX;
    nodes.push(transposeNode(chosen, featuresOut, toChannelsLastPerm(featureRank)));
  }
  const outputNames = [featuresOut, ...side];
  const kept = prune(nodes, outputNames);
  const used = new Set(kept.flatMap((n) => n.input ?? []));
  graph.node = kept;
  graph.initializer = (graph.initializer ?? []).filter((t) => used.has(t.name!));
  const origInput = (graph.input ?? []).find((i) => i.name === g.input.name)!;
  const newInput =
    layout === 'NCHW'
      ? onnx.ValueInfoProto.create({
          name: inputName,
          type: {
            tensorType: {
              elemType: origInput.type?.tensorType?.elemType ?? onnx.TensorProto.DataType.FLOAT,
              shape: { dim: permute(origInput.type!.tensorType!.shape!.dim!, toChannelsLastPerm(g.input.dims.length)) },
            },
          },
        })
      : origInput;
  // IR < 4 lists initializers among the inputs: keep those still read.
  graph.input = [newInput, ...(graph.input ?? []).filter((i) => i.name !== g.input.name && used.has(i.name!))];
  graph.output = outputNames.map(untypedOutput);
  graph.valueInfo = (graph.valueInfo ?? []).filter((v) => used.has(v.name!) && v.name !== g.input.name);
  return { bytes: encodeModel(m), inputName, outputNames };
}
