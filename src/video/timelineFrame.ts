// Turns one frame's engine output (AttentionMaps + logits) into the timeline's plain-data frame:
// normalised and raw maps, centroid, entropy, flicker against the previous analysed frame, top-5
// predictions and target scores. Pure.
import type { AttentionMap } from '../attention/types.js';
import { topK } from '../engine/predictions.js';
import { solveCounts } from '../engine/solveCounts.js';
import { labelOf } from '../engine/targets.js';
import { mapFlicker, meanOf } from './flicker.js';
import { mapCentroid, mapEntropy } from './mapStats.js';
import type { FrameMap, TimelineFrame, TimelineSummary } from './types.js';

const round = (v: number, f: number): number => Math.round(v * f) / f;

export interface FrameInput {
  index: number;
  timeS: number;
  logits: ArrayLike<number>;
  maps: readonly AttentionMap[];
  labels: readonly string[] | null;
  outputKind: 'logits' | 'embedding';
  /** the previous analysed frame (for flicker), or null */
  previous: TimelineFrame | null;
}

export function toFrameMap(m: AttentionMap, logits: ArrayLike<number>, labels: readonly string[] | null, previous: FrameMap | null): FrameMap {
  if (m.shape.length !== 2) throw new Error(`video maps are 2-D; got a ${m.shape.length}-D map`);
  const [height, width] = m.shape as [number, number];
  // Same precision as the image JSON (1e-5 for 0..1 values); raw |f| entries are ~1e-2, keep 1e-7.
  const values = Array.from(m.values, (v) => round(v, 1e5));
  const raw = Array.from(m.raw, (v) => round(v, 1e7));
  return {
    method: m.method,
    target: m.target == null ? null : { index: m.target, label: labelOf(m.target, labels) },
    targetScore: m.target == null ? null : (logits[m.target] ?? null),
    solver: m.solver,
    iterations: m.iterations,
    loss: Number.isFinite(m.loss) ? m.loss : null,
    warmStarted: m.warmStarted,
    ...(m.start ? { start: m.start } : {}),
    ...(m.adamPasses ? { adamPasses: m.adamPasses } : {}),
    ...(m.stop ? { stop: m.stop } : {}),
    width,
    height,
    values,
    raw,
    centroid: mapCentroid(m.raw, width, height),
    entropy: mapEntropy(m.raw),
    flicker: mapFlicker(values, previous && previous.method === m.method ? previous.values : null),
  };
}

export function toTimelineFrame(f: FrameInput): TimelineFrame {
  const maps = f.maps.map((m, i) => toFrameMap(m, f.logits, f.labels, f.previous?.maps[i] ?? null));
  const first = maps[0];
  if (!first) throw new Error('a timeline frame needs at least one map');
  return {
    index: f.index,
    timeS: f.timeS,
    width: first.width,
    height: first.height,
    values: first.values,
    predictions: f.outputKind === 'logits' ? topK(f.logits, f.labels, 5) : [],
    iterations: first.iterations,
    loss: first.loss,
    warmStarted: first.warmStarted,
    flicker: first.flicker,
    maps,
  };
}

/** The summary of the frames analysed; fps and wall time of the run that produced them. */
export function summarise(frames: readonly TimelineFrame[], wallS: number, framesComputed: number): TimelineSummary {
  const solves = solveCounts(frames.flatMap((f) => f.maps));
  return {
    framesAnalyzed: frames.length,
    meanIterations: meanOf(frames.map((f) => f.iterations)) ?? 0,
    meanFlicker: meanOf(frames.map((f) => f.flicker)),
    fps: wallS > 0 ? framesComputed / wallS : 0,
    wallS,
    ...(solves ? { solves } : {}),
  };
}
