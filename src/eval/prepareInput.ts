// From decoded RGB (an image, a video frame) and the model's unperturbed output to what the metrics
// need: the preprocessed input and its baseline. Pure.
import type { Preprocessing } from '../models/preprocess.js';
import { preprocessPixels } from '../models/preprocess.js';
import { baselineInput } from './baselines.js';
import type { EvalInput } from './evaluateMap.js';
import type { Baseline } from './types.js';

export function prepareEvalInput(
  rgb: Uint8Array,
  width: number,
  height: number,
  preprocessing: Preprocessing,
  outputKind: 'logits' | 'embedding',
  output: ArrayLike<number>,
  baseline: Baseline,
): EvalInput {
  const data = preprocessPixels(rgb, preprocessing);
  return { data, width, height, baseline: baselineInput(data, width, height, baseline), outputKind, output: Float32Array.from(output) };
}
