// The equality-constrained trust-region subproblem
//   minimise  x^T H x - 2 b^T x   subject to  ||x|| = 1
// for a symmetric H known only through products (the exact class-oblivious L2-CAF solver). Lanczos
// from b projects it onto a Krylov space where it is tridiagonal, small, and solved exactly
// (tridiagonalEigen + solveDiagonalSphere); the Krylov dimension grows until the true residual
// ||(H - lambda I) x - b||, which Lanczos gives for free as beta_m |y_m|, is tiny. This is the
// GLTR idea (Gould, Lucidi, Roma, Toint 1999) for the boundary case.
//
// A small residual alone proves only a KKT point; the global minimum also needs lambda <= lambda_min(H).
// That is checked against a lower bound on H's spectrum: the caller's (H = J^T J / K is PSD, so 0),
// or else one estimated by a separate random-start Lanczos (lowestEigenvalueBound). Reaching the full
// dimension is exact. In the hard case (b without a component in the lowest eigenspace) the Krylov
// space of b never contains that eigenspace: Lanczos breaks down on an invariant subspace, restarts
// with a random vector, and the small problem then sees the lowest eigenvalue.
import { dot, Lanczos, lowestEigenvalueBound, norm2, type MatVec } from './lanczos.js';
import { solveDiagonalSphere } from './sphereSubproblem.js';
import { tridiagonalEigen } from './tridiagonal.js';

export interface SphereTrsOptions {
  /** Relative residual tolerance (relative to ||H|| + |lambda| + ||b||). Default 1e-10. */
  rtol?: number;
  /** A number known to be <= lambda_min(H) (0 for a PSD H); estimated with extra products when absent. */
  lowerBound?: number;
  /** Seed for Lanczos restart vectors. */
  seed?: number;
  /** Cap on Lanczos steps (default: the dimension, where the answer is exact). */
  maxSteps?: number;
  /**
   * Lanczos's first direction (default b). A start s with H s = b (up to scale) spans b's Krylov
   * space plus s itself, and with `startProduct` = H s the product that gives b is not repeated.
   */
  start?: Float64Array;
  /** H applied to `start`, when the caller has it (saves a product). */
  startProduct?: Float64Array;
}

export interface SphereTrsResult {
  /** Unit-norm minimiser. */
  x: Float64Array;
  /** Multiplier: (H - lambda I) x = b. */
  lambda: number;
  /** Lanczos steps (= products with H; estimating a missing lowerBound costs a few more). */
  steps: number;
  /** ||(H - lambda I) x - b|| as estimated by Lanczos. */
  residual: number;
  hardCase: boolean;
  /** False only if maxSteps stopped the process before the answer met the tolerance and was certified. */
  converged: boolean;
}

/**
 * lambda may exceed the bound by this many residual tolerances: in the hard case lambda is a Ritz
 * value of the lowest eigenvalue and the bound is another estimate of it, equal only to within
 * their residuals.
 */
const CERTIFY_SLACK = 10;

export function solveSphereTrs(matvec: MatVec, b: Float64Array, opts: SphereTrsOptions = {}): SphereTrsResult {
  const n = b.length;
  if (n === 0) throw new Error('solveSphereTrs: empty problem');
  const rtol = opts.rtol ?? 1e-10;
  const maxSteps = Math.min(n, opts.maxSteps ?? n);
  const bNorm = norm2(b);
  const lowerBound = opts.lowerBound ?? lowestEigenvalueBound(matvec, n, rtol, (opts.seed ?? 1) + 1);
  const start = opts.start ?? null;
  if (start && start.length !== n) throw new Error(`solveSphereTrs: start has ${start.length} values, expected ${n}`);
  const lz = new Lanczos(matvec, start ?? b, opts.seed ?? 1, start ? opts.startProduct : undefined);
  let nextCheck = 1;
  for (;;) {
    lz.step();
    const m = lz.size;
    const full = m >= maxSteps;
    // Solving T_m costs O(m^3) (eigenvectors), so once m is past a couple of dozen check less often.
    if (!(m >= nextCheck || full || lz.brokeDown)) continue;
    nextCheck = m + (m < 24 ? 1 : Math.ceil(m / 8));

    const { values, vectors } = tridiagonalEigen(lz.alpha, lz.off);
    const g = new Float64Array(m);
    // The part of b outside the basis adds to the residual (0 when Lanczos started from b).
    let outside = 0;
    if (start) {
      // b's basis coordinates c_i = q_i . b, then g = V^T c; the rest, b - Q c, is measured.
      const rest = Float64Array.from(b);
      for (let i = 0; i < m; i++) {
        const q = lz.basis[i]!;
        const c = dot(q, b);
        for (let j = 0; j < m; j++) g[j] = g[j]! + vectors[i * m + j]! * c;
        for (let k = 0; k < n; k++) rest[k] = rest[k]! - c * q[k]!;
      }
      outside = norm2(rest);
    } else if (bNorm > 0) {
      // b = ||b|| q_0, so in T's eigenbasis its coordinates are ||b|| times row 0 of V.
      for (let j = 0; j < m; j++) g[j] = bNorm * vectors[j]!;
    }
    const sol = solveDiagonalSphere(values, g);
    const y = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      let s = 0;
      for (let j = 0; j < m; j++) s += vectors[i * m + j]! * sol.x[j]!;
      y[i] = s;
    }
    const residual = Math.hypot(lz.residualNorm * Math.abs(y[m - 1]!), outside);
    const scale = lz.normEstimate + Math.abs(sol.lambda) + bNorm;
    const tol = rtol * scale;
    const small = residual <= tol;
    const certified = sol.lambda <= lowerBound + CERTIFY_SLACK * tol;
    if ((small && certified) || full) {
      const x = new Float64Array(n);
      for (let j = 0; j < m; j++) {
        const q = lz.basis[j]!;
        const c = y[j]!;
        for (let i = 0; i < n; i++) x[i] = x[i]! + c * q[i]!;
      }
      return { x, lambda: sol.lambda, steps: m, residual, hardCase: sol.hardCase, converged: small && (certified || m >= n) };
    }
  }
}
