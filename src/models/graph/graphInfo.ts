// What the layer list and the split both need to know about a loaded graph model: its parsed
// graph, the input and output tensors, which nodes depend on the image, and the input shape used
// for the reference runs that give every node's output shape.
import type { GraphModel } from '@tensorflow/tfjs-converter';
import { parseGraphDef, parseTensorRef, type GraphDef, type TensorRef } from './graphDef.js';
import { weightIds } from './execute.js';

export interface GraphInfo {
  model: GraphModel;
  graph: GraphDef;
  /** the model's location, for error messages */
  where: string;
  /** the input tensor's name in the graph (the image is fed to it) */
  inputName: string;
  inputNode: string;
  output: TensorRef;
  /** the output tensor's name in the graph */
  outputName: string;
  /** [1, H, W, C]: the shape of the reference runs */
  inputShape: number[];
  /** the batch size the model's input is fixed to, or null when it takes any */
  fixedBatch: number | null;
  /** nodes whose value depends on the image (the others are constants) */
  imageDependent: Set<string>;
  /** nodes the output depends on */
  outputAncestors: Set<string>;
  weightIds: Set<number>;
}

/**
 * GraphModel names its inputs and outputs by signature key when model.json has a signature
 * (SavedModel exports: "input_1", "output_0"); the graph knows them by tensor name ("input_1:0").
 */
function signatureTensor(model: GraphModel, side: 'inputs' | 'outputs', name: string): string {
  const sig = model.modelSignature as { inputs?: Record<string, { name?: string }>; outputs?: Record<string, { name?: string }> } | undefined;
  return sig?.[side]?.[name]?.name ?? name;
}

export function graphInfo(model: GraphModel, topology: unknown, where: string, inputSize: [number, number]): GraphInfo {
  const graph = parseGraphDef(topology, where);
  if (model.inputNodes.length !== 1) throw new Error(`${where}: the model has ${model.inputNodes.length} inputs (one image input expected)`);
  const inputName = signatureTensor(model, 'inputs', model.inputNodes[0]!);
  const inputNode = parseTensorRef(inputName).node;
  if (!graph.nodes.has(inputNode)) throw new Error(`${where}: the model's input node "${inputNode}" is not in its graph`);
  const shape = model.inputs[0]?.shape ?? [];
  if (shape.length !== 4) throw new Error(`${where}: the model's input has rank ${shape.length} (an image batch [B, H, W, 3] expected)`);
  const c = shape[3] != null && shape[3] > 0 ? shape[3] : 3;
  if (c !== 3) throw new Error(`${where}: the model's input has ${c} channels (3 expected)`);
  const dtype = model.inputs[0]?.dtype;
  if (dtype && dtype !== 'float32') throw new Error(`${where}: the model's input is ${dtype} (float32 expected)`);

  const imageDependent = new Set<string>([inputNode]);
  for (const n of graph.order) if (n.inputs.some((i) => imageDependent.has(i.node))) imageDependent.add(n.name);
  // Without a signature the converter calls every node nobody reads an output, unused constants
  // and no-ops included; the model's output is the one that depends on the image.
  const outputs = model.outputNodes.map((o) => signatureTensor(model, 'outputs', o)).filter((o) => imageDependent.has(parseTensorRef(o).node));
  if (outputs.length !== 1) {
    throw new Error(`${where}: the model has ${outputs.length} outputs (${outputs.join(', ') || 'none depends on the input'}); one expected`);
  }
  const outputName = outputs[0]!;
  const output = parseTensorRef(outputName);
  const outputAncestors = new Set<string>([output.node]);
  for (let k = graph.order.length - 1; k >= 0; k--) {
    const n = graph.order[k]!;
    if (outputAncestors.has(n.name)) for (const i of n.inputs) outputAncestors.add(i.node);
  }
  return {
    model,
    graph,
    where,
    inputName,
    inputNode,
    output,
    outputName,
    inputShape: [1, inputSize[0], inputSize[1], c],
    fixedBatch: shape[0] != null && shape[0] > 0 ? shape[0] : null,
    imageDependent,
    outputAncestors,
    weightIds: weightIds(model),
  };
}
