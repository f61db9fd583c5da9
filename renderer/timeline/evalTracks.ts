// Faithfulness on the timeline, the pure part: which numbers a track plots for the selected map
// series, how a track is scaled, which frames are flagged, and the per-frame panel's rows. No DOM
// (tested in test/renderer); evalTracksView.ts and framePanel.ts draw from these.
import type { EvalSeriesSummary, FrameEvalSummary, FrameSummary, MapInfo } from '../../src/contract/index.js';

export type EvalKey = 'insertionAuc' | 'deletionAuc' | 'drop';

export interface EvalTrackDef {
  key: EvalKey;
  label: string;
  color: string;
  /** which way is faithful: the label says so, so a reader knows whether a dip is bad */
  better: 'high' | 'low';
}

export const EVAL_TRACKS: readonly EvalTrackDef[] = [
  { key: 'insertionAuc', label: 'insertion AUC ↑', color: '#81c784', better: 'high' },
  { key: 'deletionAuc', label: 'deletion AUC ↓', color: '#e57373', better: 'low' },
  { key: 'drop', label: 'confidence drop ↓', color: '#ba68c8', better: 'low' },
];

/** The eval numbers of one map of a frame; null when that frame (or map) was not scored. */
export function frameEval(f: FrameSummary | undefined, mapIndex: number): FrameEvalSummary | null {
  return f?.maps?.[mapIndex]?.eval ?? null;
}

/** True when any frame carries eval numbers for the map: the tracks and panel show only then. */
export function hasEval(frames: readonly (FrameSummary | undefined)[], mapIndex: number): boolean {
  return frames.some((f) => frameEval(f, mapIndex) !== null);
}

/** One track's points, in frame order: time and value (null where the frame has no number). */
export function evalSeries(frames: readonly FrameSummary[], mapIndex: number, key: EvalKey): { timeS: number; index: number; value: number | null }[] {
  return frames.map((f) => {
    const v = frameEval(f, mapIndex)?.[key];
    return { timeS: f.timeS, index: f.index, value: typeof v === 'number' && Number.isFinite(v) ? v : null };
  });
}

/**
 * The value range a track spans: from 0 (or the lowest value, when below: cosine scores of
 * embedding models can be negative) to the highest value. Zero-based, so the area's height reads
 * as the amount; topped at the series' own maximum, because the AUCs are areas under the target's
 * probability and a clip whose top class scores 0.05 would otherwise be a flat line at the bottom.
 * An all-zero series gets [0, 1]. null with no values.
 */
export function trackExtent(values: readonly (number | null)[]): [number, number] | null {
  let lo = 0;
  let hi = -Infinity;
  for (const v of values) {
    if (v === null || !Number.isFinite(v)) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (hi === -Infinity) return null;
  if (hi - lo < 1e-12) return [lo, lo + 1];
  return [lo, hi];
}

/** The track's scale as its label shows it, e.g. "0–0.031". */
export function extentLabel(ext: [number, number]): string {
  const f = (v: number) => (v === 0 ? '0' : Math.abs(v) >= 0.1 ? v.toFixed(2) : v.toPrecision(2));
  return `${f(ext[0])}–${f(ext[1])}`;
}

/**
 * The clip summary's entry for the selected map series. The service sends one per series in
 * mapInfo order; matched by method (and target when both have one) so a series without numbers,
 * which the summary leaves out, cannot shift the others onto the wrong map.
 */
export function seriesSummary(summary: readonly EvalSeriesSummary[] | null | undefined, mapInfo: readonly MapInfo[], mapIndex: number): EvalSeriesSummary | null {
  if (!summary?.length) return null;
  const info = mapInfo[mapIndex];
  if (!info) return null;
  const fits = (s: EvalSeriesSummary) => s.method === info.method && (!s.target || !info.target || s.target.index === info.target.index);
  const same = summary[mapIndex];
  if (same && fits(same) && summary.length === mapInfo.length) return same;
  const matches = summary.filter(fits);
  return matches.length === 1 ? matches[0]! : null;
}

export interface Flags {
  /** clip frame indices where faithfulness falls */
  faithfulness: ReadonlySet<number>;
  /** clip frame indices where the map jumps */
  flicker: ReadonlySet<number>;
}

export const NO_FLAGS: Flags = { faithfulness: new Set(), flicker: new Set() };

/** Flagged frames of the selected series; none until the job is complete (flags need the whole clip). */
export function flagsOf(series: EvalSeriesSummary | null, complete: boolean): Flags {
  if (!series || !complete) return NO_FLAGS;
  return { faithfulness: new Set(series.flaggedFaithfulness), flicker: new Set(series.flaggedFlicker) };
}

export interface PanelRow {
  key: string;
  label: string;
  /** shown text ('–' when unknown) */
  text: string;
  /** the number itself (data attribute, for tests and copy); null when unknown */
  value: number | null;
}

const num = (v: number | null | undefined, digits: number): { text: string; value: number | null } =>
  typeof v === 'number' && Number.isFinite(v) ? { text: v.toFixed(digits), value: v } : { text: '–', value: null };

/** The per-frame panel's rows for one map of a frame: faithfulness first, then the map's own numbers. */
export function panelRows(f: FrameSummary, mapIndex: number): PanelRow[] {
  const ev = frameEval(f, mapIndex);
  const m = f.maps?.[mapIndex];
  const inc = ev?.increase;
  return [
    { key: 'score', label: 'target score', ...num(ev?.score, 4) },
    { key: 'deletionAuc', label: 'deletion AUC ↓', ...num(ev?.deletionAuc, 4) },
    { key: 'insertionAuc', label: 'insertion AUC ↑', ...num(ev?.insertionAuc, 4) },
    { key: 'drop', label: 'confidence drop ↓', ...num(ev?.drop, 4) },
    { key: 'increase', label: 'masked frame scores higher', text: inc === true ? 'yes' : inc === false ? 'no' : '–', value: inc === true ? 1 : inc === false ? 0 : null },
    { key: 'flicker', label: 'flicker', ...num(m ? m.flicker : f.flicker, 4) },
    { key: 'entropy', label: 'entropy (0 peaked, 1 flat)', ...num(m?.entropy, 3) },
    { key: 'iterations', label: 'iterations', ...num(m ? m.iterations : f.iterations, 0) },
  ];
}
