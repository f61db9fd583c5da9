// One slice of a scan through the engine again, outside the slice pipeline, with a trace: the
// volume viewer's convergence replay (as src/service/frameAnalysis.ts does a video frame). The
// slice is cut and windowed as analyzeSlices cut it; the solve starts where the job's did when the
// caller has the previous slice's warm starts.
import type { AttentionMap, Method, SolveOptions } from '../attention/types.js';
import { analyzeFeatures, type WarmStart } from '../engine/analyze.js';
import { backboneOnPixels } from '../engine/backboneRunner.js';
import type { LoadedModel } from '../models/loadModel.js';
import type { SplitModel } from '../models/split.js';
import type { Axis, Volume } from '../volume/types.js';
import { extractSlice } from '../volume/slice.js';
import { applyWindow, type WindowBounds } from '../volume/windowIntensity.js';
import { sliceToInput } from './sliceInput.js';

export interface ReplaySliceOptions {
  model: LoadedModel;
  split: SplitModel;
  volume: Pick<Volume, 'dims' | 'spacing' | 'data'>;
  /** the job's window over the whole scan (windowBounds: its percentiles are the scan's) */
  window: WindowBounds;
  axis: Axis;
  index: number;
  method: Method;
  /** the class the job's map explained (null: class-oblivious) */
  target: number | null;
  solve: SolveOptions;
  /** the previous slice's warm starts, where the job's solve started from them */
  init?: ReadonlyMap<string, WarmStart>;
}

/** The slice's one map, solved with `solve` (give it traceEvery for a trace). */
export async function replaySlice(o: ReplaySliceOptions): Promise<AttentionMap> {
  // The slice cut from the raw scan, then windowed with the scan's bounds: the same values the job's
  // windowed scan gave (the window maps each voxel alone), without windowing the whole scan again.
  const raw = extractSlice(o.volume, o.axis, o.index);
  const input = sliceToInput({ ...raw, data: applyWindow(raw.data, o.window) }, o.model.inputSize);
  const bb = await backboneOnPixels(o.model, o.split, input.rgb, input.width, input.height);
  try {
    const head = o.split.head(bb);
    const { maps } = analyzeFeatures(head, bb.features, [{ method: o.method, target: o.target }], { solve: o.solve, ...(o.init ? { init: o.init } : {}) });
    return maps[0]!;
  } finally {
    bb.features.dispose();
    for (const s of bb.side) s.dispose();
  }
}
