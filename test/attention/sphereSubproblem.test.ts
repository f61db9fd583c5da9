import { describe, expect, it } from 'vitest';
import { solveDiagonalSphere, sphereObjective } from '../../src/attention/sphereSubproblem.js';
import { mulberry32 } from '../../src/attention/rng.js';

/** Brute force over the unit circle: the minimum of lam1 x^2 + lam2 y^2 - 2 g.x on 200k angles. */
function bruteForce2d(lam: [number, number], g: [number, number]) {
  let best = Infinity;
  let arg: [number, number] = [1, 0];
  const N = 200000;
  for (let i = 0; i < N; i++) {
    const t = (2 * Math.PI * i) / N;
    const x: [number, number] = [Math.cos(t), Math.sin(t)];
    const v = sphereObjective(lam, g, x);
    if (v < best) {
      best = v;
      arg = x;
    }
  }
  return { best, arg };
}

describe('solveDiagonalSphere', () => {
  it('matches brute force over angles in 2-D (random easy cases)', () => {
    const u = mulberry32(11);
    for (let trial = 0; trial < 30; trial++) {
      const a = 4 * (u() - 0.5);
      const b = a + 3 * u();
      const g: [number, number] = [2 * (u() - 0.5), 2 * (u() - 0.5)];
      const sol = solveDiagonalSphere([a, b], g);
      const bf = bruteForce2d([a, b], g);
      const v = sphereObjective([a, b], g, sol.x);
      expect(v).toBeLessThanOrEqual(bf.best + 1e-12);
      expect(v).toBeGreaterThan(bf.best - 1e-6); // brute force is within its grid spacing
      expect(Math.hypot(sol.x[0]!, sol.x[1]!)).toBeCloseTo(1, 12);
      expect(sol.lambda).toBeLessThanOrEqual(a + 1e-12);
    }
  });

  it('solves the 2-D hard case (g orthogonal to the lowest eigenvector, short solution)', () => {
    // lam = (1, 3), g = (0, 0.5): (diag(lam) - lambda) x = g has ||x|| < 1 for every lambda < 1,
    // so lambda = 1 and x = (+-sqrt(1 - 0.25^2), 0.25).
    const sol = solveDiagonalSphere([1, 3], [0, 0.5]);
    expect(sol.hardCase).toBe(true);
    expect(sol.lambda).toBe(1);
    expect(sol.x[1]!).toBeCloseTo(0.25, 14);
    expect(Math.abs(sol.x[0]!)).toBeCloseTo(Math.sqrt(1 - 0.0625), 14);
    const bf = bruteForce2d([1, 3], [0, 0.5]);
    expect(sphereObjective([1, 3], [0, 0.5], sol.x)).toBeLessThanOrEqual(bf.best + 1e-12);
  });

  it('is not fooled when g is orthogonal to the lowest eigenvector but the solution is long (easy case)', () => {
    // g = (0, 4): x = (0, 4/(3 - lambda)) reaches norm 1 at lambda = -1 < 1: no hard case.
    const sol = solveDiagonalSphere([1, 3], [0, 4]);
    expect(sol.hardCase).toBe(false);
    expect(sol.lambda).toBeCloseTo(-1, 12);
    expect(sol.x[1]!).toBeCloseTo(1, 12);
  });

  it('gives the lowest eigenvector when g = 0', () => {
    const sol = solveDiagonalSphere([-2, 0, 5], [0, 0, 0]);
    expect(sol.lambda).toBe(-2);
    expect(Math.abs(sol.x[0]!)).toBeCloseTo(1, 14);
  });

  it('satisfies the global optimality conditions in n-D, with degenerate lowest eigenvalues', () => {
    const u = mulberry32(19);
    let hard = 0;
    for (let trial = 0; trial < 50; trial++) {
      const n = 2 + Math.floor(u() * 30);
      const lam = Array.from({ length: n }, () => 10 * (u() - 0.5)).sort((a, b) => a - b);
      if (trial % 3 === 0) lam[1] = lam[0]!; // a double lowest eigenvalue
      const scaleG = trial % 2 === 0 ? 0.05 : 5;
      const g = Array.from({ length: n }, () => scaleG * (u() - 0.5));
      if (trial % 4 === 0) {
        g[0] = 0; // hard-case candidates
        if (lam[1] === lam[0]) g[1] = 0;
      }
      const sol = solveDiagonalSphere(lam, g);
      if (sol.hardCase) hard++;
      let n2 = 0;
      for (let i = 0; i < n; i++) {
        n2 += sol.x[i]! ** 2;
        // (lam_i - lambda) x_i = g_i
        expect(Math.abs((lam[i]! - sol.lambda) * sol.x[i]! - g[i]!)).toBeLessThan(1e-9);
      }
      expect(n2).toBeCloseTo(1, 12);
      expect(sol.lambda).toBeLessThanOrEqual(lam[0]! + 1e-12);
      // And no random unit vector does better.
      const best = sphereObjective(lam, g, sol.x);
      for (let k = 0; k < 200; k++) {
        const y = Array.from({ length: n }, () => u() - 0.5);
        const ny = Math.hypot(...y);
        expect(sphereObjective(lam, g, y.map((v) => v / ny))).toBeGreaterThanOrEqual(best - 1e-12);
      }
    }
    expect(hard).toBeGreaterThan(0); // the hard-case branch was exercised
  });

  it('rejects unsorted eigenvalues', () => {
    expect(() => solveDiagonalSphere([2, 1], [1, 1])).toThrow(/ascending/);
  });
});
