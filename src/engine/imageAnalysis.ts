// One image through the engine: decode at the model's input size, backbone once, then every
// requested map from the head. Produces the documented image result (see README, "Image JSON").
import * as tf from '@tensorflow/tfjs-core';
import type { AttentionMap, HeadLinearity, Method, SolveOptions } from '../attention/types.js';
import { absValues, normalise01 } from '../attention/index.js';
import type { LoadedModel } from '../models/loadModel.js';
import { inputTensor } from '../models/preprocess.js';
import type { SplitModel } from '../models/split.js';
import { decodeImage, type DecodedImage } from '../media/decodeImage.js';
import { analyzeFeatures, argmax, type MapRequest } from './analyze.js';
import { currentBackend, enginesOf } from './backend.js';
import { topK, type Prediction } from './predictions.js';
import { labelOf, resolveClass, UsageError } from './targets.js';
import { failIfNonFinite, failIfNonFiniteMaps } from './finiteChecks.js';

export interface MapResult {
  method: Method;
  target: { index: number; label: string } | null;
  solver: AttentionMap['solver'];
  iterations: number;
  loss: number | null;
  /** L2-CAF: where the solve started (uniform | linearised | neighbour | random | warm | exact) */
  start?: string;
  /** L2-CAF: head passes of the Adam phase after L-BFGS, only where it ran (L-BFGS ended unconverged); included in iterations */
  adamPasses?: number;
  /** L2-CAF iterative: why the solve ended (optimal | stalled | line-search | pass-limit | settled | iteration-limit) */
  stop?: string;
  ms: number;
  width: number;
  height: number;
  /** present for 3-D filters */
  depth?: number;
  /** row-major, 0..1 (min-max of |f| or of the Grad-CAM/CAM map) */
  values: number[];
  /** the engine's trace (`--trace K`): normalised |f| every K iterations */
  trace?: { iteration: number; loss: number; values: number[]; passes?: number }[];
}

export interface ImageResult {
  input: { path: string; width: number; height: number };
  model: { id: string; layer: string; layerShape: number[]; backend: string; engines: string; outputKind: string };
  predictions: Prediction[];
  maps: MapResult[];
  /** what the decoder reported while still producing a picture (e.g. a truncated JPEG); [] when clean */
  warnings: string[];
  timings: { decodeMs: number; backboneMs: number; totalMs: number };
}

export interface ImageRequestOptions {
  methods: Method[];
  /** class labels or indices for class-specific methods; empty = the top-1 class */
  classes: (string | number)[];
  solve: SolveOptions;
  /** stops the decoder (ffmpeg) and the work between phases */
  signal?: AbortSignal;
  /** told before the maps are solved: the head's kind and one measured forward pass of it (a caller warns of long solves) */
  onBeforeSolve?: (head: { linearity: HeadLinearity; headMs: number }) => void;
}

/** Expands methods x classes into map requests (class-oblivious L2-CAF once). */
export function buildRequests(methods: readonly Method[], targets: readonly number[]): MapRequest[] {
  const out: MapRequest[] = [];
  for (const m of methods) {
    if (m === 'l2caf') out.push({ method: m, target: null });
    else for (const t of targets) out.push({ method: m, target: t });
  }
  return out;
}

export function toMapResult(m: AttentionMap, labels: readonly string[] | null): MapResult {
  const [d, h, w] = m.shape.length === 3 ? m.shape : [undefined, m.shape[0]!, m.shape[1]!];
  const round = (a: ArrayLike<number>) => Array.from(a, (v) => Math.round(v * 1e5) / 1e5);
  const r: MapResult = {
    method: m.method,
    target: m.target == null ? null : { index: m.target, label: labelOf(m.target, labels) },
    solver: m.solver,
    iterations: m.iterations,
    loss: Number.isFinite(m.loss) ? m.loss : null,
    ...(m.start ? { start: m.start } : {}),
    ...(m.adamPasses ? { adamPasses: m.adamPasses } : {}),
    ...(m.stop ? { stop: m.stop } : {}),
    ms: Math.round(m.ms * 1000) / 1000,
    width: w!,
    height: h!,
    values: round(m.values),
  };
  if (d !== undefined) r.depth = d;
  if (m.trace) {
    r.trace = m.trace.map((t) => ({ iteration: t.iteration, loss: t.loss, ...(t.passes !== undefined ? { passes: t.passes } : {}), values: round(normalise01(absValues(t.filter))) }));
  }
  return r;
}

