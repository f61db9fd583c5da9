import { describe, expect, it } from 'vitest';

import { boxToSlice, contentBoxFor, contentBoxIn, fitToBox, fitToSquare, squareToSlice } from '../../src/volume/fitToSquare.js';
import type { Slice } from '../../src/volume/types.js';

function ramp(width: number, height: number, pixelSpacing: [number, number]): Slice {
  const data = new Float32Array(width * height);
  for (let v = 0; v < height; v++) for (let u = 0; u < width; u++) data[u + width * v] = 1 + u + 2 * v;
  return { width, height, data, pixelSpacing };
}

describe('fitToSquare', () => {
  it('pads a wide slice top and bottom, keeping its aspect', () => {
    const fit = fitToSquare(ramp(100, 50, [1, 1]), 224);
    expect(fit.contentBox).toEqual({ x: 0, y: 56, width: 224, height: 112 });
    expect(fit.data[0]).toBe(0); // padding
    expect(fit.data[112 + 224 * 55]).toBe(0);
    expect(fit.data[112 + 224 * 56]).toBeGreaterThan(0);
    expect(fit.data[112 + 224 * 168]).toBe(0);
  });
  it('respects physical spacing: 100 x 50 pixels of 1 x 2 mm is square', () => {
    expect(fitToSquare(ramp(100, 50, [1, 2]), 64).contentBox).toEqual({ x: 0, y: 0, width: 64, height: 64 });
    // 40 x 40 pixels of 3 x 1 mm is 120 x 40 mm -> 96 x 32 in a 96 square
    expect(contentBoxFor(40, 40, [3, 1], 96)).toEqual({ x: 0, y: 32, width: 96, height: 32 });
  });
  it('samples bilinearly at pixel centres (a linear ramp is reproduced exactly inside)', () => {
    const s = ramp(4, 4, [1, 1]);
    const fit = fitToSquare(s, 8); // 2x upsampling: output px -> source u = (px + 0.5) / 2 - 0.5
    // px = 3 -> u = 1.25, py = 2 -> v = 0.75: 1 + 1.25 + 2 * 0.75
    expect(fit.data[3 + 8 * 2]).toBeCloseTo(3.75, 6);
    // edges clamp: px = 0 -> u = -0.25 -> clamped to 0
    expect(fit.data[0]).toBeCloseTo(1, 6);
  });
  it('uses the pad option and validates input', () => {
    expect(fitToSquare(ramp(2, 1, [1, 1]), 4, { pad: -1 }).data[0]).toBe(-1);
    expect(() => fitToSquare(ramp(2, 2, [1, 1]), 0)).toThrow(/positive integer/);
    expect(() => fitToSquare({ width: 2, height: 2, data: new Float32Array(3), pixelSpacing: [1, 1] }, 4)).toThrow(/3 values/);
  });
});

describe('squareToSlice', () => {
  it('undoes the padding and maps back onto the slice grid', () => {
    const s = ramp(60, 30, [1, 1]);
    const fit = fitToSquare(s, 120); // exact 2x, content 120 x 60 at y = 30
    const back = squareToSlice(fit.data, fit);
    expect(back.length).toBe(60 * 30);
    // Inside, a linear ramp survives up- then down-sampling exactly; the outermost pixels blend
    // with the edge-clamped samples (at most a quarter pixel step per axis: 0.25 + 2 * 0.25).
    for (let v = 0; v < 30; v++) {
      for (let u = 0; u < 60; u++) {
        const err = Math.abs(back[u + 60 * v] - s.data[u + 60 * v]);
        if (u > 0 && u < 59 && v > 0 && v < 29) expect(err).toBeLessThan(1e-4);
        else expect(err).toBeLessThanOrEqual(0.75 + 1e-6);
      }
    }
  });
  it('never reads the padding: a map that is 1 inside the box and 0 outside maps back to all 1', () => {
    const fit = fitToSquare(ramp(37, 11, [0.8, 1.3]), 50);
    const map = new Float32Array(50 * 50);
    const b = fit.contentBox;
    for (let y = b.y; y < b.y + b.height; y++) for (let x = b.x; x < b.x + b.width; x++) map[x + 50 * y] = 1;
    expect(Array.from(squareToSlice(map, fit)).every((v) => v === 1)).toBe(true);
  });
  it('round-trips a smooth image through a downsampling fit approximately', () => {
    const s = ramp(300, 200, [0.5, 0.5]);
    const fit = fitToSquare(s, 224);
    const back = squareToSlice(fit.data, fit);
    let worst = 0;
    for (let v = 5; v < 195; v++) for (let u = 5; u < 295; u++) worst = Math.max(worst, Math.abs(back[u + 300 * v] - s.data[u + 300 * v]));
    expect(worst).toBeLessThan(1.5); // ramp slope up to 2 per pixel, grid 0.75x
  });
  it('refuses a map of the wrong size', () => {
    const fit = fitToSquare(ramp(4, 4, [1, 1]), 8);
    expect(() => squareToSlice(new Float32Array(10), fit)).toThrow(/expected 8x8/);
  });
});

describe('fitToBox (a model input that is not square)', () => {
  it('a slice as wide as the box is tall fills the height and is centred across', () => {
    // 10 x 10 (1 mm pixels) in a 12 x 8 box: 8 x 8, columns 2..9
    expect(contentBoxIn(10, 10, [1, 1], 12, 8)).toEqual({ x: 2, y: 0, width: 8, height: 8 });
    // 20 x 10 in the same box: limited by the width, 12 x 6, rows 1..6
    expect(contentBoxIn(20, 10, [1, 1], 12, 8)).toEqual({ x: 0, y: 1, width: 12, height: 6 });
    // anisotropic pixels count physically: 10 x 10 pixels of 2 x 1 mm are 20 x 10 mm
    expect(contentBoxIn(10, 10, [2, 1], 12, 8)).toEqual({ x: 0, y: 1, width: 12, height: 6 });
    expect(contentBoxIn(10, 10, [1, 1], 8, 8)).toEqual(contentBoxFor(10, 10, [1, 1], 8));
  });

  it('round trip: a linear ramp comes back where it was, padding never read', () => {
    const slice = ramp(6, 6, [1, 1]);
    const fit = fitToBox(slice, 16, 8, { pad: -100 });
    expect(fit.data.length).toBe(16 * 8);
    expect(fit.data[0]).toBe(-100);
    const back = boxToSlice(fit.data, fit);
    for (let i = 0; i < back.length; i++) expect(back[i]).toBeCloseTo(slice.data[i]!, 0);
    expect(() => boxToSlice(new Float32Array(8 * 8), fit)).toThrow(/expected 16x8/);
  });
});
