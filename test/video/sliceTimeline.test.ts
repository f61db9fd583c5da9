// The timeline of an exported range: its frames only, its summary recomputed (issue 19 item 10).
import { describe, expect, it } from 'vitest';
import { sliceTimeline } from '../../src/video/sliceTimeline.js';
import { summarise } from '../../src/video/timelineFrame.js';
import { evalSummary } from '../../src/video/evalSummary.js';
import { timelineCsv } from '../../src/video/timelineWriters.js';
import type { FrameMap, Timeline, TimelineFrame } from '../../src/video/types.js';

function map(iterations: number, flicker: number | null, insertionAuc: number): FrameMap {
  return {
    method: 'l2caf', target: null, targetScore: null, solver: 'iterative', iterations, loss: 0, warmStarted: true,
    width: 1, height: 1, values: [1], raw: [1], centroid: { x: 0.5, y: 0.5 }, entropy: 0, flicker,
    eval: { score: 0.5, deletionAuc: 0.1, insertionAuc, drop: 0.2, increase: false },
  };
}
function frame(index: number, timeS: number, m: FrameMap): TimelineFrame {
  return { index, timeS, width: 1, height: 1, values: [1], predictions: [], iterations: m.iterations, loss: 0, warmStarted: true, flicker: m.flicker, maps: [m] };
}

// 0, 0.8, 1.6, ..., 7.2 s; iterations = 10 * slot, flicker = slot / 100, insertion AUC = slot / 10
const frames = Array.from({ length: 10 }, (_, i) => frame(i * 10, Math.round(i * 0.8 * 10) / 10, map(10 * i, i ? i / 100 : null, i / 10)));
const whole: Timeline = {
  video: { path: 'a.mp4', width: 64, height: 48, fps: 12.5, durationS: 8, frameCount: 100 },
  model: { id: 'm', layer: 'l', backend: 'wasm' },
  settings: { methods: ['l2caf'], classes: [], stride: 10, fromS: null, toS: null, preset: 'converged', warmStart: true, eval: { steps: 4, baseline: 'blur' } },
  frames,
  summary: { ...summarise(frames, 5, 10), eval: evalSummary(frames) },
};

describe('sliceTimeline', () => {
  it('keeps the frames with from <= time < to and recomputes the summary over them', () => {
    const s = sliceTimeline(whole, 1.6, 4.0);
    expect(s.frames.map((f) => f.timeS)).toEqual([1.6, 2.4, 3.2]);
    expect(s.summary.framesAnalyzed).toBe(3);
    expect(s.summary.meanIterations).toBeCloseTo((20 + 30 + 40) / 3, 12);
    expect(s.summary.meanFlicker).toBeCloseTo((0.02 + 0.03 + 0.04) / 3, 12);
    expect(s.summary.eval![0]!.meanInsertionAuc).toBeCloseTo((0.2 + 0.3 + 0.4) / 3, 12);
    // the run's speed is the run's, not the slice's
    expect(s.summary.fps).toBe(whole.summary.fps);
    expect(s.summary.wallS).toBe(whole.summary.wallS);
    expect(s.settings.fromS).toBe(1.6);
    expect(s.settings.toS).toBe(4.0);
    // the CSV: a header and the slice's rows
    expect(timelineCsv(s).trim().split('\n')).toHaveLength(1 + 3);
    // the whole timeline is left as it was
    expect(whole.frames).toHaveLength(10);
  });
  it('an open end is the clip\'s; a frame a hair before `from` (probe sums) is kept', () => {
    expect(sliceTimeline(whole, 6.4).frames.map((f) => f.index)).toEqual([80, 90]);
    expect(sliceTimeline(whole, undefined, 0.8).frames.map((f) => f.index)).toEqual([0]);
    expect(sliceTimeline(whole, 1.6 + 1e-9, 2).frames.map((f) => f.index)).toEqual([20]);
    expect(sliceTimeline(whole).frames).toHaveLength(10);
  });
  it('a range without analysed frames gives an empty timeline with an empty summary', () => {
    const s = sliceTimeline(whole, 0.1, 0.5);
    expect(s.frames).toEqual([]);
    expect(s.summary.framesAnalyzed).toBe(0);
    expect(s.summary.meanFlicker).toBeNull();
  });
});
