// Resample a slice to the input a CNN wants (square, or a width x height box for a model with a
// non-square input), keeping its physical aspect ratio (anisotropic pixels are respected, the
// image is padded rather than stretched), and map a result (attention map) on that input back onto
// the slice's own pixel grid.
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

/** A slice placed in a boxWidth x boxHeight input (fitToBox). */
export interface BoxFit {
  boxWidth: number;
  boxHeight: number;
  /** boxWidth x boxHeight, row-major; outside the content box the pad value. */
  data: Float32Array;
  contentBox: ContentBox;
  sourceWidth: number;
  sourceHeight: number;
}

export interface FitOptions {
  /** Value outside the content box; default 0. */
  pad?: number;
}

/** Where a width x height slice with pixel spacing [du, dv] sits in a size x size square. */
export function contentBoxFor(width: number, height: number, pixelSpacing: readonly [number, number], size: number): ContentBox {
  return contentBoxIn(width, height, pixelSpacing, size, size);
}

/** Where a width x height slice with pixel spacing [du, dv] sits in a boxWidth x boxHeight box (centred, as large as fits). */
export function contentBoxIn(width: number, height: number, pixelSpacing: readonly [number, number], boxWidth: number, boxHeight: number): ContentBox {
  for (const [what, v] of [['box width', boxWidth], ['box height', boxHeight]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${what} must be a positive integer, got ${v}`);
  }
  const [du, dv] = pixelSpacing;
  if (!(du > 0 && dv > 0)) throw new Error(`pixel spacing must be positive, got [${du}, ${dv}]`);
  const physW = width * du;
  const physH = height * dv;
  const scale = Math.min(boxWidth / physW, boxHeight / physH);
  const w = Math.min(boxWidth, Math.max(1, Math.round(physW * scale)));
  const h = Math.min(boxHeight, Math.max(1, Math.round(physH * scale)));
  return { x: Math.floor((boxWidth - w) / 2), y: Math.floor((boxHeight - h) / 2), width: w, height: h };
}

export function fitToSquare(slice: Slice, size: number, opts: FitOptions = {}): SquareFit {
  if (!Number.isInteger(size) || size < 1) throw new Error(`size must be a positive integer, got ${size}`);
  const { boxWidth: _w, boxHeight: _h, ...fit } = fitToBox(slice, size, size, opts);
  return { size, ...fit };
}

export function fitToBox(slice: Slice, boxWidth: number, boxHeight: number, opts: FitOptions = {}): BoxFit {
  const { width, height } = slice;
  if (!(width >= 1 && height >= 1) || slice.data.length !== width * height) {
    throw new Error(`slice is ${width}x${height} but has ${slice.data.length} values`);
  }
  const box = contentBoxIn(width, height, slice.pixelSpacing, boxWidth, boxHeight);
  const data = new Float32Array(boxWidth * boxHeight).fill(opts.pad ?? 0);
  for (let py = box.y; py < box.y + box.height; py++) {
    const sv = ((py - box.y + 0.5) / box.height) * height - 0.5;
    for (let px = box.x; px < box.x + box.width; px++) {
      const su = ((px - box.x + 0.5) / box.width) * width - 0.5;
      data[px + boxWidth * py] = bilinear(slice.data, width, su, sv, 0, width - 1, 0, height - 1);
    }
  }
  return { boxWidth, boxHeight, data, contentBox: box, sourceWidth: width, sourceHeight: height };
}

/**
 * The inverse: a size x size map (same geometry as `fit`) resampled onto the slice's
 * sourceWidth x sourceHeight grid. Only the content box is read, so padding never bleeds in.
 */
export function squareToSlice(
  map: ArrayLike<number>,
  fit: Pick<SquareFit, 'size' | 'contentBox' | 'sourceWidth' | 'sourceHeight'>,
): Float32Array {
  const { size, ...rest } = fit;
  return boxToSlice(map, { boxWidth: size, boxHeight: size, ...rest });
}

/** squareToSlice for a boxWidth x boxHeight map (fitToBox's geometry). */
export function boxToSlice(map: ArrayLike<number>, fit: Omit<BoxFit, 'data'>): Float32Array {
  const { boxWidth, boxHeight, contentBox: box, sourceWidth: width, sourceHeight: height } = fit;
  if (map.length !== boxWidth * boxHeight) throw new Error(`map has ${map.length} values, expected ${boxWidth}x${boxHeight}`);
  const out = new Float32Array(width * height);
  for (let v = 0; v < height; v++) {
    const my = box.y + ((v + 0.5) / height) * box.height - 0.5;
    for (let u = 0; u < width; u++) {
      const mx = box.x + ((u + 0.5) / width) * box.width - 0.5;
      out[u + width * v] = bilinear(map, boxWidth, mx, my, box.x, box.x + box.width - 1, box.y, box.y + box.height - 1);
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
