// Annealed Adam on the sphere (pure), the phase after L-BFGS where L-BFGS cannot certify its answer:
// on kinked losses it goes on where L-BFGS stopped; it never returns worse than its start; its pass
// count is exact; its steps do not depend on the loss's units; bad values are reported.
import { describe, expect, it } from 'vitest';
import { adamOnSphere, SPHERE_ADAM_DEFAULTS } from '../../src/attention/sphereAdam.js';
import { minimiseOnSphere, NonFiniteLossError, SPHERE_LBFGS_DEFAULTS, type SphereOracle } from '../../src/attention/sphereLbfgs.js';
import { randn } from '../../src/attention/rng.js';

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, v, i) => s + v * b[i]!, 0);
/** A random unit vector. */
function unit(n: number, seed: number): Float64Array {
  const x = Float64Array.from(randn(n, seed));
  const len = Math.hypot(...x);
  return x.map((v) => v / len);
}

/** p . x + A sum_j |c_j . x|: a linear pull across J hyperplanes of kinks (narrow valleys where they meet). */
function kinkedValleys(n: number, J: number, A: number, seed: number): SphereOracle {
  const C = Array.from({ length: J }, (_, j) => Float64Array.from(randn(n, seed + j)));
  const p = Float64Array.from(randn(n, seed + 99));
  return (x) => {
    let loss = dot(p, x);
    const grad = Float64Array.from(p);
    for (const c of C) {
      const s = dot(c, x);
      loss += A * Math.abs(s);
      for (let i = 0; i < n; i++) grad[i] = grad[i]! + A * Math.sign(s) * c[i]!;
    }
    return { loss, grad };
  };
}

/** w . leakyReLU(W x): a one-layer leaky-ReLU head, piecewise linear in x. */
function leakyHead(n: number, H: number, seed: number): SphereOracle {
  const W = Array.from({ length: H }, (_, j) => Float64Array.from(randn(n, seed + j)));
  const w = Float64Array.from(randn(H, seed + 500));
  return (x) => {
    let loss = 0;
    const grad = new Float64Array(n);
    for (let j = 0; j < H; j++) {
      const z = dot(W[j]!, x);
      const s = z > 0 ? 1 : 0.1;
      loss += w[j]! * s * z;
      for (let i = 0; i < n; i++) grad[i] = grad[i]! + w[j]! * s * W[j]![i]!;
    }
    return { loss, grad };
  };
}

