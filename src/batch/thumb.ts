// Thumbnails for the report: an attention map shrunk to a small grid (max over each cell, so a
// narrow peak survives), and a volume's attention as the maximum along its slicing axis. Pure.
import type { Thumb } from './types.js';

export const THUMB_SIDE = 32;

const r3 = (v: number): number => Math.round(v * 1000) / 1000;

/** Max-pools a row-major map to at most side x side, rescaled to 0..1. */
export function shrinkMap(width: number, height: number, values: ArrayLike<number>, side = THUMB_SIDE): Thumb {
  const w = Math.min(width, side);
  const h = Math.min(height, side);
  const out = new Array<number>(w * h).fill(-Infinity);
  for (let y = 0; y < height; y++) {
    const ty = Math.min(h - 1, Math.floor((y * h) / height));
    for (let x = 0; x < width; x++) {
      const tx = Math.min(w - 1, Math.floor((x * w) / width));
      const v = values[y * width + x]!;
      if (v > out[ty * w + tx]!) out[ty * w + tx] = v;
    }
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of out) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const span = hi - lo;
  return { width: w, height: h, values: out.map((v) => (span > 0 && Number.isFinite(span) ? r3((v - lo) / span) : 0)) };
}

/**
 * Maximum-intensity projection of a volume (x fastest, dims [nx, ny, nz]) along `axis`; the
 * picture's rows are the remaining axis with the higher number, top row the highest index (the
 * way scans are usually shown: superior/anterior up).
 */
export function projectVolume(dims: readonly [number, number, number], data: ArrayLike<number>, axis: 'x' | 'y' | 'z'): { width: number; height: number; values: Float32Array } {
  const [nx, ny, nz] = dims;
  const a = axis === 'x' ? 0 : axis === 'y' ? 1 : 2;
  const [u, v] = a === 0 ? [1, 2] : a === 1 ? [0, 2] : [0, 1];
  const n = [nx, ny, nz];
  const W = n[u]!;
  const H = n[v]!;
  const out = new Float32Array(W * H).fill(-Infinity);
  const idx = [0, 0, 0];
  for (idx[2] = 0; idx[2] < nz; idx[2]++) {
    for (idx[1] = 0; idx[1] < ny; idx[1]++) {
      for (idx[0] = 0; idx[0] < nx; idx[0]++) {
        const val = data[idx[0] + nx * (idx[1] + ny * idx[2])]!;
        const o = (H - 1 - idx[v]!) * W + idx[u]!;
        if (val > out[o]!) out[o] = val;
      }
    }
  }
  return { width: W, height: H, values: out };
}
