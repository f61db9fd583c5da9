// `--eval` on a video job: each analysed frame's maps scored for faithfulness (deletion and
// insertion curves, confidence drop/increase) with full-model passes on the main thread, and the
// numbers attached to the frame's maps. Boxes are not part of a video job (that is eval-video).
import { DEFAULT_METRIC_OPTIONS } from '../eval/evaluateMap.js';
import { evaluateFrameMaps } from '../eval/frameEval.js';
import { splitForward } from '../eval/forward.js';
import type { LoadedModel } from '../models/loadModel.js';
import type { SplitModel } from '../models/split.js';
import type { TimelineFrame, VideoEvalOptions } from './types.js';

/** Scores `frame`'s maps in place; `rgb` is the frame at the model's input size, `output` the model's output on it. */
export type FrameEvaluator = (frame: TimelineFrame, rgb: { data: Uint8Array; width: number; height: number }, output: ArrayLike<number>) => Promise<void>;

const orNull = (v: number | undefined): number | null => (v === undefined || !Number.isFinite(v) ? null : v);

export function frameEvaluator(model: LoadedModel, split: SplitModel, e: VideoEvalOptions): FrameEvaluator {
  const forward = splitForward(split);
  const metrics = { ...DEFAULT_METRIC_OPTIONS, steps: e.steps, keepCurves: false };
  return async (frame, rgb, output) => {
    const scored = await evaluateFrameMaps(forward, model, rgb, output, frame.maps, { metrics, baseline: e.baseline });
    frame.maps.forEach((m, i) => {
      const r = scored[i]!;
      m.eval = {
        score: r.score,
        deletionAuc: orNull(r.deletionAuc),
        insertionAuc: orNull(r.insertionAuc),
        drop: orNull(r.drop),
        increase: r.increase ?? null,
      };
    });
  };
}
