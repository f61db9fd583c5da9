// What a deletion/insertion curve records for one forward pass. Pure.
//   classifier (logits): the target's softmax probability;
//   embedding: the cosine similarity of the output to the unperturbed input's output (1 at the start
//   of deletion), since an embedding has no class to score.
import { softmax } from '../engine/predictions.js';

export function targetProbability(logits: ArrayLike<number>, target: number): number {
  if (!Number.isInteger(target) || target < 0 || target >= logits.length) {
    throw new RangeError(`target ${target} is outside the model's ${logits.length} outputs`);
  }
  return softmax(logits)[target]!;
}

export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`cosineSimilarity: lengths ${a.length} and ${b.length} differ`);
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  // A zero vector points nowhere: similarity 0 rather than NaN.
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
}

/** How one output is scored against the target (classifier) or the reference output (embedding). */
export type Scorer = (output: ArrayLike<number>) => number;

export function makeScorer(kind: 'logits' | 'embedding', target: number | null, reference: ArrayLike<number>): Scorer {
  if (kind === 'embedding') {
    const ref = Float64Array.from(reference);
    return (o) => cosineSimilarity(o, ref);
  }
  if (target == null) throw new Error('a classifier needs a target class to score');
  return (o) => targetProbability(o, target);
}
