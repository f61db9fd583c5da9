// The renderer's pure parts: which analysed frame is shown at a time, map scales, top classes,
// label search, timeline geometry.
import { describe, expect, it } from 'vitest';
import { clipScaled, frameSpan, HOLD_SPANS, slotAtTime, TimelineData, toBytes, topClassesOf } from '../../renderer/timeline/timelineData.js';
import { extent, timeToX, valueToY, xToTime } from '../../renderer/timeline/scale.js';
import { searchLabels } from '../../renderer/panels/labelSearch.js';
import type { FrameSummary } from '../../src/contract/index.js';

const frame = (slot: number, timeS: number, preds: [number, string, number][] = []): FrameSummary => ({
  slot, index: slot * 10, timeS, iterations: 1, loss: null, flicker: null, targetScore: null,
  predictions: preds.map(([index, label, score]) => ({ index, label, score })),
});

describe('slotAtTime', () => {
  const frames = [frame(0, 0), frame(1, 0.8), frame(2, 1.6)];
  it('shows the last analysed frame at or before the time', () => {
    expect(slotAtTime(frames, 0)).toBe(0);
    expect(slotAtTime(frames, 0.79)).toBe(0);
    expect(slotAtTime(frames, 0.8)).toBe(1);
    expect(slotAtTime(frames, 1.2)).toBe(1);
    expect(slotAtTime(frames, 99)).toBe(2);
  });
  it('uses the first frame before it, skips gaps, and has nothing without frames', () => {
    expect(slotAtTime([frame(0, 2), frame(1, 3)], 0.5)).toBe(0);
    const sparse: (FrameSummary | undefined)[] = [frame(0, 0), undefined, frame(2, 1.6)];
    expect(slotAtTime(sparse, 1.0)).toBe(0);
    expect(slotAtTime([], 1)).toBeNull();
  });
});

describe('slotAtTime with the span a frame stands for', () => {
  // stride 2 at 25 fps: a frame every 0.08 s; a job cancelled after 10 frames (0 .. 0.72 s)
  const span = frameSpan(2, 25)!;
  const frames = Array.from({ length: 10 }, (_, i) => frame(i, i * 0.08));
  it('shows a frame over the frames its stride skips', () => {
    expect(span).toBeCloseTo(0.08, 12);
    expect(slotAtTime(frames, 0.33, span)).toBe(4);
    expect(slotAtTime(frames, 0.72 + 0.08, span)).toBe(9);
  });
  it('shows nothing far past the last analysed frame, or well before the first', () => {
    expect(slotAtTime(frames, 0.72 + HOLD_SPANS * span + 0.01, span)).toBeNull();
    expect(slotAtTime(frames, 24.08, span)).toBeNull();
    const later = [frame(0, 10), frame(1, 10.08)];
    expect(slotAtTime(later, 10 - span / 2, span)).toBe(0);
    expect(slotAtTime(later, 2, span)).toBeNull();
    // without a span (an unknown rate) as before: the nearest frame however far
    expect(slotAtTime(frames, 24.08)).toBe(9);
  });
  it('holds a frame until its analysed neighbour however far it is (a clip of variable rate)', () => {
    const vfr = [frame(0, 0), frame(1, 0.5), frame(2, 2.9)];
    expect(slotAtTime(vfr, 2.0, span)).toBe(1);
    expect(slotAtTime(vfr, 2.4, span)).toBe(1);
    expect(slotAtTime(vfr, 3.5, span)).toBeNull();
    // a slot still on its way is a gap: the frame before it holds for its span only
    const gap: (FrameSummary | undefined)[] = [frame(0, 0), undefined, frame(2, 2.9)];
    expect(slotAtTime(gap, 1.0, span)).toBeNull();
  });
  it('is the span of the job: its stride over the clip\'s rate, none for an unknown rate', () => {
    expect(frameSpan(undefined, 12.5)).toBeCloseTo(0.08, 12);
    expect(frameSpan(3, 0)).toBeNull();
    const t = TimelineData.fromView({ frames, mapInfo: [], mapWidth: 1, mapHeight: 1, rawMax: [], state: 'cancelled', partial: true, settings: { stride: 2 }, video: { fps: 25 }, summary: null } as never, null);
    expect(t.slotAt(24.08)).toBeNull();
    expect(t.slotAt(0.7)).toBe(8);
  });
});

