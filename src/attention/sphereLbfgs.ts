// Riemannian L-BFGS on the unit sphere, on plain arrays: the L2-CAF filter f = v/||v|| lives on the
// sphere, so the solver works there directly (retraction x -> (x + d)/||x + d||, vector transport by
// projection onto the new tangent space). Each call of the oracle is one head forward + backward (a
// "pass"), by far the dominant cost on non-linear heads, so everything here is arranged to spend
// as few passes as possible:
// - the stop test uses the quasi-Newton model before a pass is spent: the predicted step ||H g||
//   (how far the filter would still move) and the predicted decrease -g.Hg/2 (how much loss is
//   left), both measures of optimality, unlike "the filter moved little in the last step";
// - the step is the quasi-Newton step itself (t = 1), accepted by an Armijo test; a failed test
//   backtracks with the minimiser of the quadratic through the two losses, so line-search passes
//   are rare, and stops the solve once the step is shorter than the stop test would notice;
// - the curvature pairs (s, y) and the initial scale survive between solves (warm starts: frame
//   n+1 starts from frame n's optimum with frame n's curvature, so its first step is already a
//   Newton-like step, not a gradient step that throws the start away).
// Pure: no TF.js, so it is unit-tested on functions with known minima.

/** One pass: the objective and its Euclidean gradient at a unit vector x. */
export type SphereOracle = (x: Float64Array) => { loss: number; grad: Float64Array };

/** What a solve hands the next one (plain data: it can cross a worker boundary). */
export interface LbfgsMemory {
  /** transported steps and gradient changes, oldest first */
  s: Float64Array[];
  y: Float64Array[];
  /** the initial inverse-Hessian scale H0 = gamma I */
  gamma: number;
}

export interface SphereLbfgsOptions {
  /** Oracle calls at most (the start's included). */
  maxPasses: number;
  /** Stop when the predicted step ||H g|| (radians) is at most this ... */
  stepTol: number;
  /** ... and the predicted decrease -g.Hg/2 is at most lossTol x max(|loss|, lossFloor x |start loss|). */
  lossTol: number;
  /**
   * Keeps the loss-relative tests meaningful where the loss nears zero, relative to the loss at the
   * start so that the tests do not depend on the loss's units. (It was an absolute 1e-12: on a head
   * whose outputs are ~1e-9, the MobileNetV2 fixture with random weights, class-oblivious losses are
   * ~1e-20, so 1e-12 was every tolerance, and the stall rule ended every solve at its 7th pass, 1.1%
   * above the optimum at features.10; a solve must not change with the units of the outputs.)
   */
  lossFloor: number;
  /** Curvature pairs kept. */
  memory: number;
  /** Length (radians) of the first step when there is no curvature yet. */
  firstStep: number;
  /** No step longer than this (radians): keeps early steps on the same side of the sphere. */
  maxStep: number;
  /** A failed trial step shorter than this x stepTol ends the solve (STEP_FLOOR; 0: backtrack on). */
  stepFloor: number;
}

export const SPHERE_LBFGS_DEFAULTS: SphereLbfgsOptions = {
  maxPasses: 100,
  stepTol: 0.02,
  lossTol: 1e-4,
  lossFloor: 1e-6,
  memory: 8,
  firstStep: 0.1,
  maxStep: 0.5,
  stepFloor: 0.5,
};

export type StopReason = 'converged' | 'max-passes' | 'no-progress' | 'stalled';

/**
 * Accepted steps over which a stall is judged: when the loss fell by less than STALL_FACTOR x lossTol x |loss| in
 * all of them together, the solve is stuck at a kink of a piecewise-linear head (leaky ReLU), where
 * the quasi-Newton model never predicts convergence, and more passes do not help (measured on
 * darknet-tiny leaky_re_lu_12, class-specific: the same loss from pass 30 to pass 200).
 */
export const STALL_WINDOW = 6;
/**
 * ... by less than STALL_FACTOR x lossTol of the loss: with the default lossTol 1e-4, 1e-3, the
 * accuracy the maps are held to; a tighter lossTol tightens it alike.
 */
export const STALL_FACTOR = 10;

/** The share of the stop test's step tolerance a warm start's inherited curvature is trusted with (see minimiseOnSphere). */
export const WARM_TRUST = 0.5;

/**
 * A line search gives up once a trial step shorter than STEP_FLOOR x the step tolerance (times the
 * warm-start trust) has failed, and the solve ends there ('no-progress'). Why: at a kink of a
 * leaky-ReLU head the quasi-Newton direction can fail at every length, and backtracking went on down
 * to steps of 1e-10 rad, 12 passes of a 24-pass warm frame (darknet-tiny leaky_re_lu_13,
 * car-detection, class-specific; with the floor the chain's mean went from 10.4 to 7.6 passes a
 * frame at the same accuracy to the paper's solver). The cost: the solve does not go on past such a
 * kink, which a float-rounding-sized accepted step sometimes let it do. Measured: leaky_re_lu_12
 * class-specific (coffee.png) +9.2e-3 to the reference instead of +7.8e-3 (24 passes instead of
 * 36-73); on 12 car-detection frames there the floor never fired; on pure max-of-linear functions
 * (test/attention/sphereLbfgs.test.ts) losses 0.7-6% above the no-floor solve.
 */
