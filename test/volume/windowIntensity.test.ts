import { describe, expect, it } from 'vitest';
import { DEFAULT_WINDOW, percentileOfSorted, windowIntensity } from '../../src/volume/windowIntensity.js';

describe('windowIntensity level/width (DICOM linear VOI)', () => {
  it('maps center +- width/2 to 0..1, clamps outside', () => {
    // c = 40, w = 400 (soft-tissue CT): lower = 39.5 - 199.5 = -160, upper = 239
    const out = windowIntensity([-1000, -160, 39.5, 239, 240, 3000], { kind: 'level', center: 40, width: 400 });
    expect(out[0]).toBe(0);
    expect(out[1]).toBe(0);
    expect(out[2]).toBeCloseTo(0.5, 6);
    expect(out[3]).toBeCloseTo((239 - 39.5) / 399 + 0.5, 6);
    expect(out[4]).toBe(1);
    expect(out[5]).toBe(1);
  });
  it('width 1 is a threshold; NaN -> 0; invalid windows are refused', () => {
    expect(Array.from(windowIntensity([9, 9.5, 10, Number.NaN], { kind: 'level', center: 10, width: 1 }))).toEqual([0, 0, 1, 0]);
    expect(() => windowIntensity([1], { kind: 'level', center: 10, width: 0.5 })).toThrow(/width >= 1/);
  });
});

describe('windowIntensity percentile', () => {
  it('uses numpy-style linear percentiles and clamps the tails', () => {
    const values = Array.from({ length: 101 }, (_, i) => i); // percentile p = value p
    const out = windowIntensity(values, { kind: 'percentile', lo: 10, hi: 90 });
    expect(out[10]).toBe(0);
    expect(out[50]).toBeCloseTo(0.5, 6);
    expect(out[90]).toBe(1);
    expect(out[5]).toBe(0);
    expect(out[95]).toBe(1);
    expect(percentileOfSorted([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentileOfSorted([1, 2, 3, 4], 99.5)).toBeCloseTo(3.985, 10);
  });
  it('defaults to 0.5..99.5 and ignores an outlier', () => {
    const values = [...Array.from({ length: 1000 }, (_, i) => i / 999), 1e6];
    const out = windowIntensity(values);
    expect(out[1000]).toBe(1);
    expect(out[500]).toBeGreaterThan(0.4); // not squashed to ~0 by the outlier
  });
  it('ignores NaN, handles flat images, validates bounds', () => {
    const out = windowIntensity([Number.NaN, 0, 1, 2, 3, 4], { kind: 'percentile', lo: 0, hi: 100 });
    expect(Array.from(out)).toEqual([0, 0, 0.25, 0.5, 0.75, 1]);
    expect(Array.from(windowIntensity([0, 0, 0, 0, 5], { kind: 'percentile', lo: 0.5, hi: 50 }))).toEqual([0, 0, 0, 0, 1]);
    expect(Array.from(windowIntensity([3, 3, 3]))).toEqual([0, 0, 0]);
    expect(() => windowIntensity([1], { kind: 'percentile', lo: 60, hi: 40 })).toThrow(/0 <= lo < hi <= 100/);
  });
});

describe('percentileBySelection', () => {
  it('agrees with sorting on random data with ties', async () => {
    const { percentileBySelection } = await import('../../src/volume/windowIntensity.js');
    let seed = 7;
    const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (const n of [1, 2, 3, 10, 101, 1000]) {
      const values = Array.from({ length: n }, () => Math.floor(rnd() * 20) - 5 + (rnd() < 0.3 ? rnd() : 0));
      const sorted = [...values].sort((a, b) => a - b);
      for (const p of [0, 0.5, 10, 33.3, 50, 90, 99.5, 100]) {
        expect(percentileBySelection(Float64Array.from(values), p)).toBeCloseTo(percentileOfSorted(sorted, p), 10);
        expect(percentileBySelection(Float32Array.from(values), p)).toBeCloseTo(percentileOfSorted(sorted.map(Math.fround), p), 5);
      }
    }
  });
});

describe('windowBounds + applyWindow (a replay windows one slice with the scan\'s bounds)', () => {
  it('give windowIntensity\'s values, for percentiles, W/L, flat and empty scans', async () => {
    const { windowBounds, applyWindow } = await import('../../src/volume/windowIntensity.js');
    let seed = 11;
    const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const scan = Float32Array.from({ length: 5000 }, () => (rnd() < 0.01 ? Number.NaN : rnd() * 4000 - 1000));
    for (const spec of [DEFAULT_WINDOW, { kind: 'percentile', lo: 2, hi: 98 }, { kind: 'level', center: 40, width: 400 }] as const) {
      expect(applyWindow(scan, windowBounds(scan, spec))).toEqual(windowIntensity(scan, spec));
      // any part of the scan, windowed with the whole scan's bounds, is that part of the windowed scan
      expect(applyWindow(scan.subarray(1200, 1900), windowBounds(scan, spec))).toEqual(windowIntensity(scan, spec).subarray(1200, 1900));
    }
    expect(windowBounds([3, 3, 3], DEFAULT_WINDOW)).toEqual({ kind: 'linear', lo: 3, hi: 3 });
    expect(windowBounds([Number.NaN], DEFAULT_WINDOW)).toEqual({ kind: 'empty' });
    expect(Array.from(applyWindow([1, 2], { kind: 'empty' }))).toEqual([0, 0]);
    expect(() => windowBounds([1], { kind: 'level', center: 0, width: 0 })).toThrow(/width >= 1/);
  });
});
