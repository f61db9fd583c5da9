// Lanczos tridiagonalisation of a symmetric operator given only by its matrix-vector product, with
// full reorthogonalisation. The exact class-oblivious solver needs only a few dozen steps, so
// keeping every basis vector (and orthogonalising against all of them, twice) costs little and
// removes the ghost eigenvalues of plain Lanczos. When the Krylov space becomes invariant (a
// breakdown: beta ~ 0) the process restarts with a random vector orthogonal to the basis, so T stays
// block diagonal and the whole space can still be reached - needed for the trust-region hard case,
// where the right-hand side has no component in the lowest eigenspace.
import { mulberry32, normalGenerator } from './rng.js';
import { tridiagonalEigen } from './tridiagonal.js';

/** out = A x for a symmetric A; must not keep references to x or out. */
export type MatVec = (x: Float64Array, out: Float64Array) => void;

/** A breakdown is a next-vector norm below this fraction of the operator's norm estimate. */
const BREAKDOWN = 1e-12;

export function dot(a: Float64Array, b: Float64Array): number {
  let s0 = 0;
  let s1 = 0;
  const n = a.length;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    s0 += a[i]! * b[i]!;
    s1 += a[i + 1]! * b[i + 1]!;
  }
  if (i < n) s0 += a[i]! * b[i]!;
  return s0 + s1;
}

export function norm2(a: Float64Array): number {
  return Math.sqrt(dot(a, a));
}

export class Lanczos {
  readonly n: number;
  /** Orthonormal basis vectors q_0 .. q_{m-1}. */
  readonly basis: Float64Array[] = [];
  /** T's diagonal. */
  readonly alpha: number[] = [];
  /** T's sub-diagonal: off[j] = T[j+1][j] (0 where the process restarted). */
  readonly off: number[] = [];
  /** Indices j where q_j started a new block after a breakdown (0 is not listed). */
  readonly restarts: number[] = [];
  /** A running estimate of ||A|| (max |alpha| + off couplings), for relative thresholds. */
  normEstimate = 0;
  private readonly matvec: MatVec;
  private readonly normal: () => number;
  /** The unnormalised next vector and its norm (the coupling to q_m). */
  private next: Float64Array;
  private nextNorm: number;
  private readonly work: Float64Array;
  /** The operator applied to the start, when the caller has it (the first step then needs no product). */
  private firstProduct: Float64Array | null;

  /**
   * @param start the first direction (normalised here); a zero start is replaced by a random one.
   * @param seed  seeds the random restart vectors, so results are reproducible.
   * @param startProduct the operator applied to `start`, if the caller has it already: saves the first product.
   */
  constructor(matvec: MatVec, start: Float64Array, seed = 1, startProduct?: Float64Array) {
    this.n = start.length;
    this.matvec = matvec;
    this.normal = normalGenerator(mulberry32(seed));
    this.work = new Float64Array(this.n);
    this.next = Float64Array.from(start);
    this.nextNorm = norm2(this.next);
    if (startProduct && startProduct.length !== this.n) throw new Error(`Lanczos: start product has ${startProduct.length} values, expected ${this.n}`);
    this.firstProduct = startProduct && this.nextNorm > 0 ? startProduct : null;
  }

  get size(): number {
    return this.basis.length;
  }

  /** ||A q_{m-1} - (T's column) ||: the coupling to the next basis vector. Tiny after a breakdown. */
  get residualNorm(): number {
    return this.nextNorm;
  }

  /** True when the next step would restart (the current basis spans an invariant subspace). */
  get brokeDown(): boolean {
    return this.size > 0 && this.nextNorm <= BREAKDOWN * Math.max(this.normEstimate, Number.MIN_VALUE);
  }

  /** Adds one basis vector. Returns false (and does nothing) when the whole space is spanned. */
  step(): boolean {
    const m = this.size;
    const n = this.n;
    if (m >= n) return false;
    let q: Float64Array;
    if (m === 0 && this.nextNorm > 0) {
      q = this.next;
      scaleInPlace(q, 1 / this.nextNorm);
    } else if (m > 0 && !this.brokeDown) {
      q = this.next;
      scaleInPlace(q, 1 / this.nextNorm);
      this.off.push(this.nextNorm);
    } else {
      // (Re)start: a random direction orthogonal to the basis. Two passes of Gram-Schmidt make it
      // orthogonal to working precision; retry in the unlikely event it lies in the span.
      q = new Float64Array(n);
      for (let attempt = 0; ; attempt++) {
        for (let i = 0; i < n; i++) q[i] = this.normal();
        this.orthogonalise(q);
        this.orthogonalise(q);
        const nq = norm2(q);
        if (nq > 1e-8) {
          scaleInPlace(q, 1 / nq);
          break;
        }
        if (attempt > 20) throw new Error('Lanczos: could not find a direction outside the basis');
      }
      if (m > 0) {
        this.off.push(0);
        this.restarts.push(m);
      }
    }
    this.basis.push(q);
    // w = A q - alpha q - beta q_prev, then full reorthogonalisation against every basis vector.
    const w = this.work;
    if (m === 0 && this.firstProduct) {
      // A q_0 = (A start) / ||start||: q_0 is start normalised
      const inv = 1 / this.nextNorm;
      for (let i = 0; i < n; i++) w[i] = this.firstProduct[i]! * inv;
      this.firstProduct = null;
    } else this.matvec(q, w);
    const a = dot(q, w);
    this.alpha.push(a);
    this.orthogonalise(w);
    this.orthogonalise(w);
    this.next = Float64Array.from(w);
    this.nextNorm = norm2(this.next);
    const beta = m > 0 ? this.off[m - 1]! : 0;
    this.normEstimate = Math.max(this.normEstimate, Math.abs(a) + beta + this.nextNorm);
    return true;
  }

  /** v -= sum_j (q_j . v) q_j (classical Gram-Schmidt; called twice for full precision). */
  private orthogonalise(v: Float64Array): void {
    for (const qj of this.basis) {
      const c = dot(qj, v);
      if (c === 0) continue;
      for (let i = 0; i < v.length; i++) v[i] = v[i]! - c * qj[i]!;
    }
  }
}

/**
 * A lower bound on A's smallest eigenvalue: Lanczos from a random start until the lowest Ritz pair
 * (theta, u) has residual rho <= rtol ||A||; then some eigenvalue lies in [theta - rho, theta], and
 * from a random start it is the smallest one with probability one. Returns theta - rho.
 */
export function lowestEigenvalueBound(matvec: MatVec, n: number, rtol: number, seed: number): number {
  const lz = new Lanczos(matvec, new Float64Array(n), seed);
  for (;;) {
    lz.step();
    const m = lz.size;
    const { values, vectors } = tridiagonalEigen(lz.alpha, lz.off);
    const rho = m >= n ? 0 : lz.residualNorm * Math.abs(vectors[(m - 1) * m]!);
    if (m >= n || rho <= rtol * lz.normEstimate) return values[0]! - rho;
  }
}

function scaleInPlace(v: Float64Array, s: number): void {
  for (let i = 0; i < v.length; i++) v[i] = v[i]! * s;
}
