// Every metric of one map on one input: faithfulness (deletion/insertion, confidence drop/increase:
// forward passes through the model) and, when ground-truth boxes are given, localisation (pointing
// game, relevance mass, box from the map and its IoU: no forward pass). This is the per-image and
// per-frame entry point the image command, the clip command and the video pipeline call.
import { boxFromMap, DEFAULT_BOX_FRACTION } from './boxFromMap.js';
import { confidenceChange, maskByMap } from './confidence.js';
import { deletionInsertion, type PreparedInput } from './curves.js';
import { forwardInBatches, type BatchForward } from './forward.js';
import { bestIou } from './iou.js';
import { pointingGameHit } from './pointingGame.js';
import { upsampleMap } from './rank.js';
import { relevanceMass } from './relevanceMass.js';
import { makeScorer } from './targetScore.js';
import type { EvalBox, GridMap } from './types.js';

export interface MetricOptions {
  /** deletion/insertion curves (2(k+1) forward passes per map) */
  curves: boolean;
  /** average drop / increase in confidence (1 forward pass per map) */
  confidence: boolean;
  /** keep the curves' points in the result (not only their areas) */
  keepCurves: boolean;
  steps: number;
  batchSize: number;
  /** box from map: threshold fraction of the maximum */
  boxFraction: number;
  /** pointing game tolerance in input pixels */
  tolerance: number;
}

export const DEFAULT_METRIC_OPTIONS: MetricOptions = {
  curves: true,
  confidence: true,
  keepCurves: false,
  steps: 50,
  // Batches save the per-call overhead only: on the wasm backend the passes are compute-bound
  // (a batch of 8 measured ~1.1x faster than 8 single passes on darknet-tiny), and larger batches
  // were no faster; 8 keeps the batch tensor at 4.8 MB for 224x224 inputs.
  batchSize: 8,
  boxFraction: DEFAULT_BOX_FRACTION,
  tolerance: 0,
};

/** One input ready for evaluation: the model's view of it and its unperturbed output. */
export interface EvalInput extends PreparedInput {
  outputKind: 'logits' | 'embedding';
  /** the model's output on the unperturbed input */
  output: Float32Array;
}

export interface MapMetrics {
  /** the score the curves record, on the unperturbed input (target probability, or 1 for embeddings) */
  score: number;
  deletionAuc?: number;
  insertionAuc?: number;
  deletion?: number[];
  insertion?: number[];
  /** score on the input masked by the map */
  maskedScore?: number;
  /** max(0, score - maskedScore) / score */
  drop?: number;
  increase?: boolean;
  /** with boxes: */
  pointingHit?: boolean;
  relevanceMass?: number;
  /** the map's box in input pixels (null when the map is all zero) */
  box?: EvalBox | null;
  iou?: number;
}

/**
 * Metrics of `map` (any resolution; upsampled to the input) for `target` (null for embeddings).
 * `boxes` are in the input's pixel grid (scale source boxes with iou.scaleBox); null = no ground truth.
 */
export async function evaluateMap(
  forward: BatchForward,
  input: EvalInput,
  map: GridMap,
  target: number | null,
  boxes: readonly EvalBox[] | null,
  opts: MetricOptions = DEFAULT_METRIC_OPTIONS,
): Promise<MapMetrics> {
  const score = makeScorer(input.outputKind, target, input.output);
  const m: MapMetrics = { score: score(input.output) };
  const up = opts.confidence || boxes ? upsampleMap(map, input.width, input.height) : null;
  if (opts.curves) {
    const c = await deletionInsertion(forward, input, map, score, opts);
    m.deletionAuc = c.deletionAuc;
    m.insertionAuc = c.insertionAuc;
    if (opts.keepCurves) {
      m.deletion = c.deletion;
      m.insertion = c.insertion;
    }
  }
  if (opts.confidence) {
    const mask = normalisedCopy(up!);
    const [out] = await forwardInBatches(forward, 1, input.width, input.height, 1, (_, buf) => buf.set(maskByMap(input.data, mask)));
    m.maskedScore = score(out!);
    const ch = confidenceChange(m.score, m.maskedScore);
    m.drop = ch.drop;
    m.increase = ch.increase;
  }
  if (boxes) {
    const grid: GridMap = { width: input.width, height: input.height, values: up! };
    m.pointingHit = boxes.length > 0 && pointingGameHit(grid, boxes, opts.tolerance);
    m.relevanceMass = relevanceMass(grid, boxes);
    m.box = boxFromMap(grid, opts.boxFraction);
    m.iou = m.box ? bestIou(m.box, boxes) : 0;
  }
  return m;
}

/** 0..1 by the maximum (the mask of the confidence metrics; maps from the engine are 0..1 already). */
function normalisedCopy(v: Float32Array): Float32Array {
  let max = 0;
  for (const x of v) max = Math.max(max, x);
  return max > 0 ? v.map((x) => Math.max(0, x) / max) : new Float32Array(v.length);
}
