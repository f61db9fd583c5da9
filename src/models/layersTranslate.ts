// Translates one Keras layer (as loaded by tfjs-layers) into plain TF.js ops for the head.
// Why not call layer.apply? On the wasm backend the layers' fused convolution asks for the filter
// gradient (Conv2DBackpropFilter), which wasm lacks; plain ops with constant weights only need
// the input gradient. Dense layers become a matMul (measured ~2.5x faster per head gradient on wasm
// than going through the layer). Each translated layer also says how it depends on its input, so
// the head can be classified as affine in the filter (exact solvers, CAM) or not.
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { activationFn, isLinearActivation, leakyRelu } from './activations.js';
import { constKernel, conv2dConst, convPads } from './convInputGrad.js';
import { FilteredConvKernel, mapFiltered, type PrepareFiltered } from './filteredConv.js';
import type { Owned } from './owned.js';

type Layer = LayersModel['layers'][number];

/**
 * How a layer's output depends on its (first) input:
 * 'identity'   passes it through (dropout, noise, linear activation);
 * 'pointwise'  affine per spatial position (1x1 conv, Dense on the channel axis, batch norm);
 * 'gap'        global average pooling over the spatial axes;
 * 'affine'     affine but mixing positions (any linear conv, average pooling, flatten, reshape, padding);
 * 'nonlinear'  anything else.
 */
export type OpKind = 'identity' | 'pointwise' | 'gap' | 'affine' | 'nonlinear';

export interface TranslatedLayer {
  name: string;
  className: string;
  kind: OpKind;
  /** Inputs in order; tensors with batch 1 are broadcast over the batch where the op needs it. */
  fn: (inputs: tf.Tensor[]) => tf.Tensor;
  /**
   * When the layer can read the filtered features factored (a 2-D conv: filteredConv.ts): from the
   * chosen layer's output A, f -> this layer's output.
   */
  filtered?: PrepareFiltered;
  /** Whether this layer's activation is a softmax (used to strip the model's final softmax). */
  endsInSoftmax: boolean;
  /** The same layer without its softmax activation (only when endsInSoftmax and it has other work). */
  withoutSoftmax?: TranslatedLayer;
  /**
   * Tensors (and tensor caches) this translation created, disposed with the split. Weights read
   * from the layers are the model's own variables and are not listed: the model disposes them.
   */
  owned: Owned[];
}

type Cfg = Record<string, unknown>;

export function weightsByName(layer: Layer): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  const vals = layer.getWeights();
  layer.weights.forEach((w, i) => {
    const short = w.originalName.split('/').pop()!.replace(/:\d+$/, '');
    out.set(short, vals[i]!);
  });
  return out;
}

function need(map: Map<string, tf.Tensor>, key: string, layer: Layer): tf.Tensor {
  const t = map.get(key);
  if (!t) throw new Error(`layer ${layer.name}: weight "${key}" not found`);
  return t;
}

function pair(v: unknown, d: number): [number, number] {
  if (Array.isArray(v)) return [Number(v[0]), Number(v[1] ?? v[0])];
  if (v == null) return [d, d];
  return [Number(v), Number(v)];
}

function triple(v: unknown, d: number): [number, number, number] {
  if (Array.isArray(v)) return [Number(v[0]), Number(v[1] ?? v[0]), Number(v[2] ?? v[0])];
  if (v == null) return [d, d, d];
  return [Number(v), Number(v), Number(v)];
}

function channelsLast(layer: Layer, cfg: Cfg): void {
  const df = cfg['data_format'] ?? cfg['dataFormat'];
  if (df != null && df !== 'channelsLast' && df !== 'channels_last') {
    throw new Error(`layer ${layer.name}: data format ${String(df)} is not supported (channels last only)`);
  }
}

/** Repeats batch-1 inputs to the largest batch, for ops that do not broadcast (concat). */
function matchBatch(xs: tf.Tensor[]): tf.Tensor[] {
  const b = Math.max(...xs.map((x) => x.shape[0] ?? 1));
  return xs.map((x) => (x.shape[0] === b ? x : tf.tile(x, [b, ...x.shape.slice(1).map(() => 1)])));
}