export const STEP_FLOOR = SPHERE_LBFGS_DEFAULTS.stepFloor;

export interface SphereLbfgsResult {
  x: Float64Array;
  loss: number;
  /** the oracle's (Euclidean) gradient at x: what a follow-up solve from x starts with */
  grad: Float64Array;
  /** Riemannian gradient norm at x */
  gradNorm: number;
  /** predicted step and decrease at x (the stop test's numbers) */
  predictedStep: number;
  predictedDecrease: number;
  passes: number;
  stop: StopReason;
  memory: LbfgsMemory;
  /** loss after each accepted pass (for traces and tests) */
  history: number[];
}

export class NonFiniteLossError extends Error {
  constructor(what: string) {
    super(what);
    this.name = 'NonFiniteLossError';
  }
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};
const norm = (a: ArrayLike<number>): number => Math.sqrt(dot(a, a));

/** a - x (x . a): a projected onto the tangent space at the unit vector x (in place when out = a). */
export function project(x: ArrayLike<number>, a: ArrayLike<number>, out = new Float64Array(a.length)): Float64Array {
  const xa = dot(x, a);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! - x[i]! * xa;
  return out;
}

/** (x + d) / ||x + d||. */
export function retract(x: ArrayLike<number>, d: ArrayLike<number>): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i]! + d[i]!;
  const n = norm(out);
  for (let i = 0; i < out.length; i++) out[i] = out[i]! / n;
  return out;
}

/** -H g by the two-loop recursion with H0 = gamma I. */
export function lbfgsDirection(g: Float64Array, mem: LbfgsMemory): Float64Array {
  const q = Float64Array.from(g);
  const m = mem.s.length;
  const alpha = new Float64Array(m);
  const rho = new Float64Array(m);
  for (let i = m - 1; i >= 0; i--) {
    rho[i] = 1 / dot(mem.y[i]!, mem.s[i]!);
    alpha[i] = rho[i]! * dot(mem.s[i]!, q);
    const y = mem.y[i]!;
    for (let j = 0; j < q.length; j++) q[j] = q[j]! - alpha[i]! * y[j]!;
  }
  for (let j = 0; j < q.length; j++) q[j] = q[j]! * mem.gamma;
  for (let i = 0; i < m; i++) {
    const beta = rho[i]! * dot(mem.y[i]!, q);
    const s = mem.s[i]!;
    for (let j = 0; j < q.length; j++) q[j] = q[j]! + s[j]! * (alpha[i]! - beta);
  }
  for (let j = 0; j < q.length; j++) q[j] = -q[j]!;
  return q;
}

/** Pairs moved to the tangent space at x; pairs that lost positive curvature on the way are dropped. */
function transportMemory(mem: LbfgsMemory, x: Float64Array): LbfgsMemory {
  const s: Float64Array[] = [];
  const y: Float64Array[] = [];
  for (let i = 0; i < mem.s.length; i++) {
    const si = project(x, mem.s[i]!);
    const yi = project(x, mem.y[i]!);
    if (dot(si, yi) > 1e-12 * norm(si) * norm(yi)) {
      s.push(si);
      y.push(yi);
    }
  }
  return { s, y, gamma: mem.gamma };
}

export function checkFinite(loss: number, grad: Float64Array, where: string): void {
  if (!Number.isFinite(loss)) throw new NonFiniteLossError(`the loss is ${loss} ${where}`);
  for (let i = 0; i < grad.length; i++) if (!Number.isFinite(grad[i]!)) throw new NonFiniteLossError(`the gradient is not finite ${where}`);
}

/**
 * Minimises oracle over the unit sphere from x0 (normalised here). `warm`: the memory a previous
 * solve returned, to start with its curvature.
 */
