// One ONNX backend-test case folder (model.onnx, test_data_set_0/input_N.pb, output_N.pb) read with
// the project's ONNX reader, and the roles of its graph inputs. The test data feeds weights, shapes,
// axes and bounds as graph inputs; exported models carry them as initializers, so those inputs
// (PARAMETER_SLOTS) become initializers here and the translator sees them as it does in a real head.
// The first remaining input is the features; the others are side inputs (varying tensors).
import fs from 'node:fs';
import path from 'node:path';
import { decodeModel, onnx, type ModelProto, type TensorProto } from './onnxProto.js';

/** Operator input slots that hold parameters (constants in exported models). */
const PARAMETER_SLOTS: Record<string, readonly number[]> = {
  Conv: [1, 2],
  ConvTranspose: [1, 2],
  BatchNormalization: [1, 2, 3, 4],
  InstanceNormalization: [1, 2],
  LayerNormalization: [1, 2],
  Gemm: [1, 2],
  MatMul: [1],
  PRelu: [1],
  Clip: [1, 2],
  Reshape: [1],
  Slice: [1, 2, 3, 4],
  Pad: [1, 2],
  Squeeze: [1],
  Unsqueeze: [1],
  ReduceSum: [1],
  ReduceMean: [1],
  ReduceMax: [1],
  ReduceMin: [1],
  ReduceSumSquare: [1],
  Gather: [1],
  GatherElements: [1],
  Dropout: [1, 2],
  Resize: [1, 2, 3],
};

export interface ConformanceCase {
  name: string;
  /** the model, with parameter inputs moved to its initializers */
  model: ModelProto;
  bytes: Uint8Array;
  /** data inputs in graph order: the features first, then side inputs */
  inputs: { name: string; value: TensorProto }[];
  outputs: { name: string; value: TensorProto }[];
}

export const DATA_SET = 'test_data_set_0';

/** Case folders (those holding model.onnx) under a folder, itself included, sorted by path. */
export function findCases(dir: string): string[] {
  if (fs.existsSync(path.join(dir, 'model.onnx'))) return [dir];
  const subs = fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory());
  return subs.flatMap((e) => findCases(path.join(dir, e.name))).sort();
}

function readTensor(file: string): TensorProto {
  return onnx.TensorProto.decode(fs.readFileSync(file));
}

export function readCase(dir: string): ConformanceCase {
  const name = path.basename(dir);
  const model = decodeModel(fs.readFileSync(path.join(dir, 'model.onnx')), name);
  const g = model.graph!;
  const inits = new Set((g.initializer ?? []).map((t) => t.name));
  const graphInputs = (g.input ?? []).filter((i) => i.name && !inits.has(i.name));
  const data = path.join(dir, DATA_SET);
  const values = graphInputs.map((_, i) => readTensor(path.join(data, `input_${i}.pb`)));
  const outputs = (g.output ?? []).map((o, i) => ({ name: o.name!, value: readTensor(path.join(data, `output_${i}.pb`)) }));
  const params = new Set<string>();
  for (const n of g.node ?? []) {
    for (const slot of PARAMETER_SLOTS[n.opType ?? ''] ?? []) {
      const x = n.input?.[slot];
      if (x) params.add(x);
    }
  }
  const inputs: ConformanceCase['inputs'] = [];
  graphInputs.forEach((inp, i) => {
    if (params.has(inp.name!)) g.initializer = [...(g.initializer ?? []), { ...values[i]!, name: inp.name! }];
    else inputs.push({ name: inp.name!, value: values[i]! });
  });
  g.input = (g.input ?? []).filter((i) => !params.has(i.name!));
  return { name, model, bytes: onnx.ModelProto.encode(model).finish(), inputs, outputs };
}
