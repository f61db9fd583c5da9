// Riemannian L-BFGS on the sphere (pure): known minima, the stop rule, warm memory, bad values.
import { describe, expect, it } from 'vitest';
import { lbfgsDirection, minimiseOnSphere, project, retract, SPHERE_LBFGS_DEFAULTS, STALL_WINDOW, STEP_FLOOR, WARM_TRUST, type SphereOracle } from '../../src/attention/sphereLbfgs.js';
import { coldStart } from '../../src/attention/start.js';
import { randn } from '../../src/attention/rng.js';

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, v, i) => s + v * b[i]!, 0);

/** x^T diag(d) x: minimised on the sphere by the axis of the smallest d. */
function diagQuadratic(d: number[]): SphereOracle {
  return (x) => ({ loss: x.reduce((s, v, i) => s + d[i]! * v * v, 0), grad: Float64Array.from(x, (v, i) => 2 * d[i]! * v) });
}

/** max_j c_j . x: piecewise linear, like a leaky-ReLU head; the minimum on the sphere sits on a kink. */
function maxOfLinear(): SphereOracle {
  const C = Array.from({ length: 6 }, (_, j) => Float64Array.from(randn(20, 10 + j)));
  return (x) => {
    let best = 0;
    for (let j = 1; j < C.length; j++) if (dot(C[j]!, x) > dot(C[best]!, x)) best = j;
    return { loss: dot(C[best]!, x), grad: Float64Array.from(C[best]!) };
  };
}

