// A TF.js layers head written as ONNX (channels-first), the forward graph of its gradient model
// (onnx/gradModel.ts), so the solver's passes on these heads run on ONNX Runtime too. Only the
// layers whose ONNX form and gradient rule are exact copies of the TF.js translation
// (layersTranslate.ts) are written; any other layer returns a reason and the head stays on TF.js.
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { weightsByName } from './layersTranslate.js';
import { makeNode, type AttrValue } from './onnx/onnxVjp.js';
import { floatTensor, type ForwardGraph } from './onnx/gradModel.js';
import type { NodeProto, TensorProto } from './onnx/onnxProto.js';

type Layer = LayersModel['layers'][number];
type Cfg = Record<string, unknown>;

export interface LayerStep {
  layer: Layer;
  /** per input: 'f' = the filtered features, a number = output of step k, {side: i} = side tensor i */
  inputs: ('f' | number | { side: number })[];
  /** the step's output shape without the batch axis, channels last (Keras) */
  outputShape: number[];
}

/** Keras channels-last shape without batch -> ONNX channels-first dims at batch 1. */
export function channelsFirstDims(shape: readonly number[]): number[] {
  return shape.length >= 2 ? [1, shape[shape.length - 1]!, ...shape.slice(0, -1)] : [1, ...shape];
}

class Unsupported extends Error {}

const pair = (v: unknown, d: number): [number, number] => (Array.isArray(v) ? [Number(v[0]), Number(v[1] ?? v[0])] : v == null ? [d, d] : [Number(v), Number(v)]);

/**
 * steps: the head (layersSplit.ts) with its final softmax already dropped when `lastWithoutSoftmax`
 * (the last layer's softmax activation is then not written). Side tensors come channels-last.
 */
