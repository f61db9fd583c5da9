// Intersection over union of two boxes (pixel-edge coordinates). Pure.
import type { EvalBox } from './types.js';

export function boxArea(b: EvalBox): number {
  return Math.max(0, b.width) * Math.max(0, b.height);
}

export function boxIou(a: EvalBox, b: EvalBox): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  const inter = w > 0 && h > 0 ? w * h : 0;
  const union = boxArea(a) + boxArea(b) - inter;
  return union > 0 ? inter / union : 0;
}

/** The best IoU of `box` with any of `truth` (localisation counts the nearest ground-truth box). */
export function bestIou(box: EvalBox, truth: readonly EvalBox[]): number {
  let best = 0;
  for (const t of truth) best = Math.max(best, boxIou(box, t));
  return best;
}

/** Boxes scaled from one image size to another (e.g. source pixels to the model's input grid). */
export function scaleBox(b: EvalBox, sx: number, sy: number): EvalBox {
  const out: EvalBox = { x: b.x * sx, y: b.y * sy, width: b.width * sx, height: b.height * sy };
  if (b.label !== undefined) out.label = b.label;
  return out;
}
