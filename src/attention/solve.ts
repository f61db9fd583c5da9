// solveL2caf: picks the exact or the iterative solver and returns the map. The exact solvers apply
// when the head is affine in the filter and the constraint is 'l2' (the sphere); they are both
// faster and at least as good, so 'auto' prefers them.
import * as tf from '@tensorflow/tfjs-core';
import { affineOutputs, classSpecificLoss, readAffine, requireAffine, unfilteredOutputs, type AffineMap } from './affine.js';
import { solveExactClassSpecific } from './exactClassSpecific.js';
import { solveExactOblivious } from './exactOblivious.js';
import { solveIterative, type IterativeResult } from './iterative.js';
import { absValues } from './normalise.js';
import { affineProxy, type AffineProxy } from './affineProxy.js';
import { disposeObjective, makeObjective, type Objective } from './objectives.js';
import { adamOutputScale, scaledHead, unscaleLoss } from './outputScale.js';
import { makeAttentionMap } from './result.js';
import { headOracle } from './headOracle.js';
import { wantsPreparedFilter, withPreparedFilter, type HeadForSolve } from './preparedFilter.js';
import { solveOnSphere } from './sphereSolve.js';
import { coldStart } from './start.js';
import type { AttentionMap, Head, SolveOptions, StartKind, StopRule } from './types.js';
import { checkFeatures, checkTarget, filterSize } from './validate.js';

/**
 * 'paper': the reference code (Adam, lr 0.5 decayed linearly to 0 over 1000 iterations, stop when the
 * loss changed by < 1e-4 over 50 iterations). 'converged' (the default): L-BFGS on the sphere, stopped
 * when the quasi-Newton model says the filter is optimal (OPTIMAL_RULE). Both start deterministically
 * (start.ts) unless start: 'random' or 'also-random' (--seed) is asked for.
 */
export function defaultSolveOptions(preset: 'paper' | 'converged'): SolveOptions {
  const base = { constraint: 'l2', solver: 'auto', learningRate: 0.5, maxIterations: 1000, seed: 0, start: 'deterministic' } as const;
  if (preset === 'paper') return { ...base, stop: { kind: 'paper', every: 50, tol: 1e-4 } };
  if (preset === 'converged') return { ...base, stop: { ...OPTIMAL_RULE } };
  throw new Error(`unknown preset "${String(preset)}": choose paper or converged`);
}

/**
 * Stop when the filter would still move by < 0.02 rad and the loss still fall by < 1e-4 of itself
 * (the quasi-Newton model's predictions). Checked against long Adam reference solves on darknet-tiny
 * (test/attention/nonlinearReference.test.ts): at leaky_re_lu_13 maps r >= 0.996 and losses within
 * 3.4e-4 in 4 (class-oblivious) and 27 (class-specific, two starts: start.ts) head passes. 120 passes
 * at most: L-BFGS runs to 60 of them; where it ends without that test passing (stalled or stopped at
 * a kink, e.g. leaky_re_lu_12 class-specific, 7.6e-3 above the reference), annealed Adam takes the
 * other 60 from its answer (sphereSolve.ts, sphereAdam.ts; there: 9.7e-4 below the reference).
 */
export const OPTIMAL_RULE = { kind: 'optimal', stepTol: 0.02, lossTol: 1e-4, maxPasses: 120 } as const;

/**
 * Adam's rule for the constraints L-BFGS on the sphere does not cover ('softmax', 'gaussian'), when
 * the 'optimal' rule is asked for: stop once 4 iterations in a row each moved the filter by < 0.7%.
 */
export const CONVERGED_RULE = { kind: 'converged', window: 4, relTol: 7e-3, minIterations: 4 } as const;

/**
 * The options with an iteration limit n (`--max-iterations`): Adam's steps, and the head passes of
 * the 'optimal' rule (L-BFGS and the Adam phase after it together).
 */
export function withIterationLimit<T extends Pick<SolveOptions, 'maxIterations' | 'stop'>>(opts: T, n: number): T {
  return { ...opts, maxIterations: n, ...(opts.stop.kind === 'optimal' ? { stop: { ...opts.stop, maxPasses: n } } : {}) };
}

/** A preset's options under an iteration limit n (the preset's own without n). */
export function presetSolveOptions(preset: 'paper' | 'converged', n: number | undefined): SolveOptions {
  const opts = defaultSolveOptions(preset);
  return n === undefined ? opts : withIterationLimit(opts, n);
}

/** What an iteration limit n changes in a preset's options (none without n): for pipelines that take overrides of the preset. */
export function presetLimit(preset: 'paper' | 'converged', n: number | undefined): Partial<Pick<SolveOptions, 'maxIterations' | 'stop'>> {
  if (n === undefined) return {};
  const { maxIterations, stop } = presetSolveOptions(preset, n);
  return { maxIterations, stop };
}

/** True when an iterative solve runs L-BFGS on the sphere (sphereSolve.ts); else it runs Adam. */
export function usesSphereLbfgs(opts: SolveOptions): opts is SolveOptions & { stop: Extract<StopRule, { kind: 'optimal' }> } {
  return opts.stop.kind === 'optimal' && opts.constraint === 'l2';
}

/** The most iterations an iterative solve may take: head passes for L-BFGS, Adam steps otherwise. */
export function iterationLimit(opts: SolveOptions): number {
  return usesSphereLbfgs(opts) ? opts.stop.maxPasses : opts.maxIterations;
}

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
    start: 'exact',
    filterShape: head.filterShape,
    startedAt,
  });
}

