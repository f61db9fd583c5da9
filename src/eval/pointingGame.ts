// Pointing game (Zhang et al., "Top-down neural attention by excitation backprop", ECCV 2016): a
// hit when the map's maximum lies inside a ground-truth box of the target, within `tolerance`
// pixels (the original protocol allows 15 px at the image's resolution; the default here is 0).
// Pure.
import type { EvalBox, GridMap } from './types.js';

/** The maximum's pixel (first in row-major order among equals). */
export function mapArgmax(map: GridMap): { x: number; y: number } {
  let best = 0;
  for (let i = 1; i < map.values.length; i++) if (map.values[i]! > map.values[best]!) best = i;
  return { x: best % map.width, y: Math.floor(best / map.width) };
}

/** Distance from a pixel's centre to a box (0 inside). */
export function distanceToBox(px: number, py: number, b: EvalBox): number {
  const cx = px + 0.5;
  const cy = py + 0.5;
  const dx = Math.max(b.x - cx, 0, cx - (b.x + b.width));
  const dy = Math.max(b.y - cy, 0, cy - (b.y + b.height));
  return Math.hypot(dx, dy);
}

export function insideBox(px: number, py: number, b: EvalBox): boolean {
  const cx = px + 0.5;
  const cy = py + 0.5;
  return cx >= b.x && cx < b.x + b.width && cy >= b.y && cy < b.y + b.height;
}

export function pointingGameHit(map: GridMap, boxes: readonly EvalBox[], tolerance = 0): boolean {
  const { x, y } = mapArgmax(map);
  return boxes.some((b) => (tolerance > 0 ? distanceToBox(x, y, b) <= tolerance : insideBox(x, y, b)));
}
