// Annealed Adam on the unit sphere: what the default solve runs after L-BFGS when L-BFGS ends without
// its optimality test passing (stalled, or its line search failing at a kink). Why: on piecewise-
// linear heads (leaky ReLU, ReLU6) the loss has narrow valleys of kinks, where the gradient points
// almost across the valley and a quasi-Newton model never predicts convergence; L-BFGS stops at their
// wall. Adam's averaged, sign-like steps of a shrinking length follow such a valley: that is how the
// paper's solver gets there, in hundreds of iterations from a random start. Run from L-BFGS's answer
// for 60 passes, it brought every unconverged darknet-tiny solve we measured within 2.2e-4 of the
// best loss known (README, Solvers): e.g. leaky_re_lu_12, coffee.png, class-specific: from 7.6e-3
// above a 3000-iteration reference to below it; leaky_re_lu_10, chelsea.png: from 3.1e-2 above the
// best known to it. (MobileNetV2 features.16, class-specific: from 2.5x the reference's loss to 1.37x.)
// A warm-started solve runs it for a third as long (sphereSolve.ts WARM_PHASE_SHARE).
// The schedule copies what the paper's Adam does to f = v/||v||: its steps are lr per component on v
// while ||v|| grows like the square root of the steps taken, so the step on the sphere shrinks like
// 1/sqrt(k), times the linear decay of lr to zero over the run. Pure: no TF.js; the best point seen
// is kept, so the answer is never worse than the start.
import { checkFinite, project, retract, type SphereOracle } from './sphereLbfgs.js';

export interface SphereAdamOptions {
  /** Oracle calls (head passes), each at a new point. */
  passes: number;
  /** Length (radians) of the first step: each of the S components moves by alpha / sqrt(S). */
  alpha: number;
  beta1: number;
  beta2: number;
}

/**
 * alpha 0.6, 60 passes: measured from L-BFGS's answer at darknet-tiny leaky_re_lu_12 (coffee.png)
 * and the MobileNetV2 fixture's features.16 (chelsea.png), class-specific: alpha 0.45-0.9 ended
 * within 9e-4 of each other at leaky_re_lu_12 (all below the reference) and at 1.31-1.39x the
 * reference's loss on MobileNetV2; 40 passes left leaky_re_lu_12 2.8e-3 to 4.5e-3 above the
 * reference, constant steps (no 1/sqrt(k)) 3e-3 and more. The survey in the README (9 unconverged
 * solves at five layers) ran these defaults.
 */
export const SPHERE_ADAM_DEFAULTS: SphereAdamOptions = { passes: 60, alpha: 0.6, beta1: 0.9, beta2: 0.999 };

export interface SphereAdamResult {
  /** the best point seen (the start when nothing was lower) */
  x: Float64Array;
  loss: number;
  passes: number;
  /** loss at each new point */
  history: number[];
}

/**
 * From the unit vector x0, whose loss and Euclidean gradient the caller already has (the solve that
 * ended there), `passes` Adam steps on the sphere; returns the lowest point seen.
 */
export function adamOnSphere(
  oracle: SphereOracle,
  x0: Float64Array,
  at0: { loss: number; grad: Float64Array },
  opts: SphereAdamOptions,
  /** called with every new point (k = 1 .. passes) */
  onIterate?: (x: Float64Array, loss: number, k: number) => void,
): SphereAdamResult {
  const S = x0.length;
  const K = opts.passes;
  let x: Float64Array = Float64Array.from(x0);
  let grad: Float64Array = at0.grad;
  let best: { x: Float64Array; loss: number } = { x, loss: at0.loss };
  const m = new Float64Array(S);
  const v = new Float64Array(S);
  const history: number[] = [];
  for (let k = 1; k <= K; k++) {
    const g = project(x, grad);
    project(x, m, m); // the first moment stays a tangent vector as x moves
    for (let i = 0; i < S; i++) {
      m[i] = opts.beta1 * m[i]! + (1 - opts.beta1) * g[i]!;
      v[i] = opts.beta2 * v[i]! + (1 - opts.beta2) * g[i]! * g[i]!;
    }
    const c1 = 1 - opts.beta1 ** k;
    const c2 = 1 - opts.beta2 ** k;
    // Adam's epsilon relative to the largest second moment: heads whose gradients are ~1e-20 (the
    // MobileNetV2 fixture) get the same steps as at any other scale.
    let vmax = 0;
    for (let i = 0; i < S; i++) vmax = Math.max(vmax, v[i]!);
    const eps = 1e-8 * Math.sqrt(vmax / c2) + 1e-300;
    const lr = (opts.alpha / Math.sqrt(S) / Math.sqrt(k)) * (1 - (k - 1) / K);
    const d = new Float64Array(S);
    for (let i = 0; i < S; i++) d[i] = (-lr * (m[i]! / c1)) / (Math.sqrt(v[i]! / c2) + eps);
    x = retract(x, project(x, d, d));
    const r = oracle(x);
    checkFinite(r.loss, r.grad, 'during the Adam phase');
    grad = r.grad;
    history.push(r.loss);
    onIterate?.(x, r.loss, k);
    if (r.loss < best.loss) best = { x, loss: r.loss };
  }
  return { x: best.x, loss: best.loss, passes: K, history };
}
