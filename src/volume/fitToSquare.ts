// Resample a slice to the square input a CNN wants, keeping its physical aspect ratio
// (anisotropic pixels are respected, the image is padded rather than stretched), and map a
// square result (attention map) back onto the slice's own pixel grid.
//
// Coordinates are pixel centres: pixel p covers [p, p + 1). The content box is whole pixels so a
// consumer can crop or mask it exactly; rounding it changes the aspect ratio by under half a pixel.

import type { Slice } from './types.js';

export interface ContentBox {
  /** Left column and top row of the content inside the square, in square pixels. */
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface SquareFit {
  size: number;
  /** size x size, row-major; outside the content box the pad value. */
  data: Float32Array;
  contentBox: ContentBox;
  /** The slice's grid, for mapping back. */
  sourceWidth: number;
  sourceHeight: number;
}

export interface FitOptions {
  /** Value outside the content box; default 0. */
  pad?: number;
}

/** Where a width x height slice with pixel spacing [du, dv] sits in a size x size square. */
export function contentBoxFor(width: number, height: number, pixelSpacing: readonly [number, number], size: number): ContentBox {
  if (!Number.isInteger(size) || size < 1) throw new Error(`size must be a positive integer, got ${size}`);
  const [du, dv] = pixelSpacing;
  if (!(du > 0 && dv > 0)) throw new Error(`pixel spacing must be positive, got [${du}, ${dv}]`);
  const physW = width * du;
  const physH = height * dv;
  const scale = size / Math.max(physW, physH);
  const w = Math.min(size, Math.max(1, Math.round(physW * scale)));
  const h = Math.min(size, Math.max(1, Math.round(physH * scale)));
  return { x: Math.floor((size - w) / 2), y: Math.floor((size - h) / 2), width: w, height: h };
}

export function fitToSquare(slice: Slice, size: number, opts: FitOptions = {}): SquareFit {
  const { width, height } = slice;
  if (!(width >= 1 && height >= 1) || slice.data.length !== width * height) {
    throw new Error(`slice is ${width}x${height} but has ${slice.data.length} values`);
  }
  const box = contentBoxFor(width, height, slice.pixelSpacing, size);
  const data = new Float32Array(size * size).fill(opts.pad ?? 0);
  for (let py = box.y; py < box.y + box.height; py++) {
    const sv = ((py - box.y + 0.5) / box.height) * height - 0.5;
    for (let px = box.x; px < box.x + box.width; px++) {
      const su = ((px - box.x + 0.5) / box.width) * width - 0.5;
      data[px + size * py] = bilinear(slice.data, width, su, sv, 0, width - 1, 0, height - 1);
    }
  }
  return { size, data, contentBox: box, sourceWidth: width, sourceHeight: height };
}

/**
 * The inverse: a size x size map (same geometry as `fit`) resampled onto the slice's
 * sourceWidth x sourceHeight grid. Only the content box is read, so padding never bleeds in.
 */
export function squareToSlice(
  map: ArrayLike<number>,
  fit: Pick<SquareFit, 'size' | 'contentBox' | 'sourceWidth' | 'sourceHeight'>,
): Float32Array {
  const { size, contentBox: box, sourceWidth: width, sourceHeight: height } = fit;
  if (map.length !== size * size) throw new Error(`map has ${map.length} values, expected ${size}x${size}`);
  const out = new Float32Array(width * height);
  for (let v = 0; v < height; v++) {
    const my = box.y + ((v + 0.5) / height) * box.height - 0.5;
    for (let u = 0; u < width; u++) {
      const mx = box.x + ((u + 0.5) / width) * box.width - 0.5;
      out[u + width * v] = bilinear(map, size, mx, my, box.x, box.x + box.width - 1, box.y, box.y + box.height - 1);
    }
  }
  return out;
}

/** Bilinear sample of a row-major grid at (fx, fy), coordinates clamped to [x0, x1] x [y0, y1]. */
function bilinear(
  data: ArrayLike<number>,
  stride: number,
  fx: number,
  fy: number,
  x0: number,
  x1: number,
  y0: number,
  y1: number,
): number {
  const x = Math.min(Math.max(fx, x0), x1);
  const y = Math.min(Math.max(fy, y0), y1);
  const xa = Math.floor(x);
  const ya = Math.floor(y);
  const xb = Math.min(xa + 1, x1);
  const yb = Math.min(ya + 1, y1);
  const tx = x - xa;
  const ty = y - ya;
  const top = data[xa + stride * ya] * (1 - tx) + data[xb + stride * ya] * tx;
  const bottom = data[xa + stride * yb] * (1 - tx) + data[xb + stride * yb] * tx;
  return top * (1 - ty) + bottom * ty;
}
