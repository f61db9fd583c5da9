// The default iterative L2-CAF solve ('optimal' stop rule, 'l2' constraint): Riemannian L-BFGS on
// the unit sphere (sphereLbfgs.ts) over head passes (headOracle.ts), from the previous frame's
// filter and curvature when warm-started, else from the deterministic start (start.ts); a
// class-specific solve on a non-linear head runs from both deterministic starts and keeps the better;
// when L-BFGS ends without its optimality test passing (at kinks), annealed Adam goes on from there
// (sphereAdam.ts), and L-BFGS finishes from the phase's lowest point with the passes left.
import type * as tf from '@tensorflow/tfjs-core';
import { headOracle } from './headOracle.js';
import type { Objective } from './objectives.js';
import { adamOnSphere, SPHERE_ADAM_DEFAULTS } from './sphereAdam.js';
import { minimiseOnSphere, NonFiniteLossError, SPHERE_LBFGS_DEFAULTS, type LbfgsMemory, type SphereOracle, type StopReason } from './sphereLbfgs.js';
import { coldStarts } from './start.js';
import type { Head, SolveOptions, SolveStop, StartKind } from './types.js';
import { filterSize } from './validate.js';

export interface SphereSolveResult {
  filter: Float32Array;
  loss: number;
  /** head passes (forward + backward), the start's included */
  iterations: number;
  memory: LbfgsMemory;
  start: StartKind;
  /** head passes of the Adam phase, where it ran */
  adamPasses?: number;
  /** with a trace, where the phase ran: the trace iterations it began and ended at (L-BFGS's finish follows) */
  adamIterations?: [number, number];
  /** why L-BFGS ended (the Adam phase, where it ran, follows any but 'optimal') */
  stop: SolveStop;
  trace?: { iteration: number; loss: number; filter: Float32Array; passes: number }[];
}

/** L-BFGS's reasons as the map says them (types.ts SolveStop). */
const LBFGS_STOP: Record<StopReason, SolveStop> = { converged: 'optimal', stalled: 'stalled', 'no-progress': 'line-search', 'max-passes': 'pass-limit' };

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

/**
 * How much looser the tolerances are while several cold starts are compared (stepTol 0.2 rad,
 * lossTol 1e-3 with the default rule). Measured on car-detection 0-2 s, class-specific at darknet-tiny
 * leaky_re_lu_13 / leaky_re_lu_12, against the best loss of Adam (paper) and a 300-pass polish:
 * finishing both starts fully took 29.3 / 23.0 passes a cold frame, worst 8.4e-4 / 6.0e-4 above the
 * best; scouting at 10x, 22.8 / 18.4 passes, worst 8.4e-4 / 8.0e-4; at 30x, 21.4 / 17.0 passes but
 * one frame each above 1e-3 (1.4e-3 / 2.1e-3): the scouts then stop before the better start shows.
 */
export const SCOUT_TOLERANCE = 10;

/**
 * The share of the rule's adamPasses a warm-started solve's Adam phase gets (20 of the default 60).
 * A warm solve starts at the previous optimum, so the phase only has to get past the kinks near it;
 * the phase's first steps (0.6 rad) are as long either way. Measured (scratch chains of the default
 * solve against the best loss of cold, paper and a 300-pass polish per frame, 2026-12-07):
 * darknet-tiny leaky_re_lu_10 class-oblivious, car-detection, where every warm frame runs the phase
 * (its first line search fails at the previous optimum's kink): 0-1 s, the whole phase (60) 72.6
 * passes a frame, mean excess +1.7e-4, worst 3.0e-3; 30 passes 44.4, -2.0e-4, 1.4e-3; 20 passes
 * 38.3, -1.8e-4, 1.0e-3; 1-2 s, 30: 43.5, -1.6e-3, 1.5e-3; 20: 38.3, -2.0e-3, 1.5e-3; without
 * any phase on warm frames 11.3 passes but 9.2e-3 above on average (r 0.58 to paper). On
 * someones_anatomy.nii.gz, class 746 (no slice's top-1, every slice warm) the chains are chaotic
 * (a phase that finds a lower optimum moves every later slice): leaky_re_lu_13 30: 18.4 passes a
 * slice, 20: 16.7 (cold 45.4), mean excess over the best of cold and paper -2.2e-3 both, worst
 * 1.65e-2 both (the cold solves' own worst: 5.1e-2); leaky_re_lu_12 30: 19.1, 20: 19.2 (cold 39.2),
 * mean excess 9.7e-4 / 1.1e-3, worst 7.9e-3 / 7.4e-3. Chains whose warm frames pass
 * L-BFGS's test (leaky_re_lu_12 and 13 on video) never run it. Cold solves keep the full phase: they
 * are where it finds the lower basins.
 */
