// Small head models for the head-op tests: an image x [1,3,8,8], a 3x3 conv to the chosen tensor
// "feat" [1,4,8,8], then the ops under test, ending in "y".
import type { onnx as O } from 'onnx-proto';
import { node, randomTensor, type GraphSpec } from './buildOnnx.js';

/** x [1,3,8,8] -> 3x3 conv (pad 1) -> "feat" [1,4,8,8] (the chosen layer) -> tail -> "y". */
export function withFeat(tail: O.INodeProto[], inits: O.ITensorProto[] = [], opset = 13): GraphSpec {
  return {
    opset,
    nodes: [node('Conv', ['x', 'w0', 'b0'], ['feat'], { pads: { ints: [1, 1, 1, 1] }, kernel_shape: { ints: [3, 3] } }), ...tail],
    initializers: [randomTensor('w0', [4, 3, 3, 3], 10), randomTensor('b0', [4], 11), ...inits],
    outputs: ['y'],
  };
}
export const flat = (from: string) => node('Flatten', [from], ['y'], { axis: { i: 1 } });
export const gapFlat = (from: string) => [node('GlobalAveragePool', [from], ['gap']), flat('gap')];