function conv(layer: Layer, cfg: Cfg, rank: 2 | 3): Omit<TranslatedLayer, 'name' | 'className'> {
  channelsLast(layer, cfg);
  const w = weightsByName(layer);
  const kernel = need(w, 'kernel', layer);
  const bias = cfg['use_bias'] === false || cfg['useBias'] === false ? null : (w.get('bias') ?? null);
  const padding = String(cfg['padding'] ?? 'valid') as 'same' | 'valid';
  const act = String(cfg['activation'] ?? 'linear');
  // 2-D: the input gradient as a forward convolution (convInputGrad.ts), its flipped kernel owned here
  const k2 = rank === 2 ? constKernel(kernel as tf.Tensor4D) : null;
  const build = (a: string) => {
    const f = activationFn(a, `layer ${layer.name}`);
    if (k2) {
      const strides = pair(cfg['strides'], 1);
      const dil = pair(cfg['dilation_rate'] ?? cfg['dilationRate'], 1);
      return (xs: tf.Tensor[]) => {
        let y: tf.Tensor = conv2dConst(xs[0] as tf.Tensor4D, k2, strides, padding, dil);
        if (bias) y = tf.add(y, bias);
        return f(y);
      };
    }
    const strides = triple(cfg['strides'], 1);
    const dil = triple(cfg['dilation_rate'] ?? cfg['dilationRate'], 1);
    return (xs: tf.Tensor[]) => {
      let y: tf.Tensor = tf.conv3d(xs[0] as tf.Tensor5D, kernel as tf.Tensor5D, strides, padding, 'NDHWC', dil);
      if (bias) y = tf.add(y, bias);
      return f(y);
    };
  };
  // 2-D: the same layer with the filtered features factored (filteredConv.ts)
  const strides2 = pair(cfg['strides'], 1);
  const dil2 = pair(cfg['dilation_rate'] ?? cfg['dilationRate'], 1);
  const factored = k2 ? new FilteredConvKernel(k2.kernel, strides2, dil2) : null;
  const filtered = (a: string): PrepareFiltered | undefined => {
    if (!k2 || !factored) return undefined;
    const f = activationFn(a, `layer ${layer.name}`);
    return (A) => mapFiltered(factored.prepare(A, convPads(A, k2, strides2, padding, dil2)), (y) => f(bias ? tf.add(y, bias) : y));
  };
  const ks = kernel.shape.slice(0, rank);
  const st = rank === 2 ? pair(cfg['strides'], 1) : triple(cfg['strides'], 1);
  const pointwise = ks.every((k) => k === 1) && st.every((s) => s === 1);
  const linear = isLinearActivation(act);
  const kind: OpKind = linear ? (pointwise ? 'pointwise' : 'affine') : 'nonlinear';
  const owned: Owned[] = k2 ? [k2.flipped, factored!] : [];
  const out = { kind, fn: build(act), filtered: filtered(act), endsInSoftmax: act === 'softmax', owned };
  if (act === 'softmax') {
    return {
      ...out,
      withoutSoftmax: {
        name: layer.name,
        className: layer.getClassName(),
        kind: pointwise ? 'pointwise' : 'affine',
        fn: build('linear'),
        filtered: filtered('linear'),
        endsInSoftmax: false,
        owned,
      },
    };
  }
  return out;
}

function dense(layer: Layer, cfg: Cfg): Omit<TranslatedLayer, 'name' | 'className'> {
  const w = weightsByName(layer);
  const kernel = need(w, 'kernel', layer) as tf.Tensor2D;
  const bias = cfg['use_bias'] === false || cfg['useBias'] === false ? null : (w.get('bias') ?? null);
  const act = String(cfg['activation'] ?? 'linear');
  const build = (a: string) => {
    const f = activationFn(a, `layer ${layer.name}`);
    return (xs: tf.Tensor[]) => {
      const x = xs[0]!;
      // Dense acts on the last axis; for rank > 2 fold the other axes into rows for one matMul.
      const rows = x.rank === 2 ? (x as tf.Tensor2D) : tf.reshape(x, [-1, x.shape[x.rank - 1]!]) as tf.Tensor2D;
      let y: tf.Tensor = tf.matMul(rows, kernel);
      if (bias) y = tf.add(y, bias);
      if (x.rank !== 2) y = tf.reshape(y, [...x.shape.slice(0, -1), kernel.shape[1]]);
      return f(y);
    };
  };
  const linear = isLinearActivation(act);
  // Dense on a rank > 2 input works per position; on vectors it is an ordinary affine map.
  const kind: OpKind = linear ? 'pointwise' : 'nonlinear';
  const out = { kind, fn: build(act), endsInSoftmax: act === 'softmax', owned: [] as tf.Tensor[] };
  if (act === 'softmax') {
    return { ...out, withoutSoftmax: { name: layer.name, className: 'Dense', kind: 'pointwise', fn: build('linear'), endsInSoftmax: false, owned: [] } };
  }
  return out;
}