/** Adam on the head, or on its outputs scaled to order 1 when they are tiny (outputScale.ts). */
function solveAdam(h: Head, x: tf.Tensor, target: number | null, obj: Objective, opts: SolveOptions, logits?: Float32Array): IterativeResult {
  // (class-oblivious: NT, which the objective already holds; class-specific: one head pass)
  const outputs = logits ?? (obj.kind === 'oblivious' ? (obj.nt.dataSync() as Float32Array) : tf.tidy(() => h.apply(x).dataSync() as Float32Array));
  const k = adamOutputScale(outputs);
  if (k === 1) return solveIterative(h, x, obj, opts);
  const scaled = scaledHead(h, k);
  const scaledObj = makeObjective(scaled, x, target, Float32Array.from(outputs, (v) => v * k));
  try {
    const r = solveIterative(scaled, x, scaledObj, opts);
    const unscale = (loss: number) => unscaleLoss(loss, k, target !== null);
    return { ...r, loss: unscale(r.loss), ...(r.trace ? { trace: r.trace.map((t) => ({ ...t, loss: unscale(t.loss) })) } : {}) };
  } finally {
    disposeObjective(scaledObj);
  }
}

/** What the caller may know already about this input, so the solve does not compute it again. */
export interface KnownOutputs {
  /** the head's affine map (shared by several exact solves on one input) */
  affine?: AffineMap;
  /** the head's outputs without a filter (NT) */
  logits?: Float32Array;
}

/**
 * L2-CAF on one input's features [1, ...head.featureShape]. target null = class-oblivious
 * (minimise mean_k (NT_k - FT_k)^2); a number = class-specific (minimise sum_{k!=t} FT_k - FT_t).
 * The map is |f|.
 */
export function solveL2caf(head: Head, features: tf.Tensor, target: number | null, opts: SolveOptions, known: KnownOutputs = {}): AttentionMap {
  const affine = known.affine;
  const startedAt = performance.now();
  checkFeatures(head, features);
  if (target !== null) checkTarget(head, target);
  const method: AttentionMap['method'] = target === null ? 'l2caf' : 'l2caf-class';
  const exact = usesExactSolver(head, opts);
  if (exact) return solveExact(head, features, target, method, startedAt, affine);
  // Iterating on an affine head: use its exact affine form (same function, far cheaper per step).
  const proxy: AffineProxy | null = head.linearity !== 'nonlinear' && typeof head.affine === 'function' ? affineProxy(head, features) : null;
  const common = { method, target, solver: 'iterative' as const, warmStarted: opts.init !== undefined, filterShape: head.filterShape, startedAt };
  let prepared: HeadForSolve | null = null;
  let obj: Objective | null = null;
  try {
    // Otherwise the head's filter-independent work (its first convolution per kernel offset) is done once.
    prepared = proxy ? null : wantsPreparedFilter(head) ? withPreparedFilter(head, features) : { head, dispose: () => {} };
    const h = proxy ? proxy.head : prepared!.head;
    const x = proxy ? proxy.features : features;
    // NT (class-oblivious) is the logits the caller already has: a head forward saved.
    obj = makeObjective(h, x, target, proxy ? undefined : known.logits);
    if (usesSphereLbfgs(opts)) {
      const r = solveOnSphere(h, x, obj, opts);
      // f itself is a valid 'l2' parameter v (f = v/||v||).
      return makeAttentionMap({ ...common, iterations: r.iterations, loss: r.loss, raw: absValues(r.filter), param: r.filter, memory: r.memory, start: r.start, stop: r.stop, ...(r.adamPasses ? { adamPasses: r.adamPasses } : {}), ...(r.adamIterations ? { adamIterations: r.adamIterations } : {}), ...(r.trace ? { trace: r.trace } : {}) });
    }
    let adamOpts = opts.stop.kind === 'optimal' ? { ...opts, stop: { ...CONVERGED_RULE } } : opts;
    let start: StartKind = 'warm';
    if (!opts.init) {
      // Adam starts where L-BFGS would (the Gaussian constraint starts at the grid centre, always).
      const cold = opts.constraint === 'gaussian' ? null : coldStart(headOracle(h, x, obj), filterSize(head), target !== null, opts.start ?? 'deterministic', opts.seed);
      // Scaled to the norm of an N(0,1) start, sqrt(S): v's norm sets the size of Adam's steps
      // (lr 0.5 per component) relative to v, and the reference settings were tuned for that.
      if (cold && cold.kind !== 'random') {
        let n2 = 0;
        for (const v of cold.x0) n2 += v * v; // (not Math.hypot(...x0): S can exceed the spread-argument limit)
        const scale = Math.sqrt(cold.x0.length / n2);
        adamOpts = { ...adamOpts, init: Float32Array.from(cold.x0, (v) => v * scale) };
      }
      start = cold ? cold.kind : 'uniform';
    }
    const r = solveAdam(h, x, target, obj, adamOpts, proxy ? undefined : known.logits);
    return makeAttentionMap({ ...common, iterations: r.iterations, loss: r.loss, raw: absValues(r.filter), param: r.param, start, stop: r.stop, ...(r.trace ? { trace: r.trace } : {}) });
  } finally {
    if (obj) disposeObjective(obj);
    proxy?.dispose();
    prepared?.dispose();
  }
}
