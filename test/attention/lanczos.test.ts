import { describe, expect, it } from 'vitest';
import { Lanczos } from '../../src/attention/lanczos.js';
import { mulberry32 } from '../../src/attention/rng.js';
import { denseMatVec, symmetricWithSpectrum } from './denseEigen.js';

/** Checks Q^T Q = I and Q^T A Q = T (tridiagonal with alpha / off). */
function checkFactorisation(lz: Lanczos, A: Float64Array, n: number) {
  const m = lz.size;
  const Aq = new Float64Array(n);
  const mv = denseMatVec(A, n);
  for (let j = 0; j < m; j++) {
    mv(lz.basis[j]!, Aq);
    for (let k = 0; k < m; k++) {
      let qq = 0;
      let qAq = 0;
      for (let i = 0; i < n; i++) {
        qq += lz.basis[k]![i]! * lz.basis[j]![i]!;
        qAq += lz.basis[k]![i]! * Aq[i]!;
      }
      expect(Math.abs(qq - (j === k ? 1 : 0))).toBeLessThan(1e-12);
      let t = 0;
      if (j === k) t = lz.alpha[j]!;
      else if (k === j + 1) t = lz.off[j]!;
      else if (k === j - 1) t = lz.off[k]!;
      expect(Math.abs(qAq - t)).toBeLessThan(1e-10);
    }
  }
}

describe('Lanczos', () => {
  it('tridiagonalises a random symmetric matrix with an orthonormal basis (full reorthogonalisation)', () => {
    const u = mulberry32(2);
    const n = 25;
    const spectrum = Array.from({ length: n }, (_, i) => (i < 3 ? 1e4 : 1) * u()); // wide spread: loses orthogonality without reorth
    const { A } = symmetricWithSpectrum(spectrum, u);
    const start = Float64Array.from({ length: n }, () => u() - 0.5);
    const lz = new Lanczos(denseMatVec(A, n), start);
    while (lz.step());
    expect(lz.size).toBe(n);
    checkFactorisation(lz, A, n);
    // q_0 is the normalised start vector
    const ns = Math.hypot(...start);
    for (let i = 0; i < n; i++) expect(lz.basis[0]![i]!).toBeCloseTo(start[i]! / ns, 14);
  });

  it('restarts after a breakdown (start vector in an invariant subspace) and still spans the space', () => {
    const n = 8;
    const A = new Float64Array(n * n);
    for (let i = 0; i < n; i++) A[i * n + i] = i + 1;
    const start = new Float64Array(n);
    start[1] = 1;
    start[4] = 2;
    start[6] = -1; // spans a 3-dimensional invariant subspace of diag(1..8)
    const lz = new Lanczos(denseMatVec(A, n), start, 9);
    for (let k = 0; k < 3; k++) lz.step();
    expect(lz.brokeDown).toBe(true);
    while (lz.step());
    expect(lz.size).toBe(n);
    expect(lz.restarts[0]).toBe(3);
    expect(lz.off[2]).toBe(0);
    checkFactorisation(lz, A, n);
  });

  it('starts from a random vector when the start is zero', () => {
    const n = 5;
    const A = new Float64Array(n * n);
    for (let i = 0; i < n; i++) A[i * n + i] = i;
    const lz = new Lanczos(denseMatVec(A, n), new Float64Array(n));
    while (lz.step());
    checkFactorisation(lz, A, n);
  });
});
