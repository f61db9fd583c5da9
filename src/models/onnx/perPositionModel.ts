// A small ONNX model that applies a head's linear layer to every position of the features (the
// affine map J^T = A W / S of a GAP + linear head, gapLinear.ts): features [1, ..., C] ->
// Reshape [S, C] -> MatMul W -> [S, K]. It is its own session, run after the backbone only for single
// inputs (batched forward passes, as the faithfulness metrics make, never need J), so ONNX Runtime's
// GEMM forms J at a fraction of the TF.js cost.
import { encodeModel, onnx } from './onnxProto.js';

export interface PerPositionLinear {
  /** C x K, row-major */
  weights: Float32Array;
  C: number;
  K: number;
  S: number;
}

export const PER_POSITION_INPUT = 'features';
export const PER_POSITION_OUTPUT = 'per_position';

export function perPositionModel(p: PerPositionLinear): Uint8Array {
  const DT = onnx.TensorProto.DataType;
  const w = p.weights;
  const floatInput = (name: string) => onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: DT.FLOAT } } });
  const m = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'l2caf-studio',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'per_position_linear',
      node: [
        { name: 'rows', opType: 'Reshape', input: [PER_POSITION_INPUT, 'shape'], output: ['rows'] },
        { name: 'times_w', opType: 'MatMul', input: ['rows', 'w'], output: [PER_POSITION_OUTPUT] },
      ],
      initializer: [
        { name: 'shape', dims: [2], dataType: DT.INT64, int64Data: [p.S, p.C] },
        { name: 'w', dims: [p.C, p.K], dataType: DT.FLOAT, rawData: new Uint8Array(w.buffer, w.byteOffset, w.byteLength) },
      ],
      input: [floatInput(PER_POSITION_INPUT)],
      output: [floatInput(PER_POSITION_OUTPUT)],
    },
  });
  return encodeModel(m);
}
