// The box a map predicts, by the localisation protocol of CAM (Zhou et al., CVPR 2016) that the
// L2-CAF paper follows: keep the pixels above `fraction` (0.2) of the map's maximum, take the largest
// 8-connected component of them, and return its bounding box. Pure.
import type { EvalBox, GridMap } from './types.js';

export const DEFAULT_BOX_FRACTION = 0.2;

/** Labels the 8-connected components of `mask`; returns per-pixel labels (0 = background, 1..n) and the sizes. */
export function connectedComponents(mask: Uint8Array, width: number, height: number): { labels: Int32Array; sizes: number[] } {
  const labels = new Int32Array(width * height);
  const sizes = [0];
  const stack: number[] = [];
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || labels[start]) continue;
    const id = sizes.length;
    let size = 0;
    labels[start] = id;
    stack.push(start);
    while (stack.length) {
      const p = stack.pop()!;
      size++;
      const px = p % width;
      const py = (p - px) / width;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          const x = px + dx;
          const y = py + dy;
          if (x < 0 || y < 0 || x >= width || y >= height) continue;
          const q = y * width + x;
          if (mask[q] && !labels[q]) {
            labels[q] = id;
            stack.push(q);
          }
        }
    }
    sizes.push(size);
  }
  return { labels, sizes };
}

/**
 * Bounding box of the largest component above fraction * max (ties: the component found first
 * in row-major order). Null when the map has no positive value.
 */
export function boxFromMap(map: GridMap, fraction = DEFAULT_BOX_FRACTION): EvalBox | null {
  if (!(fraction >= 0 && fraction <= 1)) throw new RangeError(`box threshold fraction must be in 0..1, got ${fraction}`);
  let max = -Infinity;
  for (let i = 0; i < map.values.length; i++) max = Math.max(max, map.values[i]!);
  if (!(max > 0)) return null;
  const thr = fraction * max;
  const mask = new Uint8Array(map.values.length);
  for (let i = 0; i < mask.length; i++) mask[i] = map.values[i]! >= thr ? 1 : 0;
  const { labels, sizes } = connectedComponents(mask, map.width, map.height);
  let best = 1;
  for (let id = 2; id < sizes.length; id++) if (sizes[id]! > sizes[best]!) best = id;
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== best) continue;
    const x = i % map.width;
    const y = (i - x) / map.width;
    x0 = Math.min(x0, x);
    y0 = Math.min(y0, y);
    x1 = Math.max(x1, x);
    y1 = Math.max(y1, y);
  }
  return { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}
