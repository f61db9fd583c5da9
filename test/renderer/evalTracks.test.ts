// The faithfulness tracks' pure part: series of the selected map, track scaling, the summary entry
// of a series, flags (only once the job is complete) and the per-frame panel's rows. Built from a
// hand-made timeline view, as the service sends it.
import { describe, expect, it } from 'vitest';
import {
  EVAL_TRACKS, evalSeries, extentLabel, flagsOf, frameEval, hasEval, panelRows, seriesSummary, trackExtent,
} from '../../renderer/timeline/evalTracks.js';
import { TimelineData } from '../../renderer/timeline/timelineData.js';
import type { EvalSeriesSummary, FrameEvalSummary, FrameSummary, MapInfo, TimelineView } from '../../src/contract/index.js';

const ev = (insertionAuc: number | null, deletionAuc: number | null, drop: number | null, increase: boolean | null = false): FrameEvalSummary =>
  ({ score: 0.6, deletionAuc, insertionAuc, drop, increase });

/** slot i at 0.8 s steps, clip index 10 i; map 0 = l2caf with eval, map 1 = gradcam without */
function frame(slot: number, e0: FrameEvalSummary | null, e1: FrameEvalSummary | null = null): FrameSummary {
  return {
    slot, index: slot * 10, timeS: slot * 0.8, iterations: 3, loss: 0.1, flicker: slot ? 0.05 * slot : null, targetScore: null, predictions: [],
    maps: [
      { iterations: 3 + slot, entropy: 0.5 + slot / 100, flicker: slot ? 0.05 * slot : null, eval: e0 },
      { iterations: 0, entropy: 0.9, flicker: null, eval: e1 },
    ],
  };
}

const MAP_INFO: MapInfo[] = [
  { method: 'l2caf', target: null, solver: 'exact' },
  { method: 'gradcam', target: null, solver: 'gradient' },
];
const series = (method: 'l2caf' | 'gradcam', faith: number[], flick: number[] = []): EvalSeriesSummary => ({
  method, target: null, meanDeletionAuc: 0.2, meanInsertionAuc: 0.5, meanDrop: 0.3, increaseRate: 0, flaggedFaithfulness: faith, flaggedFlicker: flick,
});

describe('evalSeries / hasEval', () => {
  const frames = [frame(0, ev(0.7, 0.1, 0.2)), frame(1, ev(0.2, null, 0.9)), frame(2, null)];
  it('takes the selected map\'s numbers in frame order, null where a frame has none', () => {
    expect(evalSeries(frames, 0, 'insertionAuc')).toEqual([
      { timeS: 0, index: 0, value: 0.7 }, { timeS: 0.8, index: 10, value: 0.2 }, { timeS: 1.6, index: 20, value: null },
    ]);
    expect(evalSeries(frames, 0, 'deletionAuc').map((p) => p.value)).toEqual([0.1, null, null]);
    expect(evalSeries(frames, 0, 'drop').map((p) => p.value)).toEqual([0.2, 0.9, null]);
    // map 1 ran without eval: nothing to draw
    expect(evalSeries(frames, 1, 'drop').every((p) => p.value === null)).toBe(true);
  });
  it('shows the tracks only when some frame of that map has numbers (not for a job without eval)', () => {
    expect(hasEval(frames, 0)).toBe(true);
    expect(hasEval(frames, 1)).toBe(false);
    expect(hasEval([], 0)).toBe(false);
    const noMaps: FrameSummary = { ...frame(0, null), maps: undefined };
    expect(hasEval([noMaps, undefined], 0)).toBe(false);
    expect(frameEval(noMaps, 0)).toBeNull();
  });
  it('has one track each for insertion AUC, deletion AUC and drop, saying which way is better', () => {
    expect(EVAL_TRACKS.map((t) => [t.key, t.better])).toEqual([['insertionAuc', 'high'], ['deletionAuc', 'low'], ['drop', 'low']]);
  });
});

describe('trackExtent', () => {
  it('is zero-based and topped at the series\' maximum, so small AUCs still show their dips', () => {
    expect(trackExtent([0.02, 0.04, null])).toEqual([0, 0.04]);
    expect(trackExtent([0.5, 0.9])).toEqual([0, 0.9]);
    expect(trackExtent([-0.3, 0.8])).toEqual([-0.3, 0.8]); // cosine scores of embedding models
    expect(trackExtent([0.5, 0.5])).toEqual([0, 0.5]); // flat: a full-height area, still zero-based
    expect(trackExtent([0, 0])).toEqual([0, 1]); // all zero: a line on the floor
    expect(trackExtent([null, Number.NaN])).toBeNull();
    expect(trackExtent([])).toBeNull();
  });
  it('labels the scale readably', () => {
    expect(extentLabel([0, 0.0312])).toBe('0–0.031');
    expect(extentLabel([0, 0.87])).toBe('0–0.87');
    expect(extentLabel([-0.3, 1])).toBe('-0.30–1.00');
  });
});

