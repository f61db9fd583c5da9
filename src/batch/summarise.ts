// The item summary (summary.json) of each kind's result: the few numbers the merged report shows,
// a thumbnail grid and a per-frame/per-slice series. Pure: results in, summary out.
import type { Prediction } from '../engine/predictions.js';
import type { ImageResult } from '../engine/imageAnalysis.js';
import type { VolumeAnalysis } from '../slices/types.js';
import type { Timeline } from '../video/types.js';
import { projectVolume, shrinkMap } from './thumb.js';
import type { ItemSummary } from './types.js';
import { solveCounts } from '../engine/solveCounts.js';

const r4 = (v: number): number => Math.round(v * 1e4) / 1e4;

/** Over frames or slices: the label most often top-1, with its mean score there. */
export function mostFrequentTop(tops: readonly (Prediction | undefined)[]): { label: string; score: number } | null {
  const counts = new Map<string, { n: number; score: number }>();
  for (const p of tops) {
    if (!p) continue;
    const c = counts.get(p.label) ?? { n: 0, score: 0 };
    counts.set(p.label, { n: c.n + 1, score: c.score + p.score });
  }
  const best = [...counts.entries()].sort((a, b) => b[1].n - a[1].n)[0];
  return best ? { label: best[0], score: r4(best[1].score / best[1].n) } : null;
}

export function summariseTimeline(t: Timeline, files: string[]): ItemSummary {
  const s = t.summary;
  const mid = t.frames[Math.floor(t.frames.length / 2)];
  const first = mid?.maps[0];
  const e = s.eval?.[0];
  return {
    kind: 'video',
    units: s.framesAnalyzed,
    fps: r4(s.fps),
    meanIterations: r4(s.meanIterations),
    solves: s.solves ?? null,
    meanFlicker: s.meanFlicker === null ? null : r4(s.meanFlicker),
    top: mostFrequentTop(t.frames.map((f) => f.predictions[0])),
    eval: e ? { deletionAuc: e.meanDeletionAuc, insertionAuc: e.meanInsertionAuc, drop: e.meanDrop } : null,
    files,
    thumb: first ? shrinkMap(first.width, first.height, first.values) : null,
    series: t.frames.map((f) => r4(f.predictions[0]?.score ?? 0)),
  };
}

export function summariseImage(r: ImageResult, files: string[]): ItemSummary {
  const m = r.maps[0];
  const p = r.predictions[0];
  return {
    kind: 'image',
    units: 1,
    fps: r.timings.totalMs > 0 ? r4(1000 / r.timings.totalMs) : null,
    meanIterations: r.maps.length ? r4(r.maps.reduce((a, x) => a + x.iterations, 0) / r.maps.length) : null,
    solves: solveCounts(r.maps),
    meanFlicker: null,
    top: p ? { label: p.label, score: r4(p.score) } : null,
    eval: null,
    files,
    thumb: m && m.depth === undefined ? shrinkMap(m.width, m.height, m.values) : null,
    series: [],
  };
}

export function summariseVolume(a: VolumeAnalysis, files: string[]): ItemSummary {
  const att = a.attention[0];
  const proj = att ? projectVolume(a.volume.dims, att.data, att.axis === 'volume' ? 'z' : att.axis) : null;
  const wholeTop = a.whole?.predictions[0];
  return {
    kind: 'volume',
    units: a.summary.slicesAnalyzed,
    fps: r4(a.summary.fps),
    meanIterations: r4(a.summary.meanIterations),
    solves: a.summary.solves ?? null,
    meanFlicker: null,
    top: mostFrequentTop(a.whole ? [wholeTop] : a.slices.map((s) => s.predictions[0])),
    eval: null,
    files,
    thumb: proj ? shrinkMap(proj.width, proj.height, proj.values) : null,
    series: a.slices.map((s) => r4(s.predictions[0]?.score ?? 0)),
  };
}
