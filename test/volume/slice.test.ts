import { describe, expect, it } from 'vitest';

import { extractSlice, insertSlice, sliceCount } from '../../src/volume/slice.js';

// A 4 x 3 x 2 volume whose value encodes its voxel: 100 i + 10 j + k.
const dims: [number, number, number] = [4, 3, 2];
const spacing: [number, number, number] = [0.5, 0.7, 3];
const data = new Float32Array(24);
for (let k = 0; k < 2; k++) for (let j = 0; j < 3; j++) for (let i = 0; i < 4; i++) data[i + 4 * (j + 3 * k)] = 100 * i + 10 * j + k;
const vol = { dims, spacing, data };

describe('extractSlice', () => {
  it("axis 'z': u = i, v = j", () => {
    const s = extractSlice(vol, 'z', 1);
    expect([s.width, s.height, s.pixelSpacing]).toEqual([4, 3, [0.5, 0.7]]);
    expect(Array.from(s.data)).toEqual([1, 101, 201, 301, 11, 111, 211, 311, 21, 121, 221, 321]);
  });
  it("axis 'y': u = i, v = k", () => {
    const s = extractSlice(vol, 'y', 2);
    expect([s.width, s.height, s.pixelSpacing]).toEqual([4, 2, [0.5, 3]]);
    expect(Array.from(s.data)).toEqual([20, 120, 220, 320, 21, 121, 221, 321]);
  });
  it("axis 'x': u = j, v = k", () => {
    const s = extractSlice(vol, 'x', 3);
    expect([s.width, s.height, s.pixelSpacing]).toEqual([3, 2, [0.7, 3]]);
    expect(Array.from(s.data)).toEqual([300, 310, 320, 301, 311, 321]);
  });
  it('rejects out-of-range and fractional indices', () => {
    expect(() => extractSlice(vol, 'z', 2)).toThrow(/slice index 2 is out of range for axis z \(0\.\.1\)/);
    expect(() => extractSlice(vol, 'x', -1)).toThrow(RangeError);
    expect(() => extractSlice(vol, 'y', 0.5)).toThrow(RangeError);
    expect(sliceCount(vol, 'x')).toBe(4);
  });
});

describe('insertSlice', () => {
  it('is the exact inverse of extractSlice on every axis', () => {
    for (const axis of ['x', 'y', 'z'] as const) {
      const target = { dims, data: new Float32Array(24) };
      for (let idx = 0; idx < sliceCount(vol, axis); idx++) insertSlice(target, axis, idx, extractSlice(vol, axis, idx));
      expect(Array.from(target.data)).toEqual(Array.from(data));
    }
  });
  it('writes only the chosen plane', () => {
    const target = { dims, data: new Float32Array(24) };
    insertSlice(target, 'y', 1, { width: 4, height: 2, data: new Float32Array(8).fill(7) });
    const touched = Array.from(target.data).map((v, idx) => (v === 7 ? idx : -1)).filter((v) => v >= 0);
    expect(touched).toEqual([4, 5, 6, 7, 16, 17, 18, 19]); // j = 1 rows of k = 0 and k = 1
  });
  it('refuses a slice of the wrong shape', () => {
    const target = { dims, data: new Float32Array(24) };
    expect(() => insertSlice(target, 'z', 0, { width: 3, height: 4, data: new Float32Array(12) })).toThrow(/needs 4x3/);
  });
});
