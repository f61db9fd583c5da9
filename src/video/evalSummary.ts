// The clip-level view of `--eval`: per map series (method + target), the means of the per-frame
// faithfulness numbers and the frames that stand out, flagged by the same robust rule and
// thresholds as `l2caf eval-video` (src/eval/clipFlags.ts). Pure.
import { flagOutliers, MIN_FAITHFULNESS_DROP, MIN_FLICKER_JUMP } from '../eval/clipFlags.js';
import { meanOf } from './flicker.js';
import type { FrameMap, TimelineEvalSummary, TimelineFrame } from './types.js';

/**
 * A series is one position in each frame's maps (the job's requests, in order). Its target is the
 * class when the job fixed one; null when it follows each frame's top-1 (or is class-oblivious).
 */
export function evalSummary(frames: readonly TimelineFrame[]): TimelineEvalSummary[] {
  const count = Math.max(0, ...frames.map((f) => f.maps.length));
  const out: TimelineEvalSummary[] = [];
  for (let i = 0; i < count; i++) {
    const series = frames.map((f) => ({ index: f.index, m: (f.maps[i] as FrameMap | undefined) ?? null }));
    const present = series.filter((s) => s.m?.eval);
    if (!present.length) continue;
    const first = present[0]!.m!;
    const fixed = present.every((s) => s.m!.target?.index === first.target?.index);
    const ev = series.map((s) => s.m?.eval ?? null);
    const increases = ev.filter((e) => e?.increase != null).map((e) => (e!.increase ? 1 : 0));
    // Faithfulness falls: insertion AUC when the curves were run, else the confidence drop.
    const insertion = ev.map((e) => e?.insertionAuc ?? null);
    const byInsertion = insertion.some((v) => v !== null);
    const faith = byInsertion
      ? flagOutliers(insertion, { bad: 'low', minDelta: MIN_FAITHFULNESS_DROP })
      : flagOutliers(ev.map((e) => e?.drop ?? null), { bad: 'high', minDelta: MIN_FAITHFULNESS_DROP });
    const flicker = flagOutliers(series.map((s) => s.m?.flicker ?? null), { bad: 'high', minDelta: MIN_FLICKER_JUMP });
    out.push({
      method: first.method,
      target: fixed ? first.target : null,
      meanDeletionAuc: meanOf(ev.map((e) => e?.deletionAuc ?? null)),
      meanInsertionAuc: meanOf(insertion),
      meanDrop: meanOf(ev.map((e) => e?.drop ?? null)),
      increaseRate: meanOf(increases),
      flaggedFaithfulness: faith.map((j) => series[j]!.index),
      flaggedFlicker: flicker.map((j) => series[j]!.index),
    });
  }
  return out;
}
