// Pointing game, relevance mass, box from map and IoU on small maps drawn by hand.
import { describe, it, expect } from 'vitest';
import { pointingGameHit, mapArgmax, distanceToBox, insideBox } from '../../src/eval/pointingGame.js';
import { relevanceMass } from '../../src/eval/relevanceMass.js';
import { boxFromMap, connectedComponents } from '../../src/eval/boxFromMap.js';
import { boxIou, bestIou, scaleBox } from '../../src/eval/iou.js';

/** A width x height map from rows of digits, e.g. ['0100', '0000']. */
function grid(rows: string[]) {
  return { width: rows[0]!.length, height: rows.length, values: rows.flatMap((r) => [...r].map(Number)) };
}

describe('pointing game', () => {
  const map = grid(['0000', '0010', '0000']);
  it('finds the maximum', () => expect(mapArgmax(map)).toEqual({ x: 2, y: 1 }));
  it('hits when the maximum is inside a box, misses otherwise', () => {
    expect(pointingGameHit(map, [{ x: 2, y: 1, width: 1, height: 1 }])).toBe(true);
    expect(pointingGameHit(map, [{ x: 0, y: 0, width: 2, height: 3 }])).toBe(false);
    expect(pointingGameHit(map, [{ x: 0, y: 0, width: 2, height: 3 }, { x: 1.6, y: 0, width: 1, height: 2 }])).toBe(true);
    expect(pointingGameHit(map, [])).toBe(false);
  });
  it('tolerance counts from the pixel centre to the box', () => {
    const box = { x: 0, y: 0, width: 2, height: 3 }; // the maximum's centre (2.5, 1.5) is 0.5 to its right
    expect(distanceToBox(2, 1, box)).toBeCloseTo(0.5, 12);
    expect(pointingGameHit(map, [box], 0.4)).toBe(false);
    expect(pointingGameHit(map, [box], 0.5)).toBe(true);
  });
  it('a pixel belongs to a box when its centre does (right/bottom edges exclusive)', () => {
    expect(insideBox(1, 0, { x: 0, y: 0, width: 2, height: 1 })).toBe(true);
    expect(insideBox(2, 0, { x: 0, y: 0, width: 2, height: 1 })).toBe(false);
  });
});

describe('relevance mass', () => {
  it('is the share of positive mass inside the boxes, overlapping boxes counted once', () => {
    const map = grid(['3001', '0000']);
    expect(relevanceMass(map, [{ x: 0, y: 0, width: 1, height: 1 }])).toBeCloseTo(0.75, 12);
    expect(relevanceMass(map, [{ x: 0, y: 0, width: 1, height: 1 }, { x: 0, y: 0, width: 2, height: 2 }])).toBeCloseTo(0.75, 12);
    expect(relevanceMass(map, [{ x: 0, y: 0, width: 4, height: 2 }])).toBeCloseTo(1, 12);
    expect(relevanceMass(grid(['00']), [{ x: 0, y: 0, width: 1, height: 1 }])).toBe(0);
  });
  it('ignores negative values', () => {
    const map = { width: 2, height: 1, values: [1, -5] };
    expect(relevanceMass(map, [{ x: 0, y: 0, width: 1, height: 1 }])).toBe(1);
  });
});

describe('box from map', () => {
  it('keeps the largest 8-connected component above 0.2 of the maximum', () => {
    // a 2-pixel peak (value 9) at the left, a 5-pixel plateau of 2s at the right (2 >= 0.2 * 9)
    const map = grid([
      '9900000',
      '0000222',
      '0000020',
      '0000001',
    ]);
    // 1 < 1.8: below the threshold, so the plateau is the 5 pixels in columns 4..6, rows 1..2
    expect(boxFromMap(map)).toEqual({ x: 4, y: 1, width: 3, height: 2 });
    // at a threshold of 0.5 * 9 only the peak remains
    expect(boxFromMap(map, 0.5)).toEqual({ x: 0, y: 0, width: 2, height: 1 });
    // at 0.1 the 1 joins the plateau diagonally (8-connectivity)
    expect(boxFromMap(map, 0.1)).toEqual({ x: 4, y: 1, width: 3, height: 3 });
  });
  it('diagonal neighbours connect; an all-zero map has no box', () => {
    const { sizes } = connectedComponents(Uint8Array.of(1, 0, 0, 1), 2, 2);
    expect(sizes.slice(1)).toEqual([2]);
    expect(boxFromMap(grid(['000']))).toBeNull();
    expect(() => boxFromMap(grid(['1']), 1.5)).toThrow(/fraction/);
  });
});

describe('IoU', () => {
  it('matches areas worked out by hand', () => {
    expect(boxIou({ x: 0, y: 0, width: 2, height: 2 }, { x: 1, y: 1, width: 2, height: 2 })).toBeCloseTo(1 / 7, 12);
    expect(boxIou({ x: 0, y: 0, width: 2, height: 2 }, { x: 0, y: 0, width: 2, height: 2 })).toBe(1);
    expect(boxIou({ x: 0, y: 0, width: 1, height: 1 }, { x: 1, y: 0, width: 1, height: 1 })).toBe(0);
    expect(bestIou({ x: 0, y: 0, width: 2, height: 2 }, [{ x: 5, y: 5, width: 1, height: 1 }, { x: 0, y: 0, width: 2, height: 1 }])).toBeCloseTo(0.5, 12);
  });
  it('is unchanged by scaling both boxes (so it can be computed on the model input grid)', () => {
    const a = { x: 10, y: 20, width: 100, height: 50 };
    const b = { x: 60, y: 30, width: 80, height: 80 };
    expect(boxIou(scaleBox(a, 0.3, 1.7), scaleBox(b, 0.3, 1.7))).toBeCloseTo(boxIou(a, b), 12);
  });
});
