// The service's video sweep draws a slice the way the window's view does: given the view's
// orientation (renderer/volume/geometry), a frame at one pixel per voxel is the view's texture
// turned upright (texture row 0 is the bottom of the screen, frame row 0 the top).
import { describe, expect, it } from 'vitest';
import { extractViewSlice, VIEW_NAMES, viewLayout, type Mat4 } from '../../renderer/volume/geometry.js';
import { compactVoxels, defaultOrientation, renderSweepFrame, sweepSize, volumeStats } from '../../src/service/volumeService.js';

const dims: [number, number, number] = [6, 5, 4];
const data = Float32Array.from({ length: 120 }, (_, i) => (i * 37) % 120);
const PERMUTED: Mat4 = [[-1.5, 0, 0, 30], [0, 0, 2, -20], [0, 1, 0, 4], [0, 0, 0, 1]];
const grey = new Uint8Array(768).map((_, i) => Math.floor(i / 3));
const AXES = ['x', 'y', 'z'] as const;

describe('renderSweepFrame', () => {
  it('matches the view texture for every view of a permuted, flipped scan', () => {
    for (const view of VIEW_NAMES) {
      const l = viewLayout(PERMUTED, dims, [1.5, 2, 1], view);
      const o = { right: l.right, flipRight: l.flipRight, up: l.up, flipUp: l.flipUp };
      const index = 2;
      const frame = renderSweepFrame({ dims, spacing: [1.5, 2, 1], data }, null, AXES[l.sliceAxis]!, index, o, { width: l.nRight, height: l.nUp }, { lo: 0, hi: 119, cmap: grey, opacity: 1, threshold: 0 });
      const tex = extractViewSlice(data, dims, l, index);
      for (let y = 0; y < l.nUp; y++) for (let x = 0; x < l.nRight; x++) {
        const expected = Math.max(0, Math.min(255, (tex[(l.nUp - 1 - y) * l.nRight + x]! / 119) * 255));
        expect(frame.data[(y * l.nRight + x) * 3], `${view} (${x}, ${y})`).toBe(Math.floor(expected));
      }
    }
  });
  it('tints attention at or above the threshold only, blended at the opacity', () => {
    const att = new Float32Array(120);
    att[0] = 1; // voxel (0, 0, 0)
    att[1] = 0.1; // voxel (1, 0, 0): below the threshold
    const red = new Uint8Array(768);
    for (let i = 0; i < 256; i++) red[i * 3] = 255;
    const o = defaultOrientation('z');
    const f = renderSweepFrame({ dims, spacing: [1, 1, 1], data: new Float32Array(120) }, att, 'z', 0, o, { width: 6, height: 5 }, { lo: 0, hi: 1, cmap: red, opacity: 0.5, threshold: 0.5 });
    // voxel order without flips: row 0 of the frame is the last j
    const px = (x: number, y: number) => Array.from(f.data.subarray((y * 6 + x) * 3, (y * 6 + x) * 3 + 3));
    expect(px(0, 4)).toEqual([127, 0, 0]);
    expect(px(1, 4)).toEqual([0, 0, 0]);
    // relative to a maximum of 0.1 (attentionScale 10) the second voxel is at 1: tinted
    const g = renderSweepFrame({ dims, spacing: [1, 1, 1], data: new Float32Array(120) }, att, 'z', 0, o, { width: 6, height: 5 }, { lo: 0, hi: 1, cmap: red, opacity: 0.5, threshold: 0.5, attentionScale: 10 });
    expect(Array.from(g.data.subarray((4 * 6 + 1) * 3, (4 * 6 + 1) * 3 + 3))).toEqual([127, 0, 0]);
  });
  it('sizes frames by mm, even, long side as asked', () => {
    const o = defaultOrientation('z');
    expect(sweepSize([100, 50, 10], [1, 3, 1], o, 512)).toEqual({ width: 342, height: 512 });
    const s = sweepSize([57, 67, 56], [2.75, 2.75, 2.75], defaultOrientation('x'), 300);
    expect(s.width % 2 + s.height % 2).toBe(0);
  });
});

describe('volumeStats', () => {
  it('min, max, mean and percentiles, ignoring NaN', () => {
    const a = Float32Array.from({ length: 1001 }, (_, i) => i);
    a[5] = NaN;
    const s = volumeStats(a);
    expect(s.min).toBe(0);
    expect(s.max).toBe(1000);
    expect(s.mean).toBeCloseTo((500500 - 5) / 1000, 6);
    expect(s.p005).toBeGreaterThan(4);
    expect(s.p995).toBeLessThan(996);
    expect(s.p995).toBeGreaterThan(990);
  });
});

describe('compactVoxels', () => {
  it('picks the smallest exact integer type, else keeps float32', () => {
    expect(compactVoxels(Float32Array.from([0, 3, 255]))).toBeInstanceOf(Uint8Array);
    expect(compactVoxels(Float32Array.from([-1024, 3071]))).toBeInstanceOf(Int16Array);
    expect(compactVoxels(Float32Array.from([0, 65535]))).toBeInstanceOf(Uint16Array);
    expect(compactVoxels(Float32Array.from([0, 70000]))).toBeInstanceOf(Float32Array);
    expect(compactVoxels(Float32Array.from([0, 0.5]))).toBeInstanceOf(Float32Array);
    expect(Array.from(compactVoxels(Float32Array.from([-5, 7, 300])))).toEqual([-5, 7, 300]);
  });
});
