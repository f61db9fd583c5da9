// What the ONNX graph's output says about the model's kind (see modelFacts.outputKindOf): a softmax
// at the end means class probabilities; a feature map or an L2-normalised vector (LpNormalization,
// or x / ||x|| as PyTorch exports F.normalize) means an embedding, which class targets do not fit.
import type { OutputFacts } from '../modelFacts.js';
import { featureMapReason } from '../modelFacts.js';
import type { OnnxGraph } from './onnxGraph.js';

/** Ops between the norm and the division that keep it a norm (F.normalize's clamp and expand). */
const NORM_PASS_THROUGH = new Set(['Clip', 'Max', 'Expand', 'Unsqueeze', 'Reshape', 'Add', 'Identity', 'Cast']);
const NORM_OPS = new Set(['ReduceL2', 'Sqrt', 'LpNormalization']);

function producerOp(g: OnnxGraph, tensor: string | undefined) {
  return tensor === undefined ? undefined : g.nodes[g.producer.get(tensor) ?? -1];
}

/** Whether `tensor` is a norm, perhaps clamped or broadcast on the way. */
function isNorm(g: OnnxGraph, tensor: string | undefined, depth = 0): boolean {
  const n = producerOp(g, tensor);
  if (!n || depth > 4) return false;
  if (NORM_OPS.has(n.opType ?? '')) return true;
  return NORM_PASS_THROUGH.has(n.opType ?? '') && isNorm(g, n.input?.[0], depth + 1);
}

/** `dims`: the output's dims at batch 1. */
export function onnxOutputFacts(g: OnnxGraph, output: string, dims: readonly number[]): OutputFacts {
  const last = producerOp(g, output);
  const op = last?.opType ?? '';
  const normalised = op === 'LpNormalization' || (op === 'Div' && isNorm(g, last?.input?.[1]));
  return {
    endsInSoftmax: op === 'Softmax' || op === 'LogSoftmax',
    numOutputs: dims.slice(1).reduce((a, b) => a * b, 1),
    notScores: featureMapReason(output, dims.slice(1)) ?? (normalised ? `the output "${output}" is L2-normalised` : null),
  };
}
