// Relevance mass accuracy (Arras et al., "CLEVR-XAI", 2022; Quantus' RelevanceMassAccuracy): the share
// of the map's positive mass that falls inside the ground-truth boxes (a pixel counts once even
// where boxes overlap). 1 = all attention on the object(s). Pure.
import { insideBox } from './pointingGame.js';
import type { EvalBox, GridMap } from './types.js';

export function relevanceMass(map: GridMap, boxes: readonly EvalBox[]): number {
  let inside = 0;
  let total = 0;
  for (let y = 0; y < map.height; y++)
    for (let x = 0; x < map.width; x++) {
      const v = Math.max(0, map.values[y * map.width + x]!);
      total += v;
      if (v > 0 && boxes.some((b) => insideBox(x, y, b))) inside += v;
    }
  return total > 0 ? inside / total : 0;
}
