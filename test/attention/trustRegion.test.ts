import { describe, expect, it } from 'vitest';
import { solveSphereTrs } from '../../src/attention/trustRegion.js';
import { solveDiagonalSphere } from '../../src/attention/sphereSubproblem.js';
import { mulberry32 } from '../../src/attention/rng.js';
import { denseMatVec, jacobiEigen, quadObjective, symmetricWithSpectrum } from './denseEigen.js';

/** Reference: dense Jacobi eigendecomposition + the exact diagonal solve. */
function denseReference(A: Float64Array, b: Float64Array) {
  const n = b.length;
  const { values, vectors } = jacobiEigen(A, n);
  const g = new Float64Array(n);
  for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) g[j] = g[j]! + vectors[i * n + j]! * b[i]!;
  const sol = solveDiagonalSphere(values, g);
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) x[i] = x[i]! + vectors[i * n + j]! * sol.x[j]!;
  return { x, lambda: sol.lambda, value: quadObjective(A, b, x), lmin: values[0]! };
}

function residual(A: Float64Array, b: Float64Array, x: Float64Array, lambda: number) {
  const n = b.length;
  let r2 = 0;
  for (let i = 0; i < n; i++) {
    let s = -lambda * x[i]! - b[i]!;
    for (let j = 0; j < n; j++) s += A[i * n + j]! * x[j]!;
    r2 += s * s;
  }
  return Math.sqrt(r2);
}

describe('solveSphereTrs (Lanczos + exact tridiagonal solve)', () => {
  it('matches brute force over angles in 2-D', () => {
    const u = mulberry32(4);
    for (let trial = 0; trial < 20; trial++) {
      const a = 2 * (u() - 0.5);
      const c = 2 * (u() - 0.5);
      const d = 2 * (u() - 0.5);
      const A = Float64Array.of(a, c, c, d);
      const b = Float64Array.of(u() - 0.5, u() - 0.5);
      const r = solveSphereTrs(denseMatVec(A, 2), b);
      let best = Infinity;
      for (let i = 0; i < 100000; i++) {
        const t = (2 * Math.PI * i) / 100000;
        best = Math.min(best, quadObjective(A, b, [Math.cos(t), Math.sin(t)]));
      }
      const v = quadObjective(A, b, r.x);
      expect(v).toBeLessThanOrEqual(best + 1e-12);
      expect(v).toBeGreaterThan(best - 1e-6);
    }
  });

  it('agrees with the dense solution on random indefinite problems', () => {
    const u = mulberry32(8);
    for (let trial = 0; trial < 10; trial++) {
      const n = 30;
      const spectrum = Array.from({ length: n }, () => 10 * (u() - 0.5));
      const { A } = symmetricWithSpectrum(spectrum, u);
      const b = Float64Array.from({ length: n }, () => (trial % 2 ? 3 : 0.3) * (u() - 0.5));
      const r = solveSphereTrs(denseMatVec(A, n), b);
      const ref = denseReference(A, b);
      expect(r.converged).toBe(true);
      expect(quadObjective(A, b, r.x)).toBeCloseTo(ref.value, 9);
      expect(r.lambda).toBeCloseTo(ref.lambda, 8);
      expect(residual(A, b, r.x, r.lambda)).toBeLessThan(1e-8);
    }
  });

  it('solves the hard case: b orthogonal to the lowest eigenvector, solution on the sphere needs it', () => {
    const u = mulberry32(12);
    const n = 20;
    const spectrum = Array.from({ length: n }, (_, i) => (i === 0 ? -1 : 1 + i));
    const { A, Q } = symmetricWithSpectrum(spectrum, u);
    // b = small combination of eigenvectors 2..n (none of eigenvector 1 = column 0 of Q).
    const b = new Float64Array(n);
    for (let j = 1; j < n; j++) {
      const c = 0.3 * (u() - 0.5);
      for (let i = 0; i < n; i++) b[i] = b[i]! + c * Q[i * n + j]!;
    }
    for (const opts of [{}, { lowerBound: -1 }]) {
      const r = solveSphereTrs(denseMatVec(A, n), b, opts);
      const ref = denseReference(A, b);
      expect(r.hardCase).toBe(true);
      expect(r.lambda).toBeCloseTo(-1, 8);
      expect(quadObjective(A, b, r.x)).toBeCloseTo(ref.value, 9);
      expect(residual(A, b, r.x, r.lambda)).toBeLessThan(1e-8);
      // The lowest eigenvector carries the missing length.
      let along = 0;
      for (let i = 0; i < n; i++) along += r.x[i]! * Q[i * n]!;
      expect(Math.abs(along)).toBeGreaterThan(0.5);
    }
  });

  it('solves the PSD hard case the L2-CAF problem can produce (rank-deficient H, lowerBound 0)', () => {
    const u = mulberry32(13);
    const n = 40;
    const K = 5;
    // H = J^T J / K with J K x n: rank 5, null space of dimension 35; b in range(H) but short.
    const J = Float64Array.from({ length: K * n }, () => u() - 0.5);
    const H = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < K; k++) H[i * n + j] = H[i * n + j]! + (J[k * n + i]! * J[k * n + j]!) / K;
    const y = Float64Array.from({ length: n }, () => 0.001 * (u() - 0.5));
    const b = new Float64Array(n);
    denseMatVec(H, n)(y, b); // b = H y with ||y|| << 1
    const r = solveSphereTrs(denseMatVec(H, n), b, { lowerBound: 0 });
    const ref = denseReference(H, b);
    expect(r.hardCase).toBe(true);
    expect(Math.abs(r.lambda)).toBeLessThan(1e-9);
    expect(quadObjective(H, b, r.x)).toBeCloseTo(ref.value, 10);
    expect(r.steps).toBeLessThan(n); // certified by the lower bound, not by exhausting the space
  });

  it('stops early on a well-conditioned PSD problem when the lower bound certifies it', () => {
    const u = mulberry32(14);
    const n = 100;
    const spectrum = Array.from({ length: n }, (_, i) => 1 + 1 / (1 + i));
    const { A } = symmetricWithSpectrum(spectrum, u);
    const ones = new Float64Array(n).fill(1);
    const b = new Float64Array(n);
    denseMatVec(A, n)(ones, b); // L2-CAF's structure: b = H 1
    const r = solveSphereTrs(denseMatVec(A, n), b, { lowerBound: 0 });
    expect(r.lambda).toBeLessThan(0);
    expect(r.steps).toBeLessThan(20);
    expect(quadObjective(A, b, r.x)).toBeCloseTo(denseReference(A, b).value, 9);
  });
});

