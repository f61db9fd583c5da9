// One image through the engine and every metric: decode at the model's input size, backbone once,
// every requested map, then each map's metrics against each target (with that target's boxes).
//
// Targets: with ground-truth boxes whose labels all name model classes, each labelled class in the
// image is a target scored against its own boxes (the class-specific protocol of the pointing game);
// otherwise the --class targets (default: the top-1 class) against all the boxes. Class-oblivious
// L2-CAF has one map per image, scored for every target.
import * as tf from '@tensorflow/tfjs-core';
import type { Method, SolveOptions } from '../attention/types.js';
import { analyzeFeatures, argmax } from '../engine/analyze.js';
import { buildRequests } from '../engine/imageAnalysis.js';
import { labelOf, resolveClass, UsageError } from '../engine/targets.js';
import { decodeImage } from '../media/decodeImage.js';
import type { LoadedModel } from '../models/loadModel.js';
import { inputTensor } from '../models/preprocess.js';
import type { SplitModel } from '../models/split.js';
import { evaluateMap, type MapMetrics, type MetricOptions } from './evaluateMap.js';
import { splitForward, type BatchForward } from './forward.js';
import { scaleBox } from './iou.js';
import { prepareEvalInput } from './prepareInput.js';
import type { Baseline, EvalBox } from './types.js';

export interface EvalImageOptions {
  methods: Method[];
  /** class labels or indices; empty = the top-1 class (or the boxes' labels) */
  classes: (string | number)[];
  solve: SolveOptions;
  metrics: MetricOptions;
  baseline: Baseline;
  /** ground truth in the image's own pixels; null = none */
  boxes: EvalBox[] | null;
  /** where the boxes came from, for error messages */
  boxesSource?: string;
}

export interface EvalRow {
  image: string;
  method: Method;
  /** the class the map and its metrics are about (null for embeddings without a class) */
  target: { index: number; label: string } | null;
  /** number of ground-truth boxes the localisation metrics used */
  boxes: number;
  /** metrics; `box` is in the image's own pixels */
  metrics: MapMetrics;
  /** the map itself (0..1), when asked for */
  map?: { width: number; height: number; values: number[] };
}

interface Case {
  target: number | null;
  boxes: EvalBox[] | null;
}

function casesFor(model: LoadedModel, numOutputs: number, output: Float32Array, o: EvalImageOptions, file: string): Case[] {
  const classOf = (c: string | number) => resolveClass(c, model.labels, numOutputs, model.id);
  const explicit = o.classes.map(classOf);
  const labelled = o.boxes && o.boxes.length > 0 && o.boxes.every((b) => b.label !== undefined) && model.outputKind === 'logits';
  const boxClass = (b: EvalBox): number => {
    try {
      return classOf(b.label!);
    } catch (e) {
      throw new UsageError(`${o.boxesSource ?? 'boxes'}: box of ${file} labelled "${b.label}": ${(e as Error).message}`);
    }
  };
  if (labelled) {
    const byClass = new Map<number, EvalBox[]>();
    for (const b of o.boxes!) {
      const c = boxClass(b);
      byClass.set(c, [...(byClass.get(c) ?? []), b]);
    }
    const targets = explicit.length ? explicit : [...byClass.keys()];
    return targets.map((t) => ({ target: t, boxes: byClass.get(t) ?? [] }));
  }
  if (model.outputKind === 'embedding') {
    if (explicit.length === 0 && o.methods.some((m) => m !== 'l2caf')) {
      throw new UsageError('this model outputs an embedding: class-specific methods need --class INDEX (an output index)');
    }
    return (explicit.length ? explicit : [null]).map((t) => ({ target: t, boxes: o.boxes }));
  }
  return (explicit.length ? explicit : [argmax(output)]).map((t) => ({ target: t, boxes: o.boxes }));
}

/** Decoded pixels at the model's input size, and the size of the picture they came from. */
export interface DecodedInput {
  rgb: Uint8Array;
  width: number;
  height: number;
  sourceWidth: number;
  sourceHeight: number;
}

/**
 * The core shared by images and video frames: backbone once, the maps, every map's metrics. With
 * `keepMaps`, each row also carries its map (for flicker between frames).
 */
export async function evaluateDecoded(
  model: LoadedModel,
  split: SplitModel,
  name: string,
  img: DecodedInput,
  o: EvalImageOptions & { keepMaps?: boolean },
  forward: BatchForward = splitForward(split),
): Promise<EvalRow[]> {
  const x = inputTensor(img.rgb, img.width, img.height, model.preprocessing);
  const bb = await split.runBackbone(x);
  x.dispose();
  let cases: Case[];
  let maps;
  let output: Float32Array;
  try {
    const head = split.head(bb);
    output = tf.tidy(() => head.apply(bb.features).dataSync() as Float32Array).slice();
    cases = casesFor(model, head.numOutputs, output, o, name);
    const targets = [...new Set(cases.map((c) => c.target).filter((t): t is number => t != null))];
    ({ maps } = analyzeFeatures(head, bb.features, buildRequests(o.methods, targets), { solve: o.solve }));
  } finally {
    bb.features.dispose();
    for (const s of bb.side) s.dispose();
  }
  const input = prepareEvalInput(img.rgb, img.width, img.height, model.preprocessing, model.outputKind, output, o.baseline);
  const sx = img.width / img.sourceWidth;
  const sy = img.height / img.sourceHeight;
  const rows: EvalRow[] = [];
  // Equal maps score equally: CAM and Grad-CAM coincide (to float rounding, ~1e-7) on heads of
  // global average pooling and affine layers, so maps equal to 1e-5 (the precision the image JSON
  // carries) share one set of forward passes.
  const done = new Map<string, MapMetrics>();
  for (const c of cases) {
    const inputBoxes = c.boxes ? c.boxes.map((b) => scaleBox(b, sx, sy)) : null;
    for (const m of maps) {
      if (m.method !== 'l2caf' && m.target !== c.target) continue;
      const grid = { width: m.shape[1]!, height: m.shape[0]!, values: m.values };
      const key = `${c.target}|${m.shape.join('x')}|${Array.from(m.values, (v) => Math.round(v * 1e5)).join(',')}`;
      const metrics = structuredClone(done.get(key) ?? (await evaluateMap(forward, input, grid, c.target, inputBoxes, o.metrics)));
      if (!done.has(key)) done.set(key, structuredClone(metrics));
      if (metrics.box) metrics.box = roundBox(scaleBox(metrics.box, 1 / sx, 1 / sy));
      const row: EvalRow = {
        image: name,
        method: m.method,
        target: c.target == null ? null : { index: c.target, label: labelOf(c.target, model.labels) },
        boxes: c.boxes?.length ?? 0,
        metrics,
      };
      if (o.keepMaps) row.map = { width: grid.width, height: grid.height, values: Array.from(m.values) };
      rows.push(row);
    }
  }
  return rows;
}

export async function evaluateImageFile(
  model: LoadedModel,
  split: SplitModel,
  file: string,
  o: EvalImageOptions,
  forward: BatchForward = splitForward(split),
): Promise<EvalRow[]> {
  const [h, w] = model.inputSize;
  const img = await decodeImage(file, { width: w, height: h });
  return evaluateDecoded(model, split, file, { rgb: img.data, width: img.width, height: img.height, sourceWidth: img.sourceWidth, sourceHeight: img.sourceHeight }, o, forward);
}

function roundBox(b: EvalBox): EvalBox {
  const r = (v: number) => Math.round(v * 100) / 100;
  return { x: r(b.x), y: r(b.y), width: r(b.width), height: r(b.height) };
}
