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
import { windowIntensity, type WindowSpec } from '../volume/windowIntensity.js';
import { sliceInput } from './sliceInput.js';

export interface ReplaySliceOptions {
  model: LoadedModel;
  split: SplitModel;
  volume: Pick<Volume, 'dims' | 'spacing' | 'data'>;
  /** the job's window (percentiles or W/L) */
  window: WindowSpec;
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
  // (the whole scan is windowed, as the job did: the window's percentiles are the scan's)
  const windowed = { dims: o.volume.dims, spacing: o.volume.spacing, data: windowIntensity(o.volume.data, o.window) };
  const input = sliceInput(windowed, o.axis, o.index, o.model.inputSize);
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