describe('seriesSummary / flagsOf', () => {
  it('picks the selected series by position when the summary covers every map', () => {
    const s = [series('l2caf', [10]), series('gradcam', [20])];
    expect(seriesSummary(s, MAP_INFO, 0)).toBe(s[0]);
    expect(seriesSummary(s, MAP_INFO, 1)).toBe(s[1]);
  });
  it('matches by method when a series without numbers was left out, and gives none when unsure', () => {
    const onlyGradcam = [series('gradcam', [20])];
    expect(seriesSummary(onlyGradcam, MAP_INFO, 1)).toBe(onlyGradcam[0]);
    expect(seriesSummary(onlyGradcam, MAP_INFO, 0)).toBeNull();
    // two series of one method and no way to tell them apart
    const info: MapInfo[] = [{ method: 'l2caf-class', target: { index: 1, label: 'a' }, solver: 'exact' }, { method: 'l2caf-class', target: { index: 2, label: 'b' }, solver: 'exact' }];
    const two = [{ ...series('l2caf', []), method: 'l2caf-class' as const, target: { index: 2, label: 'b' } }];
    expect(seriesSummary(two, info, 1)).toBe(two[0]);
    expect(seriesSummary(two, info, 0)).toBeNull(); // the one entry is target 2, not 1
    expect(seriesSummary(null, MAP_INFO, 0)).toBeNull();
    expect(seriesSummary([series('l2caf', [])], MAP_INFO, 5)).toBeNull();
  });
  it('flags frames only once the job is complete', () => {
    const s = series('l2caf', [10, 30], [20]);
    const done = flagsOf(s, true);
    expect([...done.faithfulness]).toEqual([10, 30]);
    expect(done.flicker.has(20)).toBe(true);
    expect(done.flicker.has(10)).toBe(false);
    expect(flagsOf(s, false).faithfulness.size).toBe(0);
    expect(flagsOf(null, true).flicker.size).toBe(0);
  });
});

describe('panelRows', () => {
  it('lists score, AUCs, drop, increase, then flicker, entropy and iterations of the map', () => {
    const rows = panelRows(frame(2, ev(0.61234, 0.08, 0.25, true)), 0);
    expect(rows.map((r) => r.key)).toEqual(['score', 'deletionAuc', 'insertionAuc', 'drop', 'increase', 'flicker', 'entropy', 'iterations']);
    const by = Object.fromEntries(rows.map((r) => [r.key, r]));
    expect(by.insertionAuc).toMatchObject({ value: 0.61234, text: '0.6123' });
    expect(by.score).toMatchObject({ value: 0.6, text: '0.6000' });
    expect(by.deletionAuc).toMatchObject({ value: 0.08, text: '0.0800' });
    expect(by.drop).toMatchObject({ value: 0.25, text: '0.2500' });
    expect(by.increase).toMatchObject({ text: 'yes', value: 1 });
    expect(by.flicker!.value).toBeCloseTo(0.1, 12);
    expect(by.entropy).toMatchObject({ value: 0.52, text: '0.520' });
    expect(by.iterations).toMatchObject({ value: 5, text: '5' });
  });
  it('shows a dash for what is unknown (no eval, the first frame\'s flicker)', () => {
    const rows = Object.fromEntries(panelRows(frame(0, null), 0).map((r) => [r.key, r]));
    for (const k of ['score', 'deletionAuc', 'insertionAuc', 'drop', 'increase', 'flicker']) expect(rows[k]).toMatchObject({ text: '–', value: null });
    expect(rows.iterations!.value).toBe(3);
  });
});

describe('TimelineData with eval', () => {
  const view = (state: TimelineView['state'], partial: boolean): TimelineView => ({
    jobId: 'j', state, video: { path: 'c.mp4', width: 4, height: 4, fps: 12.5, durationS: 3, frameCount: 30 },
    model: { id: 'm', layer: 'l', backend: 'cpu' }, settings: { file: 'c.mp4', methods: ['l2caf', 'gradcam'], classes: [], eval: { steps: 4, baseline: 'blur' } },
    mapInfo: MAP_INFO, mapWidth: 1, mapHeight: 1, frames: [frame(0, ev(0.5, 0.1, 0.2)), frame(1, ev(0.1, 0.4, 0.7))], maps: null, rawMax: [1, 1],
    summary: { framesAnalyzed: 2, meanIterations: 3, meanFlicker: 0.05, fps: 1, wallS: 2, eval: [series('l2caf', [10])] },
    partial,
    warnings: [],
  });
  it('keeps the clip summary and knows when the job is complete', () => {
    const done = TimelineData.fromView(view('done', false), null);
    expect(done.complete).toBe(true);
    const flags = flagsOf(seriesSummary(done.evalSummary, done.mapInfo, 0), done.complete);
    expect([...flags.faithfulness]).toEqual([10]);
    const cancelled = TimelineData.fromView(view('cancelled', true), null);
    expect(cancelled.complete).toBe(false);
    expect(flagsOf(seriesSummary(cancelled.evalSummary, cancelled.mapInfo, 0), cancelled.complete).faithfulness.size).toBe(0);
  });
  it('a running job (frames arriving one by one) has numbers but no flags yet', () => {
    const d = new TimelineData();
    d.addFrame(frame(0, ev(0.5, 0.1, 0.2)), new Float32Array(4), MAP_INFO, 1, 1);
    expect(hasEval(d.known(), 0)).toBe(true);
    expect(d.complete).toBe(false);
    expect(d.evalSummary).toBeNull();
  });
});