export function minimiseOnSphere(
  oracle: SphereOracle,
  x0: ArrayLike<number>,
  opts: SphereLbfgsOptions,
  warm?: LbfgsMemory,
  /** called with the start and every accepted iterate (k = 0, 1, ...), and the oracle calls so far */
  onIterate?: (x: Float64Array, loss: number, k: number, passes: number) => void,
): SphereLbfgsResult {
  const n0 = norm(x0);
  if (!(n0 > 0) || !Number.isFinite(n0)) throw new Error('the start filter must be finite and not all zero');
  let x: Float64Array = Float64Array.from(x0, (v) => v / n0);
  let { loss, grad } = oracle(x);
  let passes = 1;
  checkFinite(loss, grad, 'at the start filter');
  const floor = opts.lossFloor * Math.abs(loss);
  let g = project(x, grad);
  const history = [loss];
  onIterate?.(x, loss, 0, passes);
  let mem: LbfgsMemory = warm ? transportMemory(warm, x) : { s: [], y: [], gamma: 0 };
  // Without curvature pairs: a first step of firstStep radians, or shorter where the sphere's own
  // curvature -(x.grad) says the optimum is nearer (a warm start without memory, e.g. a resumed job,
  // must not be thrown firstStep away from an optimum it already sits at).
  const coldScale = (): number => {
    const byLength = opts.firstStep / Math.max(norm(g), 1e-300);
    const xg = dot(x, grad);
    return xg < 0 ? Math.min(byLength, 1 / -xg) : byLength;
  };
  if (!(mem.gamma > 0)) mem.gamma = coldScale();
  let stop: StopReason = 'max-passes';
  let ownPairs = false;
  let d: Float64Array = new Float64Array(x.length);
  let gd = 0;
  for (;;) {
    d = lbfgsDirection(g, mem);
    gd = dot(g, d);
    if (!(gd < 0)) {
      // Not a descent direction (stale curvature): start the model again from the gradient.
      mem = { s: [], y: [], gamma: coldScale() };
      d = lbfgsDirection(g, mem);
      gd = dot(g, d);
    }
    const step = norm(d);
    // Until a curvature pair measured on this input is in the model, a warm start's prediction uses
    // the previous input's curvature: it is trusted to half the step (a quarter of the decrease).
    // (Measured on car-detection at leaky_re_lu_13: stopping at the first pass on the full test
    // left maps at r 0.988 to the polished optimum; class-specific 0.986.)
    const trust = warm && !ownPairs ? WARM_TRUST : 1;
    if (step <= trust * opts.stepTol && -gd / 2 <= trust * trust * opts.lossTol * Math.max(Math.abs(loss), floor)) {
      stop = 'converged';
      break;
    }
    if (!(gd < 0)) {
      stop = 'converged'; // a zero gradient: nothing to do
      break;
    }
    if (passes >= opts.maxPasses) break;
    let t = step > opts.maxStep ? opts.maxStep / step : 1;
    let accepted = false;
    let floored = false;
    let xn: Float64Array = x;
    let ln = loss;
    let gradn: Float64Array = grad;
    while (passes < opts.maxPasses) {
      const td = d.map((v) => v * t);
      xn = retract(x, td);
      ({ loss: ln, grad: gradn } = oracle(xn));
      passes++;
      checkFinite(ln, gradn, 'during the solve');
      if (ln <= loss + 1e-4 * t * gd) {
        accepted = true;
        break;
      }
      if (t * step <= opts.stepFloor * trust * opts.stepTol) {
        floored = true;
        break;
      }
      // Minimiser of the quadratic through loss, the slope t*gd and ln, kept within [0.1t, 0.5t].
      const tq = (-gd * t * t) / (2 * (ln - loss - gd * t));
      t = Math.min(0.5 * t, Math.max(0.1 * t, Number.isFinite(tq) ? tq : 0.5 * t));
    }
    if (!accepted) {
      // (the backtracking ends unaccepted only at the floor or at maxPasses)
      stop = floored ? 'no-progress' : 'max-passes';
      break;
    }
    const gnew = project(xn, gradn);
    const s = project(xn, Float64Array.from(xn, (v, i) => v - x[i]!));
    const y = project(xn, g);
    for (let i = 0; i < y.length; i++) y[i] = gnew[i]! - y[i]!;
    mem = transportMemory(mem, xn);
    const sy = dot(s, y);
    if (sy > 1e-12 * norm(s) * norm(y)) {
      mem.s.push(s);
      mem.y.push(y);
      ownPairs = true;
      if (mem.s.length > opts.memory) {
        mem.s.shift();
        mem.y.shift();
      }
      mem.gamma = sy / dot(y, y);
    }
    x = xn;
    loss = ln;
    grad = gradn;
    g = gnew;
    history.push(loss);
    onIterate?.(x, loss, history.length - 1, passes);
    const k = history.length - 1;
    if (k >= STALL_WINDOW && history[k - STALL_WINDOW]! - loss <= STALL_FACTOR * opts.lossTol * Math.max(Math.abs(loss), floor)) {
      stop = 'stalled';
      d = lbfgsDirection(g, mem);
      gd = dot(g, d);
      break;
    }
  }
  return { x, loss, grad, gradNorm: norm(g), predictedStep: norm(d), predictedDecrease: Math.max(0, -gd / 2), passes, stop, memory: mem, history };
}
