// A solve's view of a head with its filter-independent work done once (Head.prepareFilter): the
// solvers' passes (headOracle.ts, objectives.ts) go through `prepared` for these features.
import type * as tf from '@tensorflow/tfjs-core';
import type { Head, SolveOptions } from './types.js';

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
 * Whether a solve with these options runs its passes through the prepared form: not when the
 * sphere solver's passes run on another engine (Head.gradOracle), where preparing is wasted work.
 */
export function wantsPreparedFilter(head: Head, opts: SolveOptions): boolean {
  return !(head.gradOracle && opts.stop.kind === 'optimal' && opts.constraint === 'l2');
}
