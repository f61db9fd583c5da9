// Writes small TF.js graph models (format "graph-model") by hand, node by node, the way
// tensorflowjs_converter lays them out: modelTopology {node, library, versions} with NodeDef attrs
// in protobuf JSON, Const values in weights.bin listed by the weightsManifest. There is no converter
// (Python) here, so the tests build their graphs with this.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randn } from '../../../src/attention/rng.js';

type AttrJson = Record<string, unknown>;

export const attr = {
  s: (v: string): AttrJson => ({ s: Buffer.from(v, 'utf8').toString('base64') }),
  strs: (v: string[]): AttrJson => ({ list: { s: v.map((x) => Buffer.from(x, 'utf8').toString('base64')) } }),
  i: (v: number): AttrJson => ({ i: String(v) }),
  ints: (v: number[]): AttrJson => ({ list: { i: v.map(String) } }),
  f: (v: number): AttrJson => ({ f: v }),
  b: (v: boolean): AttrJson => ({ b: v }),
  type: (t: 'DT_FLOAT' | 'DT_INT32'): AttrJson => ({ type: t }),
};

interface Weight {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  data: Float32Array | Int32Array;
}

export class GraphBuilder {
  private nodes: Record<string, unknown>[] = [];
  private weights: Weight[] = [];
  private seed: number;

  constructor(seed = 1) {
    this.seed = seed;
  }

  placeholder(name: string, shape: number[]): string {
    this.nodes.push({
      name,
      op: 'Placeholder',
      attr: { dtype: attr.type('DT_FLOAT'), shape: { shape: { dim: shape.map((d) => ({ size: String(d) })) } } },
    });
    return name;
  }

  constant(name: string, shape: number[], data: ArrayLike<number>, dtype: 'float32' | 'int32' = 'float32'): string {
    const n = shape.reduce((a, b) => a * b, 1);
    if (data.length !== n) throw new Error(`constant ${name}: ${data.length} values for shape [${shape.join(', ')}]`);
    this.weights.push({ name, shape, dtype, data: dtype === 'int32' ? Int32Array.from(data) : Float32Array.from(data) });
    this.nodes.push({
      name,
      op: 'Const',
      attr: {
        value: { tensor: { dtype: dtype === 'int32' ? 'DT_INT32' : 'DT_FLOAT', tensorShape: { dim: shape.map((d) => ({ size: String(d) })) } } },
        dtype: attr.type(dtype === 'int32' ? 'DT_INT32' : 'DT_FLOAT'),
      },
    });
    return name;
  }

  /** A float constant with N(0, scale^2) values from the builder's seed. */
  random(name: string, shape: number[], scale: number): string {
    const n = shape.reduce((a, b) => a * b, 1);
    const v = randn(n, this.seed++).map((x) => x * scale);
    return this.constant(name, shape, v);
  }

  op(name: string, op: string, inputs: string[], attrs: Record<string, AttrJson> = {}): string {
    const withT = op === 'Pack' || op === 'Shape' || op === 'StridedSlice' ? attrs : { T: attr.type('DT_FLOAT'), ...attrs };
    this.nodes.push({ name, op, input: inputs, attr: withT });
    return name;
  }

  /** Writes model.json and weights.bin into dir (created); returns the model.json path. */
  save(dir: string, signature?: { inputs: Record<string, string>; outputs: Record<string, string> }): string {
    mkdirSync(dir, { recursive: true });
    const bytes = this.weights.map((w) => Buffer.from(w.data.buffer, w.data.byteOffset, w.data.byteLength));
    writeFileSync(path.join(dir, 'weights.bin'), Buffer.concat(bytes));
    const json = {
      format: 'graph-model',
      generatedBy: '2.15.0',
      convertedBy: 'l2caf-studio tests (graphBuilder.ts)',
      modelTopology: { node: this.nodes, library: {}, versions: { producer: 1286 } },
      weightsManifest: [{ paths: ['weights.bin'], weights: this.weights.map(({ name, shape, dtype }) => ({ name, shape, dtype })) }],
      // as SavedModel exports write it: signature key -> tensor name
      ...(signature && {
        signature: {
          inputs: Object.fromEntries(Object.entries(signature.inputs).map(([k, v]) => [k, { name: v, dtype: 'DT_FLOAT' }])),
          outputs: Object.fromEntries(Object.entries(signature.outputs).map(([k, v]) => [k, { name: v, dtype: 'DT_FLOAT' }])),
        },
      }),
    };
    const file = path.join(dir, 'model.json');
    writeFileSync(file, JSON.stringify(json));
    return file;
  }
}
