// The layer list of a graph model: the nodes worth choosing (ends of conv/activation/add/concat/
// pooling "layers"), with output shapes from one reference run at the input size. A conv whose
// only reader is its BiasAdd, batch norm or activation is not listed: the layer ends later.
import * as tf from '@tensorflow/tfjs-core';
import type { GraphNode } from './graphDef.js';
import type { GraphInfo } from './graphInfo.js';
import { executeTo } from './execute.js';
import { isSpatialShape, type LayerInfo } from '../split.js';

const CONV_OPS = ['Conv2D', '_FusedConv2D', 'DepthwiseConv2dNative', 'FusedDepthwiseConv2dNative'];
const ACTIVATION_OPS = ['Relu', 'Relu6', 'Elu', 'Selu', 'LeakyRelu', 'Sigmoid', 'Tanh', 'Prelu'];
const NORM_OPS = ['BiasAdd', 'FusedBatchNorm', 'FusedBatchNormV2', 'FusedBatchNormV3'];
const LAYER_OPS = new Set([...CONV_OPS, ...ACTIVATION_OPS, ...NORM_OPS, 'Add', 'AddV2', 'AddN', 'Mul', 'ConcatV2', 'MaxPool', 'AvgPool', 'Pad', 'MirrorPad']);
const CONTINUATION_OPS = new Set([...ACTIVATION_OPS, ...NORM_OPS]);
const AFFINE_CONTINUATION_OPS = new Set(['Add', 'AddV2', 'Sub', 'Mul']);

/** Whether `next` finishes the layer that `node` started (bias, batch norm, activation, or a constant scale/shift). */
function continues(info: GraphInfo, node: GraphNode, next: GraphNode): boolean {
  if (next.inputs[0]?.node !== node.name) return false;
  if (CONTINUATION_OPS.has(next.op)) return true;
  if (AFFINE_CONTINUATION_OPS.has(next.op) && next.inputs.length === 2) return !info.imageDependent.has(next.inputs[1]!.node);
  return false;
}

/** Swish, x * sigmoid(x): the layer ends at the Mul, not at x or at the gate. */
function swishPart(info: GraphInfo, node: GraphNode, readers: GraphNode[]): boolean {
  const isSwishMul = (m: GraphNode, x: string, gate: string) =>
    m.op === 'Mul' && m.inputs.length === 2 && m.inputs.some((r) => r.node === x) && m.inputs.some((r) => r.node === gate);
  if (node.op === 'Sigmoid' && readers.length === 1) return isSwishMul(readers[0]!, node.inputs[0]!.node, node.name);
  if (readers.length !== 2) return false;
  const gate = readers.find((r) => r.op === 'Sigmoid' && r.inputs[0]?.node === node.name);
  const mul = readers.find((r) => r !== gate);
  return gate !== undefined && mul !== undefined && isSwishMul(mul, node.name, gate.name);
}

export function layerCandidates(info: GraphInfo): GraphNode[] {
  return info.graph.order.filter((n) => {
    if (!LAYER_OPS.has(n.op) || !info.imageDependent.has(n.name) || !info.outputAncestors.has(n.name) || n.name === info.output.node) return false;
    const readers = info.graph.consumers.get(n.name) ?? [];
    if (readers.length === 1 && continues(info, n, readers[0]!)) return false;
    return !swishPart(info, n, readers);
  });
}

/** Layers with output shapes (batch dimension dropped), in topological order, plus the output's shape and size. */
export function listGraphLayers(info: GraphInfo): { layers: LayerInfo[]; numOutputs: number; outputShape: number[] } {
  const nodes = layerCandidates(info);
  const names = [...nodes.map((n) => n.name), info.outputName];
  const shapes = tf.tidy(() => {
    const outs = executeTo(info.model, info.inputName, tf.zeros(info.inputShape), names, info.where);
    const s = outs.map((t) => t.shape.slice(1));
    for (const t of outs) if (!info.weightIds.has(t.id)) t.dispose();
    return s;
  });
  const outShape = shapes.pop()!;
  const layers = nodes.map((n, i) => {
    const shape = shapes[i]!;
    return { name: n.name, type: n.op.replace(/^_/, ''), shape, spatial: isSpatialShape(shape) };
  });
  return { layers, numOutputs: outShape.reduce((a, b) => a * b, 1), outputShape: outShape };
}
