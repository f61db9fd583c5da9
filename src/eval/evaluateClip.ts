// A clip with a ground-truth track: every decoded frame through the engine and the metrics
// (evaluateDecoded, the image core), the track's boxes as the frame's ground truth, then per method
// the numbers over time, their means with 95% intervals, and the frames flagged where faithfulness
// falls or the map jumps. The clip is streamed (decodeFrames), one frame in memory at a time.
import type { Method } from '../attention/types.js';
import { currentBackend, enginesOf } from '../engine/backend.js';
import type { LoadedModel } from '../models/loadModel.js';
import type { SplitModel } from '../models/split.js';
import { decodeFrames } from '../media/decodeFrames.js';
import { probeVideo } from '../media/probeVideo.js';
import { flagOutliers, mapFlicker, MIN_FAITHFULNESS_DROP, MIN_FLICKER_JUMP } from './clipFlags.js';
import { evaluateDecoded, type EvalImageOptions } from './evaluateImage.js';
import type { MapMetrics } from './evaluateMap.js';
import { splitForward } from './forward.js';
import { boxesAt, type Track } from './readTrack.js';
import { summarize, type MethodSummary } from './summarize.js';

export interface ClipEvalOptions extends Omit<EvalImageOptions, 'boxes' | 'boxesSource'> {
  track: Track | null;
  stride?: number;
  fromS?: number;
  toS?: number;
  signal?: AbortSignal;
  onFrame?: (f: ClipFrame, done: number, total: number) => void;
}

export interface ClipFrameMap {
  method: Method;
  target: { index: number; label: string } | null;
  metrics: MapMetrics;
  /** mean |map - the previous analysed frame's map| (0..1 maps); null on the first frame */
  flicker: number | null;
}

export interface ClipFrame {
  index: number;
  timeS: number;
  /** ground-truth boxes on this frame (0: not scored for localisation) */
  boxes: number;
  maps: ClipFrameMap[];
}

export interface ClipSeriesFlags {
  method: Method;
  target: { index: number; label: string } | null;
  /** frame indices (clip numbering) where faithfulness falls */
  faithfulness: number[];
  /** what faithfulness was judged by */
  faithfulnessBy: 'insertionAuc' | 'drop' | null;
  /** frame indices where the map jumps */
  flicker: number[];
}

export interface ClipEvalReport {
  video: { path: string; width: number; height: number; fps: number; frameCount: number };
  model: { id: string; layer: string; backend: string; engines: string };
  settings: { methods: Method[]; steps: number | null; baseline: string; track: string | null; stride: number; interval: string };
  frames: ClipFrame[];
  /** per method, over the analysed frames (localisation over frames with boxes) */
  summary: MethodSummary[];
  flags: ClipSeriesFlags[];
}


export async function evaluateClip(model: LoadedModel, split: SplitModel, file: string, o: ClipEvalOptions): Promise<ClipEvalReport> {
  const info = await probeVideo(file, { signal: o.signal });
  const [h, w] = model.inputSize;
  const forward = splitForward(split);
  const interval = info.fps > 0 ? 1 / info.fps : 0;
  const frames: ClipFrame[] = [];
  const previous = new Map<string, number[]>();
  const rowsForSummary: { method: Method; metrics: MapMetrics }[] = [];
  const stride = o.stride ?? 1;
  const total = Math.ceil(info.frameCount / stride);
  for await (const f of decodeFrames(file, { width: w, height: h, stride, fromS: o.fromS, toS: o.toS, signal: o.signal, info })) {
    const boxes = o.track ? boxesAt(o.track, f, interval) : null;
    const rows = await evaluateDecoded(
      model,
      split,
      `${file} frame ${f.index}`,
      { rgb: f.data, width: f.width, height: f.height, sourceWidth: info.width, sourceHeight: info.height },
      { ...o, boxes, boxesSource: o.track?.file, keepMaps: true },
      forward,
    );
    const maps: ClipFrameMap[] = rows.map((r) => {
      const key = `${r.method}:${r.target?.index ?? '-'}`;
      const prev = previous.get(key);
      const values = r.map!.values;
      previous.set(key, values);
      return { method: r.method, target: r.target, metrics: r.metrics, flicker: prev && prev.length === values.length ? mapFlicker(prev, values) : null };
    });
    for (const r of rows) rowsForSummary.push(r);
    const frame: ClipFrame = { index: f.index, timeS: f.timeS, boxes: boxes?.length ?? 0, maps };
    frames.push(frame);
    o.onFrame?.(frame, frames.length, total);
  }
  return {
    video: { path: file, width: info.width, height: info.height, fps: info.fps, frameCount: info.frameCount },
    model: { id: model.id, layer: split.layer, backend: currentBackend(), engines: enginesOf(model.format) },
    settings: {
      methods: o.methods,
      steps: o.metrics.curves ? o.metrics.steps : null,
      baseline: o.baseline,
      track: o.track?.file ?? null,
      stride,
      interval: '95% Student t interval of the mean over frames',
    },
    frames,
    summary: summarize(rowsForSummary),
    flags: clipFlags(frames),
  };
}

/** Per (method, target) series: outliers in faithfulness and in flicker. Pure. */
export function clipFlags(frames: readonly ClipFrame[]): ClipSeriesFlags[] {
  const keys = new Map<string, { method: Method; target: ClipFrameMap['target'] }>();
  for (const f of frames) for (const m of f.maps) keys.set(`${m.method}:${m.target?.index ?? '-'}`, { method: m.method, target: m.target });
  return [...keys.entries()].map(([key, { method, target }]) => {
    const series = frames.map((f) => ({ index: f.index, m: f.maps.find((m) => `${m.method}:${m.target?.index ?? '-'}` === key) ?? null }));
    const sample = series.find((s) => s.m)?.m?.metrics;
    const by: ClipSeriesFlags['faithfulnessBy'] =
      sample?.insertionAuc !== undefined ? 'insertionAuc' : sample?.drop !== undefined ? 'drop' : null;
    const faith = by ? series.map((s) => (s.m?.metrics[by] as number | undefined) ?? null) : [];
    const faithfulness = by ? flagOutliers(faith, { bad: by === 'insertionAuc' ? 'low' : 'high', minDelta: MIN_FAITHFULNESS_DROP }) : [];
    const flicker = flagOutliers(series.map((s) => s.m?.flicker ?? null), { bad: 'high', minDelta: MIN_FLICKER_JUMP });
    return { method, target, faithfulness: faithfulness.map((i) => series[i]!.index), faithfulnessBy: by, flicker: flicker.map((i) => series[i]!.index) };
  });
}
