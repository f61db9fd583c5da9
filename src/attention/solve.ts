// solveL2caf: picks the exact or the iterative solver and returns the map. The exact solvers apply
// when the head is affine in the filter and the constraint is 'l2' (the sphere); they are both
// faster and at least as good, so 'auto' prefers them.
import type * as tf from '@tensorflow/tfjs-core';
import { affineOutputs, classSpecificLoss, readAffine, requireAffine, unfilteredOutputs, type AffineMap } from './affine.js';
import { solveExactClassSpecific } from './exactClassSpecific.js';
import { solveExactOblivious } from './exactOblivious.js';
import { solveIterative } from './iterative.js';
import { absValues } from './normalise.js';
import { affineProxy, type AffineProxy } from './affineProxy.js';
import { disposeObjective, makeObjective } from './objectives.js';
import { makeAttentionMap } from './result.js';
import type { AttentionMap, Head, SolveOptions } from './types.js';
import { checkFeatures, checkTarget } from './validate.js';

/**
 * 'paper': the reference code (Adam, lr 0.5 decayed linearly to 0 over 1000 iterations, stop when the
 * loss changed by < 1e-4 over 50 iterations). 'converged': the same optimiser, stopped as soon as the
 * filter has settled (the default for video, where each frame warm-starts from the previous one).
 */
export function defaultSolveOptions(preset: 'paper' | 'converged'): SolveOptions {
  const base = { constraint: 'l2', solver: 'auto', learningRate: 0.5, maxIterations: 1000, seed: 0 } as const;
  if (preset === 'paper') return { ...base, stop: { kind: 'paper', every: 50, tol: 1e-4 } };
  if (preset === 'converged') return { ...base, stop: { ...CONVERGED_RULE } };
  throw new Error(`unknown preset "${String(preset)}": choose paper or converged`);
}

/**
 * Tuned on the test heads (test/attention/converged.test.ts): stop once 4 iterations in a row each
 * moved the filter by < 0.7%. Measured there: cold starts stop after 40-80 iterations where 'paper'
 * stops at 100-150, with maps correlating >= 0.99 with a 1000-iteration solve. A warm start gains
 * less than one might hope: Adam starts with fresh moments, so its first steps are full-size
 * (~lr per component) however close v already is; warm starts stop after ~30-45 iterations, or
 * after 4 when the start is optimal to float precision.
 */
export const CONVERGED_RULE = { kind: 'converged', window: 4, relTol: 7e-3, minIterations: 4 } as const;

/** True when the exact solver will be used; throws when 'exact' was asked for and cannot apply. */
export function usesExactSolver(head: Head, opts: SolveOptions): boolean {
  switch (opts.solver) {
    case 'iterative':
      return false;
    case 'exact':
      requireAffine(head, "solver 'exact'");
      if (opts.constraint !== 'l2') {
        throw new Error(`solver 'exact' exists only for the 'l2' constraint (got '${opts.constraint}'): use solver 'iterative' or 'auto'`);
      }
      return true;
    case 'auto':
      return head.linearity !== 'nonlinear' && typeof head.affine === 'function' && opts.constraint === 'l2';
    default:
      throw new Error(`unknown solver "${String(opts.solver)}": choose auto, iterative or exact`);
  }
}

/**
 * The exact solvers on the head's affine map FT(f) = J f + c, read once: NT = J 1 + c (the head
 * without the filter), and the reported loss is the objective evaluated through the same map, so
 * no further head passes are needed (each costs as much as the solve on a 1000-class head).
 */
function solveExact(head: Head, features: tf.Tensor, target: number | null, method: AttentionMap['method'], startedAt: number, affine?: AffineMap): AttentionMap {
  const a = affine ?? readAffine(head, features);
  let f: Float64Array;
  let iterations: number;
  let loss: number;
  if (target === null) {
    const r = solveExactOblivious(a, unfilteredOutputs(a));
    f = r.x;
    iterations = r.steps;
    loss = r.loss;
  } else {
    // Closed form: one J^T s product, no iterations.
    f = solveExactClassSpecific(a, target);
    iterations = 0;
    loss = classSpecificLoss(affineOutputs(a, f), target);
  }
  const filter = Float32Array.from(f);
  return makeAttentionMap({
    method,
    target,
    solver: 'exact',
    iterations,
    loss,
    raw: absValues(filter),
    // v = f is a valid 'l2' parameter (f = v/||v||), usable to warm-start an iterative solve.
    param: filter,
    warmStarted: false,
    filterShape: head.filterShape,
    startedAt,
  });
}

/**
 * L2-CAF on one input's features [1, ...head.featureShape]. target null = class-oblivious
 * (minimise mean_k (NT_k - FT_k)^2); a number = class-specific (minimise sum_{k!=t} FT_k - FT_t).
 * The map is |f|. `affine`: the head's affine map when the caller has read it already (shared by
 * several exact solves on one input).
 */
export function solveL2caf(head: Head, features: tf.Tensor, target: number | null, opts: SolveOptions, affine?: AffineMap): AttentionMap {
  const startedAt = performance.now();
  checkFeatures(head, features);
  if (target !== null) checkTarget(head, target);
  const method = target === null ? 'l2caf' : 'l2caf-class';
  const exact = usesExactSolver(head, opts);
  if (exact) return solveExact(head, features, target, method, startedAt, affine);
  // Iterating on an affine head: use its exact affine form (same function, far cheaper per step).
  const proxy: AffineProxy | null = head.linearity !== 'nonlinear' && typeof head.affine === 'function' ? affineProxy(head, features) : null;
  const obj = proxy ? makeObjective(proxy.head, proxy.features, target) : makeObjective(head, features, target);
  try {
    const r = proxy ? solveIterative(proxy.head, proxy.features, obj, opts) : solveIterative(head, features, obj, opts);
    return makeAttentionMap({
      method,
      target,
      solver: 'iterative',
      iterations: r.iterations,
      loss: r.loss,
      raw: absValues(r.filter),
      param: r.param,
      ...(r.trace ? { trace: r.trace } : {}),
      warmStarted: opts.init !== undefined,
      filterShape: head.filterShape,
      startedAt,
    });
  } finally {
    disposeObjective(obj);
    proxy?.dispose();
  }
}
