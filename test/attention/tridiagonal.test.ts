import { describe, expect, it } from 'vitest';
import { tridiagonalEigen } from '../../src/attention/tridiagonal.js';
import { mulberry32 } from '../../src/attention/rng.js';

function checkDecomposition(diag: number[], off: number[]) {
  const n = diag.length;
  const { values, vectors: V } = tridiagonalEigen(diag, off);
  const scale = Math.max(1, ...diag.map(Math.abs), ...off.map(Math.abs));
  for (let j = 0; j < n; j++) {
    // T v_j = lambda_j v_j
    for (let i = 0; i < n; i++) {
      let tv = diag[i]! * V[i * n + j]!;
      if (i > 0) tv += off[i - 1]! * V[(i - 1) * n + j]!;
      if (i < n - 1) tv += off[i]! * V[(i + 1) * n + j]!;
      expect(Math.abs(tv - values[j]! * V[i * n + j]!)).toBeLessThan(1e-12 * scale);
    }
    // V orthonormal
    for (let k = 0; k < n; k++) {
      let d = 0;
      for (let i = 0; i < n; i++) d += V[i * n + j]! * V[i * n + k]!;
      expect(Math.abs(d - (j === k ? 1 : 0))).toBeLessThan(1e-12);
    }
    if (j > 0) expect(values[j]!).toBeGreaterThanOrEqual(values[j - 1]!);
  }
  return values;
}

describe('tridiagonalEigen', () => {
  it('gives the known spectrum of the 1-D Laplacian tridiag(-1, 2, -1)', () => {
    const n = 17;
    const values = checkDecomposition(new Array(n).fill(2), new Array(n - 1).fill(-1));
    for (let k = 1; k <= n; k++) {
      expect(values[k - 1]!).toBeCloseTo(2 - 2 * Math.cos((k * Math.PI) / (n + 1)), 12);
    }
  });

  it('decomposes random tridiagonals, including split (zero off-diagonal) ones', () => {
    const u = mulberry32(5);
    for (const n of [1, 2, 3, 8, 40]) {
      const diag = Array.from({ length: n }, () => 10 * (u() - 0.5));
      const off = Array.from({ length: Math.max(0, n - 1) }, (_, i) => (i % 5 === 2 ? 0 : 3 * (u() - 0.5)));
      checkDecomposition(diag, off);
    }
  });

  it('returns a diagonal matrix sorted, with permuted unit vectors', () => {
    const { values, vectors } = tridiagonalEigen([3, 1, 2], [0, 0]);
    expect(Array.from(values)).toEqual([1, 2, 3]);
    // eigenvector of 1 is e_1
    expect(Math.abs(vectors[1 * 3 + 0]!)).toBeCloseTo(1, 14);
  });

  it('handles repeated eigenvalues', () => {
    checkDecomposition([1, 1, 1, 1], [0, 1e-3, 0]);
  });
});
