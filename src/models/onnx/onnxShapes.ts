// Static shapes of every tensor, for `l2caf layers`, the default layer and the head translation.
// ONNX files rarely carry value_info for every tensor and shape inference per op would be a second
// implementation of ONNX; one ONNX Runtime run on a zero image with every node output exposed gives
// the exact shapes (and element types) at batch 1, for ~100 ms on MobileNetV2.
import * as ort from 'onnxruntime-node';
import { allOutputsModel } from './onnxEdit.js';
import type { OnnxGraph } from './onnxGraph.js';
import type { OnnxLayout } from './onnxLayout.js';
import { createSession } from './ortSession.js';
import { ModelFileError } from '../fileHandler.js';

export interface TensorFacts {
  /** dims at batch 1, in the model's own layout */
  dims: number[];
  /** ONNX Runtime's element type name, e.g. 'float32', 'int64' */
  type: string;
}

/** The concrete input dims at batch 1: symbolic H and W take the input size. */
export function probeInputDims(g: OnnxGraph, layout: OnnxLayout, inputSize: [number, number]): number[] {
  const d = g.input.dims.slice();
  d[0] = 1;
  const [hAxis, wAxis, cAxis] = layout === 'NCHW' ? [d.length - 2, d.length - 1, 1] : [d.length - 3, d.length - 2, d.length - 1];
  if (d[hAxis]! < 1) d[hAxis] = inputSize[0];
  if (d[wAxis]! < 1) d[wAxis] = inputSize[1];
  if (d[cAxis]! < 1) d[cAxis] = 3;
  for (let i = 1; i < d.length; i++) if (d[i]! < 1) d[i] = 1;
  return d;
}

export async function inferShapes(g: OnnxGraph, layout: OnnxLayout, inputSize: [number, number], threads: number): Promise<Map<string, TensorFacts>> {
  const session = await createSession(allOutputsModel(g), threads, g.where);
  try {
    const dims = probeInputDims(g, layout, inputSize);
    const x = new ort.Tensor('float32', new Float32Array(dims.reduce((a, b) => a * b, 1)), dims);
    let out: ort.InferenceSession.OnnxValueMapType;
    try {
      out = await session.run({ [g.input.name]: x });
    } catch (e) {
      throw new ModelFileError(`${g.where}: ONNX Runtime failed on a ${dims.join('x')} input: ${(e as Error).message.split('\n')[0]}`);
    }
    const facts = new Map<string, TensorFacts>();
    for (const [name, v] of Object.entries(out)) {
      const t = v as ort.Tensor;
      facts.set(name, { dims: t.dims.map(Number), type: t.type });
    }
    return facts;
  } finally {
    await session.release();
  }
}