function batchNorm(layer: Layer, cfg: Cfg): Omit<TranslatedLayer, 'name' | 'className'> {
  const axis = cfg['axis'];
  if (axis != null && axis !== -1 && !(Array.isArray(axis) && axis.length === 1 && axis[0] === -1)) {
    // Keras stores the resolved axis (e.g. 3 for NHWC); only the channel axis is supported, checked at run time.
  }
  const w = weightsByName(layer);
  const eps = Number(cfg['epsilon'] ?? 1e-3);
  const mean = need(w, 'moving_mean', layer);
  const variance = need(w, 'moving_variance', layer);
  const gamma = w.get('gamma');
  const beta = w.get('beta');
  // Inference-time batch norm is y = x * scale + shift: fold it once.
  const scale = tf.tidy(() => tf.div(gamma ?? tf.onesLike(mean), tf.sqrt(tf.add(variance, eps))));
  const shift = tf.tidy(() => tf.sub(beta ?? tf.zerosLike(mean), tf.mul(mean, scale)));
  const channels = mean.shape[0]!;
  return {
    kind: 'pointwise',
    fn: (xs) => {
      const x = xs[0]!;
      if (x.shape[x.rank - 1] !== channels) throw new Error(`layer ${layer.name}: batch normalisation on a non-channel axis is not supported`);
      return tf.add(tf.mul(x, scale), shift);
    },
    endsInSoftmax: false,
    owned: [scale, shift],
  };
}

