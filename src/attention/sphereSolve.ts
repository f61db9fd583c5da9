// The default iterative L2-CAF solve ('optimal' stop rule, 'l2' constraint): Riemannian L-BFGS on
// the unit sphere (sphereLbfgs.ts) over head passes (headOracle.ts), from the previous frame's
// filter and curvature when warm-started, else from the deterministic start (start.ts).
import type * as tf from '@tensorflow/tfjs-core';
import { headOracle } from './headOracle.js';
import type { Objective } from './objectives.js';
import { minimiseOnSphere, NonFiniteLossError, SPHERE_LBFGS_DEFAULTS, type LbfgsMemory, type SphereOracle } from './sphereLbfgs.js';
import { coldStart } from './start.js';
import type { Head, SolveOptions, StartKind } from './types.js';
import { filterSize } from './validate.js';

export interface SphereSolveResult {
  filter: Float32Array;
  loss: number;
  /** head passes (forward + backward), the start's included */
  iterations: number;
  memory: LbfgsMemory;
  start: StartKind;
  trace?: { iteration: number; loss: number; filter: Float32Array }[];
}

/** Names the layer in the solver's errors: a NaN deep in a head is otherwise unplaceable. */
function whereFailed(head: Head, e: unknown): Error {
  const at = head.layer ? `the head after layer ${head.layer}` : 'the head';
  if (e instanceof NonFiniteLossError) return new Error(`L2-CAF: ${e.message} in ${at} (non-finite features or weights?)`);
  if (e instanceof NoGradientError) return new Error(`L2-CAF: ${at} does not depend on the filter (its gradient is zero everywhere at the start): choose another layer`);
  return e as Error;
}

class NoGradientError extends Error {}

/** Throws NoGradientError when the first pass's gradient is exactly zero: no path from the filter to the outputs. */
function guardGradient(oracle: SphereOracle): SphereOracle {
  let first = true;
  return (x) => {
    const r = oracle(x);
    if (first) {
      first = false;
      if (Number.isFinite(r.loss) && r.grad.every((g) => g === 0)) throw new NoGradientError();
    }
    return r;
  };
}

export function solveOnSphere(head: Head, features: tf.Tensor, obj: Objective, opts: SolveOptions): SphereSolveResult {
  const rule = opts.stop;
  if (rule.kind !== 'optimal') throw new Error(`internal: solveOnSphere needs the 'optimal' stop rule, got '${rule.kind}'`);
  if (!(rule.stepTol > 0 && rule.lossTol > 0 && Number.isInteger(rule.maxPasses) && rule.maxPasses >= 1)) {
    throw new Error(`stop rule 'optimal': stepTol and lossTol must be > 0 and maxPasses a positive integer, got ${JSON.stringify(rule)}`);
  }
  const S = filterSize(head);
  if (opts.init && opts.init.length !== S) throw new Error(`warm start has ${opts.init.length} values but the 'l2' constraint needs ${S} for this filter shape`);
  const oracle = guardGradient(headOracle(head, features, obj));
  try {
    const cold = opts.init ? null : coldStart(oracle, S, obj.kind === 'class', opts.start ?? 'deterministic', opts.seed);
    const x0 = opts.init ? Float64Array.from(opts.init) : cold!.x0;
    const traceEvery = opts.traceEvery ?? 0;
    const trace: SphereSolveResult['trace'] = traceEvery > 0 ? [] : undefined;
    const spent = cold?.passes ?? 0;
    const r = minimiseOnSphere(
      oracle,
      x0,
      { ...SPHERE_LBFGS_DEFAULTS, stepTol: rule.stepTol, lossTol: rule.lossTol, maxPasses: Math.max(1, rule.maxPasses - spent) },
      opts.init ? opts.initMemory : undefined,
      trace || opts.onIteration
        ? (x, loss, k) => {
            if (trace && k % traceEvery === 0) trace.push({ iteration: k, loss, filter: Float32Array.from(x) });
            opts.onIteration?.(k, rule.maxPasses);
          }
        : undefined,
    );
    // L-BFGS takes few iterations: the trace always ends with the answer.
    const last = r.history.length - 1;
    if (trace && trace[trace.length - 1]?.iteration !== last) trace.push({ iteration: last, loss: r.loss, filter: Float32Array.from(r.x) });
    return {
      filter: Float32Array.from(r.x),
      loss: r.loss,
      iterations: r.passes + spent,
      memory: r.memory,
      start: cold ? cold.kind : 'warm',
      ...(trace ? { trace } : {}),
    };
  } catch (e) {
    throw whereFailed(head, e);
  }
}
