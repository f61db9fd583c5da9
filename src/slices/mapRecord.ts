// One map's record in a volume job (per slice, or for a 3-D model's whole volume): the numbers the
// JSON reports next to the attention volume. Pure.
import type { AttentionMap } from '../attention/types.js';
import { labelOf } from '../engine/targets.js';
import type { SliceMapRecord } from './types.js';

/** `probs`: the softmax of `logits` (null for embeddings); `weight`: what the map was multiplied by when stacked. */
export function mapRecord(m: AttentionMap, labels: readonly string[] | null, logits: ArrayLike<number>, probs: ArrayLike<number> | null, weight: number): SliceMapRecord {
  return {
    method: m.method,
    target: m.target == null ? null : { index: m.target, label: labelOf(m.target, labels) },
    targetScore: m.target != null && probs ? probs[m.target]! : null,
    targetLogit: m.target != null ? logits[m.target]! : null,
    solver: m.solver,
    iterations: m.iterations,
    loss: Number.isFinite(m.loss) ? m.loss : null,
    warmStarted: m.warmStarted,
    ...(m.start ? { start: m.start } : {}),
    ...(m.adamPasses ? { adamPasses: m.adamPasses } : {}),
    ...(m.stop ? { stop: m.stop } : {}),
    weight,
  };
}
