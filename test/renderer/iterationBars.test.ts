// The iterations track's bars: coloured by how each frame's map was solved.
import { describe, expect, it } from 'vitest';
import { barWidth, countKinds, iterationBar, legendRun } from '../../renderer/timeline/iterationBars.js';
import type { FrameMapSummary, FrameSummary } from '../../src/contract/index.js';

const frame = (iterations: number, maps?: Partial<FrameMapSummary>[]): FrameSummary => ({
  slot: 0, index: 0, timeS: 0, iterations, loss: null, flicker: null, targetScore: null, predictions: [],
  ...(maps ? { maps: maps.map((m) => ({ iterations, entropy: 0.5, flicker: null, eval: null, ...m })) } : {}),
});

describe('iterationBar', () => {
  it('warm-started, cold and Adam-phase solves are told apart', () => {
    expect(iterationBar(frame(3, [{ start: 'warm' }]), 0)).toEqual({ value: 3, kind: 'warm' });
    for (const start of ['uniform', 'linearised', 'neighbour', 'random']) expect(iterationBar(frame(27, [{ start }]), 0).kind).toBe('cold');
    // the phase wins over the start: the bar is tall because of it
    expect(iterationBar(frame(82, [{ start: 'linearised', adamPasses: 60 }]), 0)).toEqual({ value: 82, kind: 'adam' });
    expect(iterationBar(frame(70, [{ start: 'warm', adamPasses: 60 }]), 0).kind).toBe('adam');
  });
  it('a solve its budget cut short, with nothing certifying it, has its own colour; one the Adam phase went on from does not', () => {
    expect(iterationBar(frame(20, [{ start: 'warm', stop: 'pass-limit' }]), 0).kind).toBe('limit');
    expect(iterationBar(frame(30, [{ start: 'uniform', stop: 'iteration-limit' }]), 0).kind).toBe('limit');
    expect(iterationBar(frame(30, [{ start: 'uniform', stop: 'pass-limit', adamPasses: 15 }]), 0).kind).toBe('adam');
    expect(iterationBar(frame(9, [{ start: 'warm', stop: 'optimal' }]), 0).kind).toBe('warm');
    expect(iterationBar(frame(150, [{ start: 'uniform', stop: 'settled' }]), 0).kind).toBe('cold');
  });
  it('the map shown: its own iterations', () => {
    const f = frame(5, [{ start: 'warm', iterations: 5 }, { start: 'uniform', iterations: 9 }]);
    expect(iterationBar(f, 1)).toEqual({ value: 9, kind: 'cold' });
  });
  it('exact solves, Grad-CAM and older caches (no start) keep the plain bar', () => {
    expect(iterationBar(frame(1, [{ start: 'exact' }]), 0).kind).toBe('other');
    expect(iterationBar(frame(0, [{}]), 0).kind).toBe('other');
    expect(iterationBar(frame(4), 0)).toEqual({ value: 4, kind: 'other' });
  });
  it('counts the kinds over the clip; the legend names the kinds present, in order, after the track name', () => {
    const frames = [frame(27, [{ start: 'uniform' }]), frame(3, [{ start: 'warm' }]), frame(2, [{ start: 'warm' }]), frame(82, [{ start: 'linearised', adamPasses: 60 }]), frame(1)];
    const counts = countKinds(frames.map((f) => iterationBar(f, 0).kind));
    expect(counts).toEqual({ warm: 2, cold: 1, adam: 1, limit: 0, other: 1 });
    expect(legendRun(counts, { text: 'iterations', colour: 'white' }).map((p) => p.text)).toEqual(['iterations', ' · warm', ' · cold', ' · +Adam']);
    expect(legendRun({ warm: 3, cold: 0, adam: 0, limit: 0, other: 2 }, null).map((p) => p.text)).toEqual(['warm']);
    expect(legendRun({ warm: 3, cold: 1, adam: 0, limit: 2, other: 0 }, null).map((p) => p.text)).toEqual(['warm', ' · cold', ' · at limit']);
    // nothing solved iteratively (exact solver, Grad-CAM): no legend
    expect(legendRun({ warm: 0, cold: 0, adam: 0, limit: 0, other: 5 }, null)).toEqual([]);
  });
});

describe('barWidth', () => {
  it('60% of the smallest gap between frames, within 1.5..6 px', () => {
    expect(barWidth([0, 30, 60])).toBe(6); // a coarse stride: wide bars, capped
    expect(barWidth([0, 5, 10, 12])).toBeCloseTo(1.5, 6); // the closest pair sets it (2 px gap -> 1.2 -> the floor)
    expect(barWidth([0, 5, 10])).toBeCloseTo(3, 6);
    expect(barWidth([10])).toBe(1.5); // one frame: no gap to go by
    expect(barWidth([])).toBe(1.5);
  });
});