describe('solveSphereTrs from a start s with H s = b (the exact L2-CAF solver starts from the all-ones filter)', () => {
  it('gives the solution of the default start, with the first product supplied and no other saved', () => {
    const u = mulberry32(21);
    for (let trial = 0; trial < 8; trial++) {
      const n = 40;
      // PSD, as H = J^T J / K is; trial 3 makes H singular (a zero eigenvalue)
      const spectrum = Array.from({ length: n }, (_, i) => (trial === 3 && i < 2 ? 0 : 5 * u()));
      const { A } = symmetricWithSpectrum(spectrum, u);
      const s = Float64Array.from({ length: n }, () => 1 + 0.2 * (u() - 0.5));
      const mv = denseMatVec(A, n);
      const b = new Float64Array(n);
      mv(s, b);
      let products = 0;
      const counted = (x: Float64Array, out: Float64Array) => {
        products++;
        mv(x, out);
      };
      const fromB = solveSphereTrs(mv, b, { lowerBound: 0 });
      const fromS = solveSphereTrs(counted, b, { lowerBound: 0, start: s, startProduct: b });
      expect(fromS.converged).toBe(true);
      expect(products).toBe(fromS.steps - 1);
      const ref = denseReference(A, b);
      expect(quadObjective(A, b, fromS.x)).toBeCloseTo(ref.value, 8);
      expect(quadObjective(A, b, fromB.x)).toBeCloseTo(ref.value, 8);
      expect(residual(A, b, fromS.x, fromS.lambda)).toBeLessThan(1e-6);
    }
  });

  it('counts the part of b outside the basis in the residual (a start unrelated to b)', () => {
    const u = mulberry32(22);
    const n = 25;
    const { A } = symmetricWithSpectrum(Array.from({ length: n }, () => 4 * u()), u);
    const b = Float64Array.from({ length: n }, () => u() - 0.5);
    const start = Float64Array.from({ length: n }, () => u() - 0.5);
    const r = solveSphereTrs(denseMatVec(A, n), b, { lowerBound: 0, start });
    expect(r.converged).toBe(true);
    expect(residual(A, b, r.x, r.lambda)).toBeLessThan(1e-7);
    expect(quadObjective(A, b, r.x)).toBeCloseTo(denseReference(A, b).value, 8);
  });

  it('rejects a start of the wrong length', () => {
    expect(() => solveSphereTrs(denseMatVec(Float64Array.of(1, 0, 0, 1), 2), Float64Array.of(1, 0), { start: Float64Array.of(1) })).toThrow(/start has 1 values, expected 2/);
  });
});