describe('sphere L-BFGS', () => {
  it('finds the smallest-eigenvalue axis of a quadratic, stopping by the model, in few passes', () => {
    const d = Array.from({ length: 50 }, (_, i) => 1 + i * 0.5);
    const x0 = Float64Array.from(randn(50, 3));
    const r = minimiseOnSphere(diagQuadratic(d), x0, SPHERE_LBFGS_DEFAULTS);
    expect(r.stop).toBe('converged');
    expect(Math.abs(r.x[0]!)).toBeGreaterThan(0.999);
    expect(r.loss).toBeLessThan(1 + 1e-3);
    expect(r.predictedStep).toBeLessThanOrEqual(SPHERE_LBFGS_DEFAULTS.stepTol);
    expect(r.passes).toBeLessThan(40);
    // Every iterate is on the sphere and the losses go down.
    expect(Math.hypot(...r.x)).toBeCloseTo(1, 12);
    for (let i = 1; i < r.history.length; i++) expect(r.history[i]!).toBeLessThanOrEqual(r.history[i - 1]!);
  });

  it('tighter tolerances get closer (the rule measures optimality, not movement)', () => {
    const d = Array.from({ length: 30 }, (_, i) => 1 + i * 0.1);
    const x0 = Float64Array.from(randn(30, 4));
    const loose = minimiseOnSphere(diagQuadratic(d), x0, { ...SPHERE_LBFGS_DEFAULTS, stepTol: 0.1, lossTol: 1e-2 });
    const tight = minimiseOnSphere(diagQuadratic(d), x0, { ...SPHERE_LBFGS_DEFAULTS, stepTol: 1e-4, lossTol: 1e-9 });
    expect(tight.loss - 1).toBeLessThan(1e-6);
    expect(tight.loss).toBeLessThanOrEqual(loose.loss);
    expect(tight.passes).toBeGreaterThan(loose.passes);
  });

  it("does not depend on the loss's units: the same solve on the loss x 2^-66 ~ 1.4e-20 (a head with outputs ~1e-10)", () => {
    // Both the smooth case (stop by the model) and a kink (stall rule, step floor): every tolerance
    // is relative to the loss, so scaling it must change no step. (With an absolute loss floor the
    // scaled solves stopped at their first chance: the stall rule's 7th pass.) A power of two, so
    // that scaling rounds nothing and the two solves must agree step for step.
    const scaled = (o: SphereOracle, k: number): SphereOracle => (x) => {
      const r = o(x);
      return { loss: r.loss * k, grad: r.grad.map((v) => v * k) };
    };
    const d = Array.from({ length: 30 }, (_, i) => 1 + i * 0.1);
    for (const [name, oracle, opts] of [
      ['quadratic', diagQuadratic(d), SPHERE_LBFGS_DEFAULTS],
      ['kink', maxOfLinear(), { ...SPHERE_LBFGS_DEFAULTS, maxPasses: 200, stepFloor: 0 }],
    ] as const) {
      const x0 = Float64Array.from(randn(name === 'kink' ? 20 : 30, 11));
      const one = minimiseOnSphere(oracle, x0, opts);
      const tiny = minimiseOnSphere(scaled(oracle, 2 ** -66), x0, opts);
      expect(one.passes, name).toBeGreaterThan(STALL_WINDOW + 1);
      expect(tiny.passes, name).toBe(one.passes);
      expect(tiny.stop, name).toBe(one.stop);
      expect(Array.from(tiny.x), name).toEqual(Array.from(one.x));
    }
  });

  it('a linear objective c.x (class-specific L2-CAF on an affine head): from the linearised start, one pass confirms the optimum', () => {
    const c = Float64Array.from(randn(40, 5));
    const oracle: SphereOracle = (x) => ({ loss: dot(c, x), grad: c });
    const start = coldStart(oracle, 40, true, 'deterministic', 0);
    expect(start.kind).toBe('linearised');
    const r = minimiseOnSphere(oracle, start.x0, SPHERE_LBFGS_DEFAULTS);
    expect(r.passes).toBe(1);
    expect(r.loss).toBeCloseTo(-Math.hypot(...c), 10);
    // From the uniform filter it takes a few steps, guided by the sphere's curvature.
    const u = minimiseOnSphere(oracle, new Float64Array(40).fill(1), SPHERE_LBFGS_DEFAULTS);
    expect(u.loss).toBeLessThan(-Math.hypot(...c) * (1 - 1e-3));
  });

  it('a warm start with the previous memory needs fewer passes than one without', () => {
    const d = Array.from({ length: 60 }, (_, i) => 1 + ((i * 7) % 13) * 0.3 + (i === 17 ? -0.5 : 0));
    const x0 = Float64Array.from(randn(60, 6));
    const first = minimiseOnSphere(diagQuadratic(d), x0, SPHERE_LBFGS_DEFAULTS);
    // The next "frame": the same problem slightly changed, started from the previous optimum.
    const d2 = d.map((v, i) => v + 0.05 * Math.sin(i));
    const withMem = minimiseOnSphere(diagQuadratic(d2), first.x, SPHERE_LBFGS_DEFAULTS, first.memory);
    const without = minimiseOnSphere(diagQuadratic(d2), first.x, SPHERE_LBFGS_DEFAULTS);
    expect(withMem.passes).toBeLessThanOrEqual(without.passes);
    expect(withMem.loss).toBeLessThan(d2[17]! + 1e-3);
  });

  it("a warm start trusts the inherited curvature to half the step: one pass only when the optimum is within WARM_TRUST x stepTol", () => {
    const d = Array.from({ length: 20 }, (_, i) => 1 + i * 0.4);
    const first = minimiseOnSphere(diagQuadratic(d), Float64Array.from(randn(20, 8)), { ...SPHERE_LBFGS_DEFAULTS, stepTol: 1e-6, lossTol: 1e-12 });
    expect(Math.abs(first.x[0]!)).toBeGreaterThan(1 - 1e-9);
    // the next "frame" starts theta radians from the optimum, with the previous (here exact) curvature
    const from = (theta: number) => Float64Array.from({ length: 20 }, (_, i) => (i === 0 ? Math.cos(theta) : i === 1 ? Math.sin(theta) : 0));
    const angle = (x: Float64Array) => Math.acos(Math.min(1, Math.abs(x[0]!)));
    const near = minimiseOnSphere(diagQuadratic(d), from(0.3 * SPHERE_LBFGS_DEFAULTS.stepTol), SPHERE_LBFGS_DEFAULTS, first.memory);
    expect(near.passes).toBe(1);
    // within stepTol but beyond half of it: a cold model would stop here, an inherited one steps on
    const theta = 0.8 * SPHERE_LBFGS_DEFAULTS.stepTol;
    expect(theta).toBeGreaterThan(WARM_TRUST * SPHERE_LBFGS_DEFAULTS.stepTol);
    const mid = minimiseOnSphere(diagQuadratic(d), from(theta), SPHERE_LBFGS_DEFAULTS, first.memory);
    expect(mid.passes).toBeGreaterThan(1);
    expect(angle(mid.x)).toBeLessThan(0.25 * theta);
  });

  it('stops at a kink where the model never predicts convergence (a stall), instead of spending every pass', () => {
    // (without the line search's step floor, which would end this solve first)
    const r = minimiseOnSphere(maxOfLinear(), Float64Array.from(randn(20, 3)), { ...SPHERE_LBFGS_DEFAULTS, maxPasses: 200, stepFloor: 0 });
    expect(r.stop).toBe('stalled');
    expect(r.passes).toBeLessThan(200);
    expect(r.loss).toBeLessThan(r.history[0]!);
  });

  it('at a kink, gives up a line search once its step is below STEP_FLOOR x stepTol, instead of backtracking on', () => {
    // There the quasi-Newton direction from one face is not a descent direction across the kink,
    // and its Armijo tests fail at every step length.
    const oracle = maxOfLinear();
    const opts = { ...SPHERE_LBFGS_DEFAULTS, maxPasses: 200 };
    const run = (stepFloor: number) => {
      let at: Float64Array | null = null;
      let trials = 0;
      let shortestBacktrack = Infinity;
      const r = minimiseOnSphere(
        (x) => {
          // trials after the first from one iterate are backtracks, each after a failed trial
          if (at && trials++ > 0) shortestBacktrack = Math.min(shortestBacktrack, Math.acos(Math.min(1, dot(x, at))));
          return oracle(x);
        },
        Float64Array.from(randn(20, 3)),
        { ...opts, stepFloor },
        undefined,
        (x) => {
          at = Float64Array.from(x);
          trials = 0;
        },
      );
      return { r, shortestBacktrack };
    };
    const floored = run(STEP_FLOOR);
    // a backtrack follows a failed trial longer than the floor, and is at least 0.1 of it
    expect(floored.shortestBacktrack).toBeGreaterThan(0.1 * STEP_FLOOR * opts.stepTol * 0.99);
    expect(floored.r.stop).toBe('no-progress');
    expect(floored.r.loss).toBeLessThan(floored.r.history[0]!);
    // without the floor the same solve backtracks below that, for more passes
    const unfloored = run(0);
    expect(unfloored.shortestBacktrack).toBeLessThan(0.1 * STEP_FLOOR * opts.stepTol * 0.99);
    expect(unfloored.r.passes).toBeGreaterThan(floored.r.passes);
  });

  it('respects maxPasses and reports non-finite losses and gradients', () => {
    const d = Array.from({ length: 50 }, (_, i) => 1 + i);
    const r = minimiseOnSphere(diagQuadratic(d), Float64Array.from(randn(50, 1)), { ...SPHERE_LBFGS_DEFAULTS, maxPasses: 3 });
    expect(r.passes).toBe(3);
    expect(r.stop).toBe('max-passes');
    const nan: SphereOracle = (x) => ({ loss: NaN, grad: new Float64Array(x.length) });
    expect(() => minimiseOnSphere(nan, [1, 2, 3], SPHERE_LBFGS_DEFAULTS)).toThrow(/loss is NaN at the start/);
    let calls = 0;
    const later: SphereOracle = (x) => (calls++ === 0 ? { loss: 1, grad: Float64Array.from(x, (v) => v + 1) } : { loss: 1, grad: new Float64Array(x.length).fill(Infinity) });
    expect(() => minimiseOnSphere(later, [1, 0, 0], SPHERE_LBFGS_DEFAULTS)).toThrow(/gradient is not finite during the solve/);
    expect(() => minimiseOnSphere(nan, [0, 0, 0], SPHERE_LBFGS_DEFAULTS)).toThrow(/not all zero/);
  });

  it('helpers: projection is tangent, retraction lands on the sphere, the two-loop direction descends', () => {
    const x = Float64Array.from([0.6, 0.8, 0]);
    const p = project(x, [1, 2, 3]);
    expect(dot(p, x)).toBeCloseTo(0, 12);
    expect(Math.hypot(...retract(x, p))).toBeCloseTo(1, 12);
    const g = Float64Array.from([0.3, -0.2, 0.5]);
    const d = lbfgsDirection(g, { s: [Float64Array.from([0.1, 0, 0.1])], y: [Float64Array.from([0.2, 0.05, 0.3])], gamma: 0.5 });
    expect(dot(d, g)).toBeLessThan(0);
  });
});

describe('cold starts', () => {
  it('class-oblivious starts uniform and costs nothing; random starts follow the seed', () => {
    const never: SphereOracle = () => {
      throw new Error('no pass expected');
    };
    const u = coldStart(never, 9, false, 'deterministic', 0);
    expect(u.kind).toBe('uniform');
    expect(u.passes).toBe(0);
    expect(Array.from(u.x0)).toEqual(new Array(9).fill(1 / 3));
    const r = coldStart(never, 9, true, 'random', 7);
    expect(Array.from(r.x0)).toEqual(Array.from(randn(9, 7)));
    expect(() => coldStart(never, 9, true, 'other' as never, 0)).toThrow(/unknown start/);
  });
});
