// Reading ONNX protobufs: decoding a model with a one-line error naming the file, attribute
// getters, and initializer/Constant tensors as TF.js tensors. onnx-proto is protobufjs-generated
// (CommonJS), so it is imported as a default and its namespace re-exported for the other modules.
import * as tf from '@tensorflow/tfjs-core';
import onnxPkg from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';
import { ModelFileError } from '../fileHandler.js';

export const onnx = onnxPkg.onnx;
export type ModelProto = OnnxTypes.ModelProto;
export type GraphProto = OnnxTypes.IGraphProto;
export type NodeProto = OnnxTypes.INodeProto;
export type TensorProto = OnnxTypes.ITensorProto;
export type ValueInfoProto = OnnxTypes.IValueInfoProto;

type IntLike = number | { toNumber(): number } | null | undefined;

/** protobufjs gives int64 fields as numbers or Long objects depending on what is installed. */
export function toNum(v: IntLike): number {
  if (v == null) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

/** Decodes model bytes; anything that is not an ONNX model with a graph is a ModelFileError. */
export function decodeModel(bytes: Uint8Array, where: string): ModelProto {
  let m: ModelProto;
  try {
    m = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new ModelFileError(`${where}: not a readable ONNX model (${(e as Error).message})`);
  }
  if (!m.graph || !m.graph.node || m.graph.node.length === 0) {
    throw new ModelFileError(`${where}: not an ONNX model (no graph nodes)`);
  }
  return m;
}

export function encodeModel(m: ModelProto): Uint8Array {
  return onnx.ModelProto.encode(m).finish();
}

/** A node's display name: its name, else its op type and first output. */
export function nodeLabel(n: NodeProto): string {
  return n.name ? `${n.name} (${n.opType})` : `${n.opType} -> ${n.output?.[0] ?? '?'}`;
}

function attr(n: NodeProto, name: string): OnnxTypes.IAttributeProto | undefined {
  return n.attribute?.find((a) => a.name === name);
}
export function attrInt(n: NodeProto, name: string, dflt: number): number {
  const a = attr(n, name);
  return a ? toNum(a.i as IntLike) : dflt;
}
export function attrFloat(n: NodeProto, name: string, dflt: number): number {
  const a = attr(n, name);
  return a && a.f != null ? a.f : dflt;
}
export function attrInts(n: NodeProto, name: string): number[] | null {
  const a = attr(n, name);
  return a && a.ints && a.ints.length ? a.ints.map((v) => toNum(v as IntLike)) : a ? [] : null;
}
export function attrString(n: NodeProto, name: string, dflt: string): string {
  const a = attr(n, name);
  return a && a.s && a.s.length ? new TextDecoder().decode(a.s) : dflt;
}
export function attrTensor(n: NodeProto, name: string): TensorProto | null {
  return attr(n, name)?.t ?? null;
}

const DT = onnx.TensorProto.DataType;

/** An initializer or Constant value as a TF.js tensor (float32; integer types as int32). */
export function tensorFromProto(t: TensorProto, where: string): tf.Tensor {
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    throw new ModelFileError(`${where}: tensor ${t.name ?? ''} keeps its data in an external file (not supported: save the model with its weights inside)`);
  }
  const dims = (t.dims ?? []).map((d) => toNum(d as IntLike));
  const n = dims.reduce((a, b) => a * b, 1);
  const raw = t.rawData && t.rawData.length ? t.rawData : null;
  // rawData is little-endian and may be unaligned: copy it into its own buffer.
  const view = raw ? new DataView(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength)) : null;
  switch (t.dataType) {
    case DT.FLOAT: {
      const out = new Float32Array(n);
      if (view) for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
      else out.set(t.floatData ?? []);
      return tf.tensor(out, dims, 'float32');
    }
    case DT.DOUBLE: {
      const out = new Float32Array(n);
      if (view) for (let i = 0; i < n; i++) out[i] = view.getFloat64(i * 8, true);
      else out.set(t.doubleData ?? []);
      return tf.tensor(out, dims, 'float32');
    }
    case DT.INT64: {
      const out = new Int32Array(n);
      // int64 shapes and indices; values beyond 2^31 (e.g. INT64_MAX as "to the end") are clamped.
      const clamp = (v: number) => Math.max(-2147483648, Math.min(2147483647, v));
      if (view) for (let i = 0; i < n; i++) out[i] = clamp(Number(view.getBigInt64(i * 8, true)));
      else (t.int64Data ?? []).forEach((v, i) => (out[i] = clamp(toNum(v as IntLike))));
      return tf.tensor(out, dims, 'int32');
    }
    case DT.INT32:
    case DT.INT8:
    case DT.UINT8:
    case DT.INT16:
    case DT.BOOL: {
      const out = new Int32Array(n);
      if (view) {
        const size = t.dataType === DT.INT32 ? 4 : t.dataType === DT.INT16 ? 2 : 1;
        for (let i = 0; i < n; i++) {
          out[i] = size === 4 ? view.getInt32(i * 4, true) : size === 2 ? view.getInt16(i * 2, true) : t.dataType === DT.INT8 ? view.getInt8(i) : view.getUint8(i);
        }
      } else out.set(t.int32Data ?? []);
      return tf.tensor(out, dims, 'int32');
    }
    default:
      throw new ModelFileError(`${where}: tensor ${t.name ?? ''} has data type ${String(t.dataType)} (float32, float64 and integer types are supported)`);
  }
}

/** Static dims of a value info ([] when unknown); symbolic dims are -1. */
export function valueInfoDims(v: ValueInfoProto): number[] | null {
  const dims = v.type?.tensorType?.shape?.dim;
  if (!dims) return null;
  return dims.map((d) => (d.dimValue != null && toNum(d.dimValue as IntLike) > 0 ? toNum(d.dimValue as IntLike) : -1));
}
