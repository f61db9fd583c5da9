// The per-frame entry point for the video pipeline (`l2caf video ... --eval`): given a frame the
// pipeline has already decoded, the model's output on it and the maps it computed, the metrics of
// each map. Class-oblivious maps of a classifier are scored for the frame's top-1 class.
import { argmax } from '../engine/analyze.js';
import type { Preprocessing } from '../models/preprocess.js';
import { evaluateMap, type MapMetrics, type MetricOptions } from './evaluateMap.js';
import type { BatchForward } from './forward.js';
import { scaleBox } from './iou.js';
import { prepareEvalInput } from './prepareInput.js';
import type { Baseline, EvalBox } from './types.js';

export interface FrameMapLike {
  target: { index: number } | null;
  width: number;
  height: number;
  /** 0..1, row-major */
  values: ArrayLike<number>;
}

export interface FrameEvalOptions {
  metrics: MetricOptions;
  baseline: Baseline;
}

/**
 * `frame`: RGB at the model's input size; `output`: the model's output on it (logits or embedding);
 * `boxes`: ground truth in the source video's pixels (null = none), scaled by sourceSize.
 * Returns one MapMetrics per map, in order.
 */
export async function evaluateFrameMaps(
  forward: BatchForward,
  model: { preprocessing: Preprocessing; outputKind: 'logits' | 'embedding' },
  frame: { data: Uint8Array; width: number; height: number },
  output: ArrayLike<number>,
  maps: readonly FrameMapLike[],
  opts: FrameEvalOptions,
  boxes: { boxes: readonly EvalBox[]; sourceWidth: number; sourceHeight: number } | null = null,
): Promise<MapMetrics[]> {
  const input = prepareEvalInput(frame.data, frame.width, frame.height, model.preprocessing, model.outputKind, output, opts.baseline);
  const inputBoxes = boxes ? boxes.boxes.map((b) => scaleBox(b, frame.width / boxes.sourceWidth, frame.height / boxes.sourceHeight)) : null;
  const top = argmax(output);
  const out: MapMetrics[] = [];
  for (const m of maps) {
    const target = model.outputKind === 'embedding' ? null : (m.target?.index ?? top);
    out.push(await evaluateMap(forward, input, { width: m.width, height: m.height, values: m.values }, target, inputBoxes, opts.metrics));
  }
  return out;
}