/** Translates a layer; throws a clear error for layer classes the head cannot run. */
export function translateLayer(layer: Layer): TranslatedLayer {
  const className = layer.getClassName();
  const cfg = layer.getConfig() as Cfg;
  const base = { name: layer.name, className };
  const simple = (kind: OpKind, fn: (xs: tf.Tensor[]) => tf.Tensor, endsInSoftmax = false): TranslatedLayer => ({ ...base, kind, fn, endsInSoftmax, owned: [] });
  switch (className) {
    case 'Conv2D':
      return { ...base, ...conv(layer, cfg, 2) };
    case 'Conv3D':
      return { ...base, ...conv(layer, cfg, 3) };
    case 'Dense':
      return { ...base, ...dense(layer, cfg) };
    case 'BatchNormalization':
      return { ...base, ...batchNorm(layer, cfg) };
    case 'Activation': {
      const a = String(cfg['activation'] ?? 'linear');
      return simple(isLinearActivation(a) ? 'identity' : 'nonlinear', (xs) => activationFn(a, `layer ${layer.name}`)(xs[0]!), a === 'softmax');
    }
    case 'Softmax':
      return simple('nonlinear', (xs) => tf.softmax(xs[0]!), true);
    case 'ReLU': {
      const maxValue = cfg['max_value'] ?? cfg['maxValue'];
      return simple('nonlinear', (xs) => (maxValue == null ? tf.relu(xs[0]!) : tf.clipByValue(xs[0]!, 0, Number(maxValue))));
    }
    case 'LeakyReLU': {
      const alpha = Number(cfg['alpha'] ?? cfg['negative_slope'] ?? 0.3);
      return simple('nonlinear', (xs) => leakyRelu(xs[0]!, alpha));
    }
    case 'ELU': {
      const alpha = Number(cfg['alpha'] ?? 1);
      return simple('nonlinear', (xs) => (alpha === 1 ? tf.elu(xs[0]!) : tf.where(tf.greater(xs[0]!, 0), xs[0]!, tf.mul(alpha, tf.sub(tf.exp(xs[0]!), 1)))));
    }
    case 'PReLU': {
      const alpha = need(weightsByName(layer), 'alpha', layer);
      return { ...base, kind: 'nonlinear', fn: (xs) => tf.prelu(xs[0]!, alpha), endsInSoftmax: false, owned: [] };
    }
    case 'GlobalAveragePooling2D':
    case 'GlobalAveragePooling3D': {
      const axes = className.endsWith('2D') ? [1, 2] : [1, 2, 3];
      const keep = Boolean(cfg['keepdims'] ?? cfg['keepDims'] ?? false);
      return simple('gap', (xs) => tf.mean(xs[0]!, axes, keep));
    }
    case 'GlobalMaxPooling2D':
    case 'GlobalMaxPooling3D': {
      const axes = className.endsWith('2D') ? [1, 2] : [1, 2, 3];
      const keep = Boolean(cfg['keepdims'] ?? cfg['keepDims'] ?? false);
      return simple('nonlinear', (xs) => tf.max(xs[0]!, axes, keep));
    }
    case 'AveragePooling2D':
    case 'MaxPooling2D': {
      channelsLast(layer, cfg);
      const pool = pair(cfg['pool_size'] ?? cfg['poolSize'], 2);
      const strides = pair(cfg['strides'] ?? pool, pool[0]);
      const pad = String(cfg['padding'] ?? 'valid') as 'same' | 'valid';
      const avg = className.startsWith('Average');
      return simple(avg ? 'affine' : 'nonlinear', (xs) =>
        avg ? tf.avgPool(xs[0] as tf.Tensor4D, pool, strides, pad) : tf.maxPool(xs[0] as tf.Tensor4D, pool, strides, pad),
      );
    }
    case 'AveragePooling3D':
    case 'MaxPooling3D': {
      channelsLast(layer, cfg);
      const pool = triple(cfg['pool_size'] ?? cfg['poolSize'], 2);
      const strides = triple(cfg['strides'] ?? pool, pool[0]);
      const pad = String(cfg['padding'] ?? 'valid') as 'same' | 'valid';
      const avg = className.startsWith('Average');
      return simple(avg ? 'affine' : 'nonlinear', (xs) =>
        avg ? tf.avgPool3d(xs[0] as tf.Tensor5D, pool, strides, pad) : tf.maxPool3d(xs[0] as tf.Tensor5D, pool, strides, pad),
      );
    }
    case 'Flatten':
      return simple('affine', (xs) => tf.reshape(xs[0]!, [xs[0]!.shape[0]!, -1]));
    case 'Reshape': {
      const target = (cfg['target_shape'] ?? cfg['targetShape']) as number[];
      return simple('affine', (xs) => tf.reshape(xs[0]!, [xs[0]!.shape[0]!, ...target]));
    }
    case 'ZeroPadding2D': {
      const p = cfg['padding'] as unknown;
      let pads: [[number, number], [number, number]];
      if (Array.isArray(p) && Array.isArray(p[0])) pads = [[p[0][0], p[0][1]], [(p[1] as number[])[0]!, (p[1] as number[])[1]!]];
      else {
        const [a, b] = pair(p, 1);
        pads = [[a, a], [b, b]];
      }
      return simple('affine', (xs) => tf.pad(xs[0]!, [[0, 0], pads[0], pads[1], [0, 0]]));
    }
    case 'Dropout':
    case 'SpatialDropout1D':
    case 'SpatialDropout2D':
    case 'SpatialDropout3D':
    case 'GaussianNoise':
    case 'GaussianDropout':
    case 'AlphaDropout':
    case 'ActivityRegularization':
      // identity at inference
      return simple('identity', (xs) => xs[0]!);
    case 'Add':
      return simple('affine', (xs) => xs.slice(1).reduce((a, b) => tf.add(a, b), xs[0]!));
    case 'Subtract':
      return simple('affine', (xs) => tf.sub(xs[0]!, xs[1]!));
    case 'Average':
      return simple('affine', (xs) => tf.div(xs.slice(1).reduce((a, b) => tf.add(a, b), xs[0]!), xs.length));
    case 'Multiply':
      return simple('nonlinear', (xs) => xs.slice(1).reduce((a, b) => tf.mul(a, b), xs[0]!));
    case 'Maximum':
      return simple('nonlinear', (xs) => xs.slice(1).reduce((a, b) => tf.maximum(a, b), xs[0]!));
    case 'Minimum':
      return simple('nonlinear', (xs) => xs.slice(1).reduce((a, b) => tf.minimum(a, b), xs[0]!));
    case 'Concatenate': {
      const axis = Number(cfg['axis'] ?? -1);
      return simple('affine', (xs) => tf.concat(matchBatch(xs), axis));
    }
    default:
      throw new Error(
        `layer ${layer.name}: layer type ${className} is not supported in the head (the part after the chosen layer); choose a later layer with --layer`,
      );
  }
}