export const WARM_PHASE_SHARE = 1 / 3;

/**
 * The passes of a solve's budget (the rule's maxPasses) kept for the Adam phase: its adamPasses
 * (default 60) but at most half, so that with the default 120 L-BFGS gets the 60 it had before the
 * phase existed.
 */
export function adamReserve(maxPasses: number, adamPasses = SPHERE_ADAM_DEFAULTS.passes): number {
  return Math.min(adamPasses, Math.floor(maxPasses / 2));
}

export function solveOnSphere(head: Head, features: tf.Tensor, obj: Objective, opts: SolveOptions): SphereSolveResult {
  const rule = opts.stop;
  if (rule.kind !== 'optimal') throw new Error(`internal: solveOnSphere needs the 'optimal' stop rule, got '${rule.kind}'`);
  const adamPasses = rule.adamPasses ?? SPHERE_ADAM_DEFAULTS.passes;
  if (!(rule.stepTol > 0 && rule.lossTol > 0 && Number.isInteger(rule.maxPasses) && rule.maxPasses >= 1 && Number.isInteger(adamPasses) && adamPasses >= 0)) {
    throw new Error(`stop rule 'optimal': stepTol and lossTol must be > 0, maxPasses a positive integer and adamPasses a whole number, got ${JSON.stringify(rule)}`);
  }
  const S = filterSize(head);
  if (opts.init && opts.init.length !== S) throw new Error(`warm start has ${opts.init.length} values but the 'l2' constraint needs ${S} for this filter shape`);
  const oracle = guardGradient(headOracle(head, features, obj));
  try {
    const starts = opts.init ? null : coldStarts(oracle, S, obj.kind === 'class', opts.start ?? 'deterministic', opts.seed, head.linearity === 'nonlinear', opts.neighbour);
    const traceEvery = opts.traceEvery ?? 0;
    // The head passes of every start and every run so far: maxPasses bounds them all together, the
    // L-BFGS runs to lbfgsMax of them.
    const lbfgsMax = rule.maxPasses - adamReserve(rule.maxPasses, adamPasses);
    let spent = starts ? starts.reduce((n, c) => n + c.passes, 0) : 0;
    // A leg's trace counts its iterations on from `base`: a leg finishing a scout's run goes on from
    // the scout's last iteration, after the scout's own trace (so a replay draws the solve from its start).
    type Leg = { r: ReturnType<typeof minimiseOnSphere>; kind: StartKind; trace: SphereSolveResult['trace']; lastIteration: number; unfinished?: boolean };
    const runLeg = (x0: Float64Array, kind: StartKind, looser: number, memory: LbfgsMemory | undefined, after?: Leg, cap = lbfgsMax): Leg => {
      const base = after ? after.lastIteration : 0;
      const trace: SphereSolveResult['trace'] = traceEvery > 0 ? [...(after?.trace ?? [])] : undefined;
      const before = spent;
      const r = minimiseOnSphere(
        oracle,
        x0,
        { ...SPHERE_LBFGS_DEFAULTS, stepTol: rule.stepTol * looser, lossTol: rule.lossTol * looser, maxPasses: Math.max(1, cap - spent) },
        memory,
        trace || opts.onIteration
          ? (x, loss, k, passes) => {
              // (k = 0 of a leg after a scout is the scout's answer, already traced)
              if (trace && (base + k) % traceEvery === 0 && !(after && k === 0)) trace.push({ iteration: base + k, loss, filter: Float32Array.from(x), passes: before + passes });
              opts.onIteration?.(Math.min(before + k, rule.maxPasses), rule.maxPasses);
            }
          : undefined,
      );
      spent += r.passes;
      // L-BFGS takes few iterations: the trace always ends with the answer.
      const last = base + r.history.length - 1;
      // (before + r.passes: the leg's passes, a failed line search's trials after its last accepted point included)
      if (trace && trace[trace.length - 1]?.iteration !== last) trace.push({ iteration: last, loss: r.loss, filter: Float32Array.from(r.x), passes: before + r.passes });
      return { r, kind, trace, lastIteration: last };
    };
    let leg: Leg;
    if (!starts) leg = runLeg(Float64Array.from(opts.init!), 'warm', 1, opts.initMemory);
    else if (starts.length === 1) leg = runLeg(starts[0]!.x0, starts[0]!.kind, 1, undefined);
    else {
      // Several starts: each scouted to SCOUT_TOLERANCE x the tolerances, then the lowest finished
      // to the full ones from where it stopped, with its curvature (the trace: that start's runs).
      // A spent budget ends the comparison (maxPasses holds for the whole solve).
      let scout: Leg | null = null;
      for (const start of starts) {
        if (scout && spent >= lbfgsMax) break;
        const l = runLeg(start.x0, start.kind, SCOUT_TOLERANCE, undefined);
        if (!scout || l.r.loss < scout.r.loss) scout = l;
      }
      leg = spent >= lbfgsMax ? { ...scout!, unfinished: true } : runLeg(scout!.r.x, scout!.kind, 1, scout!.r.memory, scout!);
    }
    const { r, kind, lastIteration: lbfgsLast } = leg;
    let trace = leg.trace;
    // (a scout left unfinished by the budget passed only the looser test)
    const stop: SolveStop = leg.unfinished ? 'pass-limit' : LBFGS_STOP[r.stop];
    const phase = Math.min(opts.init ? Math.ceil(adamPasses * WARM_PHASE_SHARE) : adamPasses, rule.maxPasses - spent);
    let adam: ReturnType<typeof adamOnSphere> | null = null;
    if (stop !== 'optimal' && phase > 0) {
      // L-BFGS could not certify its answer: annealed Adam from it, the lowest point kept.
      const before = spent;
      adam = adamOnSphere(oracle, r.x, r, { ...SPHERE_ADAM_DEFAULTS, passes: phase }, (xa, la, k) => {
        if (trace && (lbfgsLast + k) % traceEvery === 0) trace.push({ iteration: lbfgsLast + k, loss: la, filter: Float32Array.from(xa), passes: before + k });
        opts.onIteration?.(Math.min(before + k, rule.maxPasses), rule.maxPasses);
      });
      spent += adam.passes;
      // the trace ends with the answer (the lowest point, not always the last one), once per iteration
      const lastIteration = lbfgsLast + adam.passes;
      if (trace && trace[trace.length - 1]?.iteration === lastIteration) trace.pop();
      if (trace) trace.push({ iteration: lastIteration, loss: adam.loss, filter: Float32Array.from(adam.x), passes: spent });
    }
    // L-BFGS again from the phase's lowest point, with the passes left and fresh curvature: the
    // phase gets past the kinks L-BFGS stopped at, but its annealed steps end short of the optimum
    // it reached. Measured (car-detection 0-1 s, darknet-tiny leaky_re_lu_10, class-oblivious, where
    // every frame runs the phase): 4-9 more passes a frame, every frame from up to 1.6e-3 above a
    // 300-pass polish from the phase's answer to within 9.2e-5; over chains, README (Solvers). The
    // warm start of the next frame keeps L-BFGS's first-run curvature (`memory` below): the finish's,
    // measured at a kink, let warm frames pass the test after 2-3 passes up to 8e-3 above.
    let finish: Leg | null = null;
    if (adam && spent < rule.maxPasses) {
      finish = runLeg(Float64Array.from(adam.x), kind, 1, undefined, { r, kind, trace, lastIteration: lbfgsLast + adam.passes }, rule.maxPasses);
      trace = finish.trace;
      // the answer's step counts every pass spent, the finish's failed line-search trials after it included
      const answer = trace?.at(-1);
      if (answer) answer.passes = spent;
    }
    const end = finish?.r ?? adam ?? r;
    // progress ends at the passes spent (a leg reports its accepted steps, a failed line search's trials after them not)
    if (finish) opts.onIteration?.(Math.min(spent, rule.maxPasses), rule.maxPasses);
    return {
      filter: Float32Array.from(end.x),
      loss: end.loss,
      iterations: spent,
      memory: r.memory,
      start: kind,
      stop,
      ...(adam ? { adamPasses: adam.passes } : {}),
      ...(adam && trace ? { adamIterations: [lbfgsLast, lbfgsLast + adam.passes] as [number, number] } : {}),
      ...(trace ? { trace } : {}),
    };
  } catch (e) {
    throw whereFailed(head, e);
  }
}
