// A solve's view of a head with its filter-independent work done once (Head.prepareFilter): the
// solvers' passes (headOracle.ts, objectives.ts) go through `prepared` for these features.
import type * as tf from '@tensorflow/tfjs-core';
import type { Head } from './types.js';

export interface HeadForSolve {
  head: Head;
  dispose(): void;
}

/** The head as it should be iterated on these features; dispose when the solve ends. */
export function withPreparedFilter(head: Head, features: tf.Tensor): HeadForSolve {
  // already prepared for these features by the caller (several maps of one input share it)
  if (head.prepared?.features === features) return { head, dispose: () => {} };
  const prepared = head.prepareFilter?.(features) ?? null;
  if (!prepared) return { head, dispose: () => {} };
  return { head: { ...head, prepared }, dispose: () => prepared.dispose() };
}

/**
 * Whether a solve runs its passes through the prepared form: not when the head's passes run on
 * another engine (Head.gradOracle; every iterative solver uses it), where preparing is wasted work.
 */
export function wantsPreparedFilter(head: Head): boolean {
  return !head.gradOracle;
}
