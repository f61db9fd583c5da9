// Deletion and insertion curves (Petsiuk et al., RISE, BMVC 2018) of one map on one input, with
// their areas: deletion AUC (lower = the map found what the score depends on) and insertion AUC
// (higher = revealing the map's top pixels first brings the score back fast). Both curves' 2(k+1)
// inputs go through the model in batches (forward.ts).
import { curveAuc } from './auc.js';
import { forwardInBatches, type BatchForward } from './forward.js';
import { perturbedInput, stepCounts, type CurveKind } from './perturb.js';
import { rankPixels, upsampleMap } from './rank.js';
import type { Scorer } from './targetScore.js';
import type { GridMap } from './types.js';

export interface PreparedInput {
  /** preprocessed model input, H x W x 3 interleaved */
  data: Float32Array;
  width: number;
  height: number;
  /** the chosen baseline for this input (baselines.ts) */
  baseline: Float32Array;
}

export interface CurveOptions {
  /** k: the curve has k + 1 points (0, 1/k, ..., 1 of the pixels changed) */
  steps: number;
  /** forward passes per tf call; 1 = one by one */
  batchSize: number;
}

export interface Curves {
  deletion: number[];
  insertion: number[];
  deletionAuc: number;
  insertionAuc: number;
}

export async function deletionInsertion(
  forward: BatchForward,
  input: PreparedInput,
  map: GridMap,
  score: Scorer,
  opts: CurveOptions,
): Promise<Curves> {
  const { width, height } = input;
  const order = rankPixels(upsampleMap(map, width, height));
  const counts = stepCounts(width * height, opts.steps);
  const points = counts.length;
  const kinds: CurveKind[] = ['deletion', 'insertion'];
  const outputs = await forwardInBatches(forward, 2 * points, width, height, opts.batchSize, (i, out) => {
    perturbedInput(kinds[i < points ? 0 : 1]!, input.data, input.baseline, order, counts[i % points]!, 3, out);
  });
  const scores = outputs.map(score);
  const deletion = scores.slice(0, points);
  const insertion = scores.slice(points);
  return { deletion, insertion, deletionAuc: curveAuc(deletion), insertionAuc: curveAuc(insertion) };
}