describe('annealed Adam on the sphere', () => {
  it('goes on far below where L-BFGS stops at kinks (narrow valleys)', () => {
    // Measured: L-BFGS ends 'no-progress' at 0.06 / 0.38 / 0.36; 60 Adam passes reach -4.0 / -2.0 / -3.0.
    for (const seed of [1, 2, 3]) {
      const f = kinkedValleys(20, 5, 3, seed * 100);
      const l = minimiseOnSphere(f, Float64Array.from(randn(20, seed)), SPHERE_LBFGS_DEFAULTS);
      expect(l.stop, `seed ${seed}`).not.toBe('converged');
      const a = adamOnSphere(f, l.x, l, SPHERE_ADAM_DEFAULTS);
      expect(a.loss, `seed ${seed}: L-BFGS ${l.loss}`).toBeLessThan(l.loss - 1);
      expect(f(a.x).loss).toBeCloseTo(a.loss, 12);
    }
  });

  it('improves a leaky-ReLU head where L-BFGS gave up, and never ends above its start', () => {
    // seeds 1, 2: L-BFGS 'no-progress' (-21.506 -> -21.545, -24.852 -> -25.075); seed 3 converged:
    // nothing lower nearby, the start comes back.
    for (const seed of [1, 2, 3]) {
      const f = leakyHead(30, 40, seed * 100);
      const l = minimiseOnSphere(f, Float64Array.from(randn(30, seed)), SPHERE_LBFGS_DEFAULTS);
      const a = adamOnSphere(f, l.x, l, SPHERE_ADAM_DEFAULTS);
      expect(a.loss).toBeLessThanOrEqual(l.loss);
      if (l.stop !== 'converged') expect(a.loss, `seed ${seed}`).toBeLessThan(l.loss - 1e-3 * Math.abs(l.loss));
    }
  });

  it('returns its start when it is the minimum (its first steps are long and go up: the best point is kept)', () => {
    // -x_0 + sum_{i>0} |x_i|: minimum -1 at e_0, a kink, where the subgradient (+1 for x_i = 0) is not zero.
    const f: SphereOracle = (x) => ({
      loss: -x[0]! + x.reduce((s, v, i) => (i > 0 ? s + Math.abs(v) : s), 0),
      grad: Float64Array.from(x, (v, i) => (i === 0 ? -1 : v >= 0 ? 1 : -1)),
    });
    const x0 = new Float64Array(30);
    x0[0] = 1;
    const a = adamOnSphere(f, x0, f(x0), SPHERE_ADAM_DEFAULTS);
    expect(Math.max(...a.history)).toBeGreaterThan(-0.9); // it did move away
    expect(a.loss).toBe(-1);
    expect(Array.from(a.x)).toEqual(Array.from(x0));
  });

  it('spends exactly the passes asked for, every point on the sphere, each reported once', () => {
    const f = kinkedValleys(20, 5, 3, 700);
    let calls = 0;
    const counted: SphereOracle = (x) => {
      calls++;
      expect(Math.hypot(...x)).toBeCloseTo(1, 12);
      return f(x);
    };
    const x0 = unit(20, 7);
    const ks: number[] = [];
    const a = adamOnSphere(counted, x0, f(x0), { ...SPHERE_ADAM_DEFAULTS, passes: 17 }, (_x, _l, k) => ks.push(k));
    expect(calls).toBe(17);
    expect(a.passes).toBe(17);
    expect(a.history).toHaveLength(17);
    expect(ks).toEqual(Array.from({ length: 17 }, (_, i) => i + 1));
    expect(a.loss).toBe(Math.min(f(x0).loss, ...a.history));
  });

  it("does not depend on the loss's units: the same steps on the loss x 2^-66 (a head with outputs ~1e-10)", () => {
    // Adam's epsilon is relative to the largest second moment: an absolute 1e-8 would swamp
    // gradients ~1e-20 and stop every step (the MobileNetV2 fixture's class-specific losses are ~1e-10).
    const f = kinkedValleys(20, 5, 3, 300);
    const k = 2 ** -66;
    const g: SphereOracle = (x) => {
      const r = f(x);
      return { loss: r.loss * k, grad: r.grad.map((v) => v * k) };
    };
    const x0 = unit(20, 5);
    const a = adamOnSphere(f, x0, f(x0), SPHERE_ADAM_DEFAULTS);
    const b = adamOnSphere(g, x0, g(x0), SPHERE_ADAM_DEFAULTS);
    expect(Array.from(b.x)).toEqual(Array.from(a.x));
    expect(b.history).toEqual(a.history.map((v) => v * k));
  });

  it('reports a non-finite loss or gradient', () => {
    const f = kinkedValleys(10, 3, 3, 900);
    const x0 = Float64Array.from({ length: 10 }, () => 1 / Math.sqrt(10));
    let n = 0;
    const nanLater: SphereOracle = (x) => (++n > 5 ? { loss: NaN, grad: f(x).grad } : f(x));
    expect(() => adamOnSphere(nanLater, x0, f(x0), SPHERE_ADAM_DEFAULTS)).toThrow(NonFiniteLossError);
    const infGrad: SphereOracle = (x) => ({ loss: f(x).loss, grad: new Float64Array(10).fill(Infinity) });
    expect(() => adamOnSphere(infGrad, x0, f(x0), SPHERE_ADAM_DEFAULTS)).toThrow(/gradient is not finite/);
  });
});
