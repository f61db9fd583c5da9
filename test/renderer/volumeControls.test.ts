// The viewer's pure control arithmetic: window presets and drag, grey mapping, timeline positions.
import { describe, expect, it } from 'vitest';
import { dragWindow, greyOf, parsePercentiles, presetWindow } from '../../renderer/volume/windowLevel.js';
import { sliceAtX, xOfSlice } from '../../renderer/volume/timelineScale.js';
import { attentionReadout, attentionScaleNote, displayAttention } from '../../renderer/volume/attentionScale.js';

const stats = { min: -1000, max: 3000, p005: -900, p995: 1500 };

describe('window/level', () => {
  it('auto is the 0.5..99.5 percentile window, full the range, CT presets level/width', () => {
    expect(presetWindow('auto', stats)).toEqual({ lo: -900, hi: 1500 });
    expect(presetWindow('full', stats)).toEqual({ lo: -1000, hi: 3000 });
    expect(presetWindow('ct-brain', stats)).toEqual({ lo: 0, hi: 80 });
    expect(presetWindow('ct-lung', stats)).toEqual({ lo: -1350, hi: 150 });
  });
  it('auto falls back to the full range on a constant-percentile scan, and never gives an empty window', () => {
    expect(presetWindow('auto', { min: 0, max: 10, p005: 0, p995: 0 })).toEqual({ lo: 0, hi: 10 });
    const w = presetWindow('full', { min: 5, max: 5, p005: 5, p995: 5 });
    expect(w.hi).toBeGreaterThan(w.lo);
  });
  it('dragging right widens, dragging up raises the level, by range/400 per pixel', () => {
    const start = { lo: 0, hi: 100 };
    const wider = dragWindow(start, 40, 0, stats);
    expect(wider.hi - wider.lo).toBeCloseTo(100 + 40 * 10, 9);
    expect((wider.lo + wider.hi) / 2).toBeCloseTo(50, 9);
    const up = dragWindow(start, 0, -20, stats);
    expect((up.lo + up.hi) / 2).toBeCloseTo(50 + 200, 9);
    const narrow = dragWindow(start, -10_000, 0, stats);
    expect(narrow.hi - narrow.lo).toBeGreaterThan(0);
  });
  it('greyOf maps the window to 0..1 and clamps', () => {
    const w = { lo: 10, hi: 30 };
    expect([greyOf(0, w), greyOf(10, w), greyOf(20, w), greyOf(30, w), greyOf(99, w)]).toEqual([0, 0, 0.5, 1, 1]);
  });
});

describe('parsePercentiles (the model window field)', () => {
  it('reads lo,hi and refuses reversed, out-of-range or malformed input', () => {
    expect(parsePercentiles('0.5,99.5')).toEqual({ lo: 0.5, hi: 99.5 });
    expect(parsePercentiles(' 2 98 ')).toEqual({ lo: 2, hi: 98 });
    expect(parsePercentiles('99,1')).toBeNull();
    expect(parsePercentiles('0,101')).toBeNull();
    expect(parsePercentiles('a,b')).toBeNull();
    expect(parsePercentiles('5')).toBeNull();
  });
});

describe('timeline positions', () => {
  it('sliceAtX and xOfSlice agree and stay in range', () => {
    for (const total of [1, 7, 56, 300]) {
      for (let s = 0; s < total; s++) expect(sliceAtX(xOfSlice(s, 812, total), 812, total)).toBe(s);
      expect(sliceAtX(-5, 812, total)).toBe(0);
      expect(sliceAtX(9999, 812, total)).toBe(total - 1);
    }
    expect(sliceAtX(10, 100, 0)).toBe(0);
  });
});

describe('displayAttention', () => {
  it('scales by the maximum so the strongest voxel is 1, and keeps ratios', () => {
    const { data, max } = displayAttention(Float32Array.from([0, 0.01, 0.02, 0.04]));
    expect(max).toBeCloseTo(0.04, 7);
    expect(Array.from(data).map((v) => +v.toFixed(6))).toEqual([0, 0.25, 0.5, 1]);
  });
  it('an all-zero volume stays zero (no division by zero)', () => {
    const r = displayAttention(new Float32Array(5));
    expect(r.max).toBe(0);
    expect(Array.from(r.data)).toEqual([0, 0, 0, 0, 0]);
  });
});

describe('attention wording (issue 19 item 15)', () => {
  it('the readout names the scale the views use; the status says how the raw max maps onto it', () => {
    const { data, max } = displayAttention(Float32Array.from([0, 0.0761 * 0.61, 0.0761]));
    expect(attentionReadout(data[1]!)).toBe("attention 0.610 of the scan's max");
    expect(attentionScaleNote(max)).toBe('raw attention max 0.0761 = 1.0 in the views');
    expect(attentionScaleNote(0)).toBe('no attention above 0 in this scan');
  });
});
