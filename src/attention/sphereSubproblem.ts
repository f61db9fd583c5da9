// The small problem at the heart of the exact class-oblivious solver, in an eigenbasis:
//   minimise  sum_i lam_i x_i^2 - 2 sum_i g_i x_i   subject to  ||x|| = 1.
// A point is the global minimiser iff (diag(lam) - lambda I) x = g with lambda <= lam_min
// (the equality-constrained trust-region subproblem: unlike the inequality version lambda may have
// any sign). With d_i = lam_i - lam_min and mu = lam_min - lambda >= 0 this is the secular equation
//   sum_i g_i^2 / (d_i + mu)^2 = 1,
// whose left side decreases in mu, so the root is unique; the "hard case" is when g has no weight on
// the lam_min eigenspace and the equation has no root with mu > 0: then mu = 0 and the missing
// length is made up along a lam_min eigenvector.

export interface SphereSolution {
  /** The unit-norm minimiser, in the same (eigen)basis as lam and g. */
  x: Float64Array;
  /** The Lagrange multiplier: (diag(lam) - lambda I) x = g, lambda <= min(lam). */
  lambda: number;
  /** True when the solution needed a component along the lowest eigenspace (mu = 0). */
  hardCase: boolean;
}

/** Relative thresholds for "the same eigenvalue as the smallest" and "no weight on it". */
const DEGENERATE_EIG = 1e-10;
const NEGLIGIBLE_G = 1e-10;

/** Objective value sum lam x^2 - 2 g.x (for tests and for choosing between candidates). */
export function sphereObjective(lam: ArrayLike<number>, g: ArrayLike<number>, x: ArrayLike<number>): number {
  let v = 0;
  for (let i = 0; i < lam.length; i++) v += lam[i]! * x[i]! * x[i]! - 2 * g[i]! * x[i]!;
  return v;
}

/**
 * Solves the problem above exactly. `lam` must be sorted ascending (tridiagonalEigen does this).
 * Cost O(m) per secular-equation iteration, a few dozen iterations at most.
 */
export function solveDiagonalSphere(lam: ArrayLike<number>, g: ArrayLike<number>): SphereSolution {
  const m = lam.length;
  if (m === 0) throw new Error('solveDiagonalSphere: empty problem');
  if (g.length !== m) throw new Error(`solveDiagonalSphere: ${m} eigenvalues but ${g.length} components`);
  for (let i = 1; i < m; i++) {
    if (lam[i]! < lam[i - 1]!) throw new Error('solveDiagonalSphere: eigenvalues must be ascending');
  }
  const lmin = lam[0]!;
  let gNorm2 = 0;
  for (let i = 0; i < m; i++) gNorm2 += g[i]! * g[i]!;
  const gNorm = Math.sqrt(gNorm2);
  const scale = Math.max(Math.abs(lmin), Math.abs(lam[m - 1]!)) + gNorm;

  const d = new Float64Array(m);
  const inD: boolean[] = [];
  let gD2 = 0;
  for (let i = 0; i < m; i++) {
    d[i] = lam[i]! - lmin;
    inD[i] = d[i]! <= DEGENERATE_EIG * scale;
    if (inD[i]) gD2 += g[i]! * g[i]!;
  }
  const gD = Math.sqrt(gD2);

  // Hard case candidate: g (numerically) orthogonal to the lowest eigenspace.
  if (gD <= NEGLIGIBLE_G * gNorm || gNorm === 0) {
    let n02 = 0;
    for (let i = 0; i < m; i++) if (!inD[i]) n02 += (g[i]! / d[i]!) ** 2;
    if (n02 <= 1) {
      const x = new Float64Array(m);
      let first = -1;
      for (let i = 0; i < m; i++) {
        if (inD[i]) {
          if (first < 0) first = i;
        } else {
          x[i] = g[i]! / d[i]!;
        }
      }
      // Any unit vector of the lowest eigenspace completes the norm; the objective does not
      // depend on its sign unless g has a (negligible) component there, whose sign we follow.
      const tau = Math.sqrt(Math.max(0, 1 - n02));
      x[first] = g[first]! < 0 ? -tau : tau;
      return { x, lambda: lmin, hardCase: true };
    }
  }

  // Easy case: root of phi(mu) = 1/||x(mu)|| - 1, increasing and concave in mu, bracketed by
  // mu = ||g_D|| (phi <= 0) and mu = ||g|| (phi >= 0). Newton from the left converges
  // monotonically on a concave function; bisection guards against rounding.
  let lo = gD;
  let hi = gNorm;
  let mu = lo;
  for (let it = 0; it < 200; it++) {
    let n2 = 0;
    let s3 = 0;
    for (let i = 0; i < m; i++) {
      const t = d[i]! + mu;
      if (t === 0) continue;
      const q = (g[i]! * g[i]!) / (t * t);
      n2 += q;
      s3 += q / t;
    }
    if (n2 === 0) {
      // Only possible at mu = 0 with g = 0 on every non-degenerate index: move right.
      mu = (lo + hi) / 2;
      continue;
    }
    const nrm = Math.sqrt(n2);
    const phi = 1 / nrm - 1;
    if (Math.abs(phi) <= 1e-15) break;
    if (phi < 0) lo = mu;
    else hi = mu;
    const dphi = s3 / (n2 * nrm);
    let next = mu - phi / dphi;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (hi - lo <= 4 * Number.EPSILON * Math.max(hi, 1e-300)) {
      mu = next;
      break;
    }
    mu = next;
  }
  const x = new Float64Array(m);
  let n2 = 0;
  for (let i = 0; i < m; i++) {
    const t = d[i]! + mu;
    x[i] = t === 0 ? 0 : g[i]! / t;
    n2 += x[i]! * x[i]!;
  }
  const nrm = Math.sqrt(n2);
  if (nrm > 0) for (let i = 0; i < m; i++) x[i] = x[i]! / nrm;
  return { x, lambda: lmin - mu, hardCase: false };
}
