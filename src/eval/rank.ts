// The order in which deletion/insertion remove or reveal pixels: the map upsampled to the model's
// input (bilinear, half-pixel centres, as overlays are drawn) and ranked from most to least
// important. Pure.
import { resizeBilinear } from '../media/resize.js';
import type { GridMap } from './types.js';

/** The map resampled to width x height (a copy when the size already matches). */
export function upsampleMap(map: GridMap, width: number, height: number): Float32Array {
  const src = Float32Array.from(map.values);
  if (map.width === width && map.height === height) return src;
  return resizeBilinear(src, map.width, map.height, width, height);
}

/**
 * Pixel indices sorted by value, highest first. Ties keep row-major order, so a constant map removes
 * pixels top-left first: deterministic, and the tests can state the answer.
 */
export function rankPixels(values: ArrayLike<number>): Uint32Array {
  const n = values.length;
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  // NaN would make the comparator inconsistent; treat it as the least important value.
  const v = Float64Array.from(values, (x) => (Number.isNaN(x) ? -Infinity : x));
  return idx.sort((a, b) => v[b]! - v[a]! || a - b);
}