/** What an image's result is made of, wherever its backbone pass and maps ran (this thread or a worker). */
export type ImageParts = ImagePartsCommon & ({ /** the image's own time, given */ totalMs: number } | { /** performance.now() when it began: totalMs counts from it */ startedAt: number });

interface ImagePartsCommon {
  file: string;
  img: Pick<DecodedImage, 'sourceWidth' | 'sourceHeight' | 'warnings'>;
  model: Pick<LoadedModel, 'id' | 'format' | 'labels' | 'outputKind'>;
  layer: string;
  layerShape: number[];
  backend: string;
  logits: Float32Array;
  maps: AttentionMap[];
  decodeMs: number;
  backboneMs: number;
}

/** The documented image result (README, "Image JSON") of an analysed image. */
export function imageResultOf(p: ImageParts): ImageResult {
  const { model } = p;
  return {
    input: { path: p.file, width: p.img.sourceWidth, height: p.img.sourceHeight },
    model: { id: model.id, layer: p.layer, layerShape: p.layerShape, backend: p.backend, engines: enginesOf(model.format), outputKind: model.outputKind },
    predictions: model.outputKind === 'logits' ? topK(p.logits, model.labels, 5) : [],
    maps: p.maps.map((m) => toMapResult(m, model.labels)),
    warnings: p.img.warnings.map((w) => `the decoder reported: ${w}`),
    timings: { decodeMs: p.decodeMs, backboneMs: p.backboneMs, totalMs: 'totalMs' in p ? p.totalMs : performance.now() - p.startedAt },
  };
}

export async function analyzeImageFile(
  model: LoadedModel,
  split: SplitModel,
  file: string,
  opts: ImageRequestOptions,
): Promise<{ result: ImageResult; maps: AttentionMap[] }> {
  const t0 = performance.now();
  const [h, w] = model.inputSize;
  const img = await decodeImage(file, { width: w, height: h, signal: opts.signal });
  opts.signal?.throwIfAborted();
  const t1 = performance.now();
  const x = inputTensor(img.data, img.width, img.height, model.preprocessing);
  const bbStart = performance.now();
  const bb = await split.runBackbone(x);
  // Backbone timing includes reading the features back, i.e. the work really done.
  const features = await bb.features.data();
  const backboneMs = performance.now() - bbStart;
  x.dispose();
  try {
    const head = split.head(bb);
    failIfNonFinite(model.id, `the features of layer ${split.layer}`, features);
    const headStart = performance.now();
    const logits = tf.tidy(() => head.apply(bb.features).dataSync() as Float32Array);
    const headMs = performance.now() - headStart;
    failIfNonFinite(model.id, `the outputs of the head after ${split.layer}`, logits);
    const needsTarget = opts.methods.some((m) => m !== 'l2caf');
    if (needsTarget && model.outputKind === 'embedding' && opts.classes.length === 0) {
      throw new UsageError('this model outputs an embedding: class-specific methods need --class INDEX (an output index)');
    }
    const targets = opts.classes.length ? opts.classes.map((c) => resolveClass(c, model.labels, head.numOutputs, model.id)) : [argmax(logits)];
    const requests = buildRequests(opts.methods, targets);
    opts.onBeforeSolve?.({ linearity: head.linearity, headMs });
    const { maps } = analyzeFeatures(head, bb.features, requests, { solve: opts.solve, logits });
    failIfNonFiniteMaps(model.id, maps);
    const result = imageResultOf({ file, img, model, layer: split.layer, layerShape: split.layerShape, backend: currentBackend(), logits, maps, decodeMs: t1 - t0, backboneMs, startedAt: t0 });
    return { result, maps };
  } finally {
    bb.features.dispose();
    for (const s of bb.side) s.dispose();
  }
}
