// Which inputs of a graph op carry data (tensors that may depend on the filtered features) and
// which are parameters (weights, axes, shapes, paddings) that must be constant. The split walks
// only data edges from the chosen node, so a Shape -> Pack -> Reshape chain (Keras' Flatten) is
// not mistaken for part of the head.
import type { GraphNode } from './graphDef.js';
import { attrInt } from './attrs.js';

/** Indices of the node's inputs that are parameters (constant values the translation reads once). */
export function parameterInputs(node: GraphNode): Set<number> {
  const n = node.inputs.length;
  const from = (k: number) => new Set(Array.from({ length: Math.max(n - k, 0) }, (_, i) => i + k));
  switch (node.op) {
    case 'Conv2D':
    case 'DepthwiseConv2dNative':
    case '_FusedConv2D':
    case 'FusedDepthwiseConv2dNative':
    case 'MatMul':
    case '_FusedMatMul':
    case 'BiasAdd':
    case 'Prelu':
    case 'FusedBatchNorm':
    case 'FusedBatchNormV2':
    case 'FusedBatchNormV3':
    case 'Reshape':
    case 'ExpandDims':
    case 'Mean':
    case 'Sum':
    case 'Max':
    case 'Min':
    case 'Pad':
    case 'PadV2':
    case 'MirrorPad':
      return from(1);
    case 'ConcatV2':
      // N data inputs, then the axis
      return new Set([attrInt(node.attr, 'N', n - 1)]);
    case 'Shape':
      // its value is fixed once the input size is: never data
      return from(0);
    default:
      return new Set();
  }
}
