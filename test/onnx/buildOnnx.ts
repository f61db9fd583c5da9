// Small ONNX models built in the tests with onnx-proto: an input, a few nodes, initializers.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { onnx } from '../../src/models/onnx/onnxProto.js';
import type { onnx as O } from 'onnx-proto';
import { mulberry32 } from '../../src/attention/rng.js';

type AttrValue = { i: number } | { f: number } | { ints: number[] } | { floats: number[] } | { s: string } | { t: O.ITensorProto };
const AT = onnx.AttributeProto.AttributeType;

export function attr(name: string, v: AttrValue): O.IAttributeProto {
  if ('i' in v) return { name, type: AT.INT, i: v.i };
  if ('f' in v) return { name, type: AT.FLOAT, f: v.f };
  if ('ints' in v) return { name, type: AT.INTS, ints: v.ints };
  if ('floats' in v) return { name, type: AT.FLOATS, floats: v.floats };
  if ('s' in v) return { name, type: AT.STRING, s: new TextEncoder().encode(v.s) };
  return { name, type: AT.TENSOR, t: v.t };
}

export function node(opType: string, input: string[], output: string[], attrs: Record<string, AttrValue> = {}, name?: string): O.INodeProto {
  return { opType, input, output, name: name ?? `${opType}_${output[0]}`, attribute: Object.entries(attrs).map(([k, v]) => attr(k, v)) };
}

export function floatTensor(name: string, dims: number[], data: ArrayLike<number>): O.ITensorProto {
  return { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, floatData: Array.from(data) };
}

export function int64Tensor(name: string, dims: number[], data: number[]): O.ITensorProto {
  return { name, dims, dataType: onnx.TensorProto.DataType.INT64, int64Data: data };
}

/** A float tensor of seeded uniform values in [-scale, scale]. */
export function randomTensor(name: string, dims: number[], seed: number, scale = 0.5): O.ITensorProto {
  const r = mulberry32(seed);
  const n = dims.reduce((a, b) => a * b, 1);
  return floatTensor(name, dims, Array.from({ length: n }, () => (r() * 2 - 1) * scale));
}

export interface GraphSpec {
  nodes: O.INodeProto[];
  initializers?: O.ITensorProto[];
  inputs?: { name: string; dims: number[] }[];
  outputs: string[];
  opset?: number;
}

function valueInfo(name: string, dims?: number[]): O.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: dims ? { dim: dims.map((d) => ({ dimValue: d })) } : undefined } },
  };
}

export function buildModel(spec: GraphSpec): Uint8Array {
  const m = onnx.ModelProto.create({
    irVersion: 7,
    producerName: 'l2caf-tests',
    opsetImport: [{ domain: '', version: spec.opset ?? 13 }],
    graph: {
      name: 'test',
      node: spec.nodes,
      initializer: spec.initializers ?? [],
      input: (spec.inputs ?? [{ name: 'x', dims: [1, 3, 8, 8] }]).map((i) => valueInfo(i.name, i.dims)),
      output: spec.outputs.map((o) => valueInfo(o)),
    },
  });
  return onnx.ModelProto.encode(m).finish();
}

let dir: string | null = null;
let count = 0;
/** Writes model bytes to a temporary .onnx file and returns its path. */
export function writeModel(bytes: Uint8Array, name = 'model'): string {
  dir ??= mkdtempSync(path.join(os.tmpdir(), 'l2caf-onnx-test-'));
  const file = path.join(dir, `${name}-${count++}.onnx`);
  writeFileSync(file, bytes);
  return file;
}

/** Removes the temporary folder of writeModel (call in afterAll). */
export function removeWrittenModels(): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
}

/** The reference: the whole model in ONNX Runtime on an NCHW input. */
export async function ortRun(bytes: Uint8Array, input: Float32Array, dims: number[], inputName = 'x'): Promise<{ data: Float32Array; dims: number[] }> {
  const s = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  try {
    const out = await s.run({ [inputName]: new ort.Tensor('float32', input, dims) });
    const t = out[s.outputNames[0]!] as ort.Tensor;
    return { data: t.data as Float32Array, dims: t.dims.map(Number) };
  } finally {
    await s.release();
  }
}