export function layersForwardGraph(
  steps: readonly LayerStep[],
  featureShape: readonly number[],
  sideShapes: readonly number[][],
  lastWithoutSoftmax: boolean,
): ForwardGraph | { reason: string } {
  const nodes: NodeProto[] = [];
  const initializers = new Map<string, TensorProto>();
  const constValues = new Map<string, Float32Array>();
  const dimsOf = new Map<string, number[]>();
  let counter = 0;
  const fresh = (hint: string) => `l2caf_${hint}_${counter++}`;
  const add = (op: string, inputs: string[], outDims: number[], attrs: Record<string, AttrValue> = {}, floats: string[] = []): string => {
    const out = fresh(op);
    nodes.push(makeNode(op, inputs, [out], attrs, floats));
    dimsOf.set(out, outDims);
    return out;
  };
  const floatConst = (values: ArrayLike<number>, dims: number[]): string => {
    const name = fresh('w');
    const v = Float32Array.from(values);
    initializers.set(name, floatTensor(name, v, dims));
    constValues.set(name, v);
    dimsOf.set(name, dims);
    return name;
  };

  const input = { name: 'l2caf_features', dims: channelsFirstDims(featureShape) };
  dimsOf.set(input.name, input.dims);
  // side tensors are fed channels-last as the backbone gives them, transposed here
  const side = sideShapes.map((s, i) => ({ name: `l2caf_side_${i}`, dims: [1, ...s] }));
  const sideNames = side.map((s, i) => {
    dimsOf.set(s.name, s.dims);
    return s.dims.length >= 3 ? add('Transpose', [s.name], channelsFirstDims(sideShapes[i]!), { perm: [0, s.dims.length - 1, ...s.dims.slice(1, -1).map((_, j) => j + 1)] }) : s.name;
  });

  const activation = (a: string, x: string, dims: number[], where: string): string => {
    switch (a) {
      case 'linear':
      case '':
        return x;
      case 'relu':
        return add('Relu', [x], dims);
      case 'sigmoid':
        return add('Sigmoid', [x], dims);
      case 'tanh':
        return add('Tanh', [x], dims);
      default:
        throw new Unsupported(`${where}: activation ${a}`);
    }
  };

  // Keras flattens channels-last: [1, C, h, w] -> [1, h * w * C] in that order
  const flattenChannelsLast = (x: string, d: number[]): string => {
    const nhwc = add('Transpose', [x], [1, ...d.slice(2), d[1]!], { perm: [0, ...d.slice(2).map((_, j) => j + 2), 1] });
    return add('Flatten', [nhwc], [1, d.slice(1).reduce((a, b) => a * b, 1)], { axis: 1 });
  };

  const outNames: string[] = [];
  try {
    steps.forEach((s, k) => {
      const layer = s.layer;
      const cls = layer.getClassName();
      const cfg = layer.getConfig() as Cfg;
      const where = `layer ${layer.name} (${cls})`;
      const xs = s.inputs.map((i) => (i === 'f' ? input.name : typeof i === 'number' ? outNames[i]! : sideNames[i.side]!));
      const x = xs[0]!;
      const xd = dimsOf.get(x)!;
      const od = channelsFirstDims(s.outputShape);
      let act = String(cfg['activation'] ?? 'linear');
      if (k === steps.length - 1 && lastWithoutSoftmax) act = 'linear';
      let y: string;
      switch (cls) {
        case 'Conv2D': {
          const df = cfg['data_format'] ?? cfg['dataFormat'];
          if ((df != null && df !== 'channelsLast' && df !== 'channels_last') || xd.length !== 4) throw new Unsupported(`${where}: layout`);
          if (Number(cfg['groups'] ?? 1) !== 1) throw new Unsupported(`${where}: groups`);
          const w = weightsByName(layer);
          const kernel = w.get('kernel')!;
          const [kh, kw] = kernel.shape as number[];
          const strides = pair(cfg['strides'], 1);
          const dil = pair(cfg['dilation_rate'] ?? cfg['dilationRate'], 1);
          const padding = String(cfg['padding'] ?? 'valid');
          if (padding !== 'same' && padding !== 'valid') throw new Unsupported(`${where}: padding ${padding}`);
          // TF 'same': the total padding split with the extra row at the end
          const pads = [0, 0, 0, 0];
          if (padding === 'same') {
            [kh!, kw!].forEach((kk, i) => {
              const n = xd[i + 2]!;
              const total = Math.max((Math.ceil(n / strides[i]!) - 1) * strides[i]! + (kk - 1) * dil[i]! + 1 - n, 0);
              pads[i] = Math.floor(total / 2);
              pads[i + 2] = total - pads[i]!;
            });
          }
          const oihw = tf.transpose(kernel, [3, 2, 0, 1]);
          const wname = floatConst(oihw.dataSync(), [kernel.shape[3]!, kernel.shape[2]!, kh!, kw!]);
          oihw.dispose();
          const useBias = !(cfg['use_bias'] === false || cfg['useBias'] === false) && w.get('bias');
          const ins = useBias ? [x, wname, floatConst(w.get('bias')!.dataSync(), [kernel.shape[3]!])] : [x, wname];
          y = activation(act, add('Conv', ins, od, { kernel_shape: [kh!, kw!], strides, dilations: dil, pads }), od, where);
          break;
        }
        case 'Dense': {
          if (xd.length !== 2) throw new Unsupported(`${where}: on a rank-${xd.length} input`);
          const w = weightsByName(layer);
          const kernel = w.get('kernel')!;
          const useBias = !(cfg['use_bias'] === false || cfg['useBias'] === false) && w.get('bias');
          const wname = floatConst(kernel.dataSync(), kernel.shape);
          const mm = add('MatMul', [x, wname], od);
          y = activation(act, useBias ? add('Add', [mm, floatConst(w.get('bias')!.dataSync(), [kernel.shape[1]!])], od) : mm, od, where);
          break;
        }
        case 'BatchNormalization': {
          const w = weightsByName(layer);
          const mean = w.get('moving_mean')!;
          const C = mean.shape[0]!;
          if (xd[1] !== C) throw new Unsupported(`${where}: not on the channel axis`);
          const eps = Number(cfg['epsilon'] ?? 1e-3);
          const gamma = w.get('gamma')?.dataSync() ?? new Float32Array(C).fill(1);
          const beta = w.get('beta')?.dataSync() ?? new Float32Array(C);
          y = add('BatchNormalization', [x, floatConst(gamma, [C]), floatConst(beta, [C]), floatConst(mean.dataSync(), [C]), floatConst(w.get('moving_variance')!.dataSync(), [C])], od, { epsilon: eps }, ['epsilon']);
          break;
        }
        case 'Activation':
          y = activation(act, x, od, where);
          break;
        case 'ReLU': {
          const maxValue = cfg['max_value'] ?? cfg['maxValue'];
          if (Number(cfg['negative_slope'] ?? cfg['negativeSlope'] ?? 0) !== 0 || Number(cfg['threshold'] ?? 0) !== 0) throw new Unsupported(`${where}: slope or threshold`);
          y = maxValue == null ? add('Relu', [x], od) : add('Clip', [x, floatConst([0], []), floatConst([Number(maxValue)], [])], od);
          break;
        }
        case 'LeakyReLU':
          y = add('LeakyRelu', [x], od, { alpha: Number(cfg['alpha'] ?? cfg['negative_slope'] ?? 0.3) }, ['alpha']);
          break;
        case 'GlobalAveragePooling2D': {
          if (cfg['keepdims'] === true || xd.length !== 4) throw new Unsupported(`${where}: keepdims`);
          y = add('Flatten', [add('GlobalAveragePool', [x], [...xd.slice(0, 2), 1, 1])], od, { axis: 1 });
          break;
        }
        case 'Flatten':
          // Keras flattens channels-last
          y = xd.length === 2 ? x : flattenChannelsLast(x, xd);
          break;
        case 'Dropout':
        case 'SpatialDropout2D':
        case 'GaussianNoise':
        case 'GaussianDropout':
        case 'AlphaDropout':
        case 'ActivityRegularization':
          y = x;
          break;
        case 'Add':
        case 'Multiply':
        case 'Average': {
          if (!xs.every((n) => sameDims(dimsOf.get(n)!, od))) throw new Unsupported(`${where}: broadcasting`);
          if (cls === 'Multiply') y = xs.slice(1).reduce((a, b) => add('Mul', [a, b], od), xs[0]!);
          else {
            y = xs.length === 2 ? add('Add', xs, od) : add('Sum', xs, od);
            if (cls === 'Average') y = add('Mul', [y, floatConst([1 / xs.length], [])], od);
          }
          break;
        }
        default:
          throw new Unsupported(where);
      }
      outNames.push(y);
    });
  } catch (e) {
    if (e instanceof Unsupported) return { reason: `no ONNX form for ${e.message}` };
    throw e;
  }
  let out = outNames[outNames.length - 1]!;
  if (out === input.name || sideNames.includes(out)) return { reason: 'the head does nothing' };
  // the head's outputs in TF.js order: a spatial output is flattened channels-last
  const od = dimsOf.get(out)!;
  if (od.length > 2) out = flattenChannelsLast(out, od);
  return {
    nodes,
    initializers,
    constValues,
    input,
    side,
    output: { name: out, dims: dimsOf.get(out)! },
    dims: (n) => dimsOf.get(n) ?? null,
    opsetImport: [{ domain: '', version: 13 }],
    irVersion: 7,
  };
}

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