describe('TimelineData', () => {
  it('keeps per-frame and per-clip scales of each map', () => {
    const t = new TimelineData();
    // one map 2x1: values then raw
    t.addFrame(frame(0, 0), Float32Array.from([0, 1, 1, 2]), [{ method: 'l2caf', target: null, solver: 'exact' }], 2, 1);
    t.addFrame(frame(1, 1), Float32Array.from([1, 0, 4, 0]), [{ method: 'l2caf', target: null, solver: 'exact' }], 2, 1);
    expect(t.rawMax).toEqual([4]);
    expect(Array.from(t.mapValues(0, 0, 'frame')!)).toEqual([0, 1]);
    expect(Array.from(t.mapValues(0, 0, 'clip')!)).toEqual([0.25, 0.5]);
    expect(Array.from(t.mapValues(1, 0, 'clip')!)).toEqual([1, 0]);
    expect(t.mapValues(5, 0, 'frame')).toBeNull();
  });
  it('builds from a timeline view and its one binary', () => {
    const view = {
      frames: [frame(0, 0), frame(1, 1)], mapInfo: [{ method: 'gradcam' as const, target: null, solver: 'gradient' }], mapWidth: 1, mapHeight: 2, rawMax: [3], settings: { stride: 1 }, video: { fps: 1 },
    } as unknown as Parameters<typeof TimelineData.fromView>[0];
    const t = TimelineData.fromView(view, Float32Array.from([0, 1, 0, 3, 1, 0, 3, 0]));
    expect(Array.from(t.maps[1]!)).toEqual([1, 0, 3, 0]);
    expect(Array.from(t.mapValues(0, 0, 'clip')!)).toEqual([0, 1]);
  });
});

describe('helpers', () => {
  it('clipScaled divides by the clip maximum and clamps; toBytes quantises', () => {
    expect(Array.from(clipScaled([1, 2, 8], 4))).toEqual([0.25, 0.5, 1]);
    expect(Array.from(clipScaled([1, 2], 0))).toEqual([0, 0]);
    expect(Array.from(toBytes([0, 0.5, 1, 2, -1]))).toEqual([0, 128, 255, 255, 0]);
  });
  it('ranks the clip\'s classes by their mean top-5 score', () => {
    const top = topClassesOf([frame(0, 0, [[1, 'car', 0.6], [2, 'van', 0.3]]), frame(1, 1, [[2, 'van', 0.7], [1, 'car', 0.1]])]);
    expect(top.map((c) => c.label)).toEqual(['van', 'car']);
    expect(top[0]!.score).toBeCloseTo(0.5);
  });
  it('searches labels by word start first, then substring', () => {
    const labels = ['sports car, sport car', 'car wheel', 'scarf', 'tabby cat'];
    expect(searchLabels(labels, 'car').map((c) => c.index)).toEqual([0, 1, 2]);
    expect(searchLabels(labels, 'CAT')).toEqual([{ index: 3, label: 'tabby cat' }]);
    expect(searchLabels(labels, '  ')).toEqual([]);
    // the index the picker shows, with or without its '#'; every word of the query, in any order
    expect(searchLabels(labels, '3')[0]).toEqual({ index: 3, label: 'tabby cat' });
    expect(searchLabels(labels, '#3')).toEqual([{ index: 3, label: 'tabby cat' }]);
    expect(searchLabels(labels, '#99')).toEqual([]);
    expect(searchLabels(labels, 'cat tabby')).toEqual([{ index: 3, label: 'tabby cat' }]);
    expect(searchLabels(labels, 'tabby car')).toEqual([]);
  });
  it('maps time to x and back, and values into a track', () => {
    expect(timeToX(15, 30, 600)).toBe(300);
    expect(xToTime(300, 30, 600)).toBe(15);
    expect(xToTime(-5, 30, 600)).toBe(0);
    expect(extent([null, 2, 4])).toEqual([2, 4]);
    expect(extent([3, 3])).toEqual([2, 4]);
    expect(extent([null])).toBeNull();
    expect(valueToY(4, [2, 4], 10, 20)).toBe(10);
    expect(valueToY(2, [2, 4], 10, 20)).toBe(30);
  });
});
