// The factor a slice's 0..1 map is multiplied by before it is stacked (see SliceWeighting). Pure.
import type { SliceWeighting } from './types.js';

/**
 * `probabilities`: the slice's softmax over the outputs (null for embedding models, which have
 * none: weight 1). Class-specific maps: the target's probability, so slices where the network
 * does not see the class fade. Class-oblivious maps: the top-1 probability (how sure the network
 * is of anything in the slice).
 */
export function sliceWeight(weighting: SliceWeighting, probabilities: ArrayLike<number> | null, target: number | null): number {
  if (weighting === 'none' || probabilities == null) return 1;
  if (target != null) {
    const p = probabilities[target];
    if (p === undefined) throw new RangeError(`target ${target} is out of range (${probabilities.length} outputs)`);
    return p;
  }
  let max = 0;
  for (let i = 0; i < probabilities.length; i++) if (probabilities[i]! > max) max = probabilities[i]!;
  return max;
}
