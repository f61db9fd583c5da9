// An ONNX model's head (onnxHead.ts's plan) as the forward graph of its gradient model
// (gradModel.ts): the head's own nodes, their constants (initializers as they are, folded shape
// arithmetic re-encoded), the chosen tensor as the input and the side tensors as inputs.
import type * as tf from '@tensorflow/tfjs-core';
import { toNum, type TensorProto } from './onnxProto.js';
import type { HeadPlan, HeadGraph } from './onnxHead.js';
import { onnxOpset } from './onnxHead.js';
import type { TensorFacts } from './onnxShapes.js';
import { buildGradModel, floatTensor, intTensor, type GradGraphResult } from './gradModel.js';

/** A folded constant as an initializer: float stays float, TF.js int32 was ONNX int64. */
function constTensor(name: string, t: tf.Tensor): TensorProto {
  return t.dtype === 'float32' ? floatTensor(name, t.dataSync(), t.shape) : intTensor(name, t.dataSync(), t.shape);
}

export function buildGradGraph(g: HeadGraph, facts: Map<string, TensorFacts>, plan: HeadPlan, chosen: string): GradGraphResult {
  // Where, Expand and numpy-style comparisons: opset 9 on
  if (onnxOpset(g) < 9) return { ok: false, reason: `opset ${onnxOpset(g)} (9 or later needed)` };
  if (plan.output.k !== 'step') return { ok: false, reason: 'the head has no step' };
  const initializers = new Map<string, TensorProto>();
  const constValues = new Map<string, Float32Array>();
  // shapes of node outputs from the probe run; of constants (weights) from their values
  const constShapes = new Map<string, number[]>();
  for (const s of plan.steps) {
    s.inputs.forEach((r, i) => {
      const name = s.node.input![i]!;
      if (r.k !== 'const' || initializers.has(name)) return;
      initializers.set(name, g.initializers.get(name) ?? constTensor(name, r.t));
      constShapes.set(name, r.t.shape);
      if (r.t.dtype === 'float32') constValues.set(name, r.t.dataSync() as Float32Array);
    });
  }
  const dims = (name: string) => facts.get(name)?.dims ?? constShapes.get(name) ?? null;
  const outName = plan.steps[plan.output.i]!.node.output![0]!;
  const inputDims = dims(chosen);
  const outputDims = dims(outName);
  const side = plan.side.map((name) => ({ name, dims: dims(name) }));
  if (!inputDims || !outputDims || side.some((s) => !s.dims)) return { ok: false, reason: 'unknown shapes' };
  return buildGradModel({
    nodes: plan.steps.map((s) => s.node),
    initializers,
    constValues,
    input: { name: chosen, dims: inputDims },
    side: side as { name: string; dims: number[] }[],
    output: { name: outName, dims: outputDims },
    dims,
    opsetImport: g.model.opsetImport ?? [],
    irVersion: toNum(g.model.irVersion as number),
  });
}
