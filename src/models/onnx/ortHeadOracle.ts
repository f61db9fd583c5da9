// The head's forward+backward graph (gradModel.ts) run on ONNX Runtime, one synchronous session
// run a pass: as the sphere solver's oracle (loss and df = sum_c A * dX for a filter f), and as
// Grad-CAM's gradient with respect to the unfiltered features. The features stay fixed for a
// solve, so they are put in the model's layout once; a pass multiplies them by f and runs.
import * as ort from 'onnxruntime-node';
import type { SphereOracle } from '../../attention/sphereLbfgs.js';
import { seedGradient, seedLoss, type LossSeed } from '../../attention/lossSeed.js';
import { GRAD_OFFSET, GRAD_SCALE, type GradGraph } from './gradModel.js';
import type { SyncSession } from './ortSync.js';
import type { OnnxLayout } from './onnxLayout.js';

/** Channels-last [S, C] data as channels-first [C, S]. */
export function toChannelsFirst(data: Float32Array, S: number, C: number): Float32Array {
  const out = new Float32Array(S * C);
  for (let s = 0; s < S; s++) for (let c = 0; c < C; c++) out[c * S + s] = data[s * C + c]!;
  return out;
}

/** Channels-first [C, S] data as channels-last [S, C]. */
export function toChannelsLast(data: Float32Array, S: number, C: number): Float32Array {
  const out = new Float32Array(S * C);
  for (let c = 0; c < C; c++) for (let s = 0; s < S; s++) out[s * C + c] = data[c * S + s]!;
  return out;
}

export interface HeadInput {
  session: SyncSession;
  graph: GradGraph;
  /** the graph input's layout */
  layout: OnnxLayout;
  /** one input's channels-last features [S, C] */
  features: Float32Array;
  S: number;
  /** the side tensors' values, fed as they are */
  side: readonly Float32Array[];
}

/** f -> the head's outputs FT and dX (graph layout) for the loss `seed`; `a` is the features in graph layout. */
function headRunner(h: HeadInput, seed: LossSeed) {
  const { graph, S } = h;
  const C = h.features.length / S;
  const channelsFirst = h.layout === 'NCHW';
  const a = channelsFirst ? toChannelsFirst(h.features, S, C) : h.features;
  const x = new Float32Array(a.length);
  const { scale, offset } = seedGradient(seed);
  const feeds: Record<string, ort.Tensor> = {
    [graph.input]: new ort.Tensor('float32', x, graph.inputDims),
    [GRAD_SCALE]: new ort.Tensor('float32', scale, graph.outputDims),
    [GRAD_OFFSET]: new ort.Tensor('float32', offset, graph.outputDims),
  };
  graph.side.forEach((name, i) => {
    feeds[name] = new ort.Tensor('float32', h.side[i]!, graph.sideDims[i]!);
  });
  const outputs = [graph.output, graph.grad];
  const run = (f: ArrayLike<number>) => {
    if (channelsFirst) {
      for (let c = 0; c < C; c++) for (let s = 0, o = c * S; s < S; s++) x[o + s] = a[o + s]! * f[s]!;
    } else {
      for (let s = 0; s < S; s++) for (let c = 0, o = s * C; c < C; c++) x[o + c] = a[o + c]! * f[s]!;
    }
    const [ft, dx] = h.session.run(feeds, outputs);
    return { ft: ft!, dx: dx! };
  };
  return { run, a, C, channelsFirst };
}

export function ortHeadOracle(h: HeadInput, seed: LossSeed): SphereOracle {
  const { run, a, C, channelsFirst } = headRunner(h, seed);
  const S = h.S;
  return (f) => {
    const { ft, dx } = run(f);
    const grad = new Float64Array(S);
    if (channelsFirst) {
      for (let c = 0; c < C; c++) for (let s = 0, o = c * S; s < S; s++) grad[s] += a[o + s]! * dx[o + s]!;
    } else {
      for (let s = 0; s < S; s++) {
        let g = 0;
        for (let c = 0, o = s * C; c < C; c++) g += a[o + c]! * dx[o + c]!;
        grad[s] = g;
      }
    }
    return { loss: seedLoss(seed, ft), grad };
  };
}

/** The gradient of the loss with respect to the unfiltered features, channels-last [S, C]. */
export function ortFeatureGradient(h: HeadInput, seed: LossSeed): Float32Array {
  const { run, C, channelsFirst } = headRunner(h, seed);
  const { dx } = run(new Float32Array(h.S).fill(1));
  return channelsFirst ? toChannelsLast(dx, h.S, C) : Float32Array.from(dx);
}
