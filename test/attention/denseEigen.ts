// Test-only reference: cyclic Jacobi eigendecomposition of a dense symmetric matrix. Slow (O(n^3)
// per sweep) but simple and independent of the QL/Lanczos code it checks.

export function jacobiEigen(Ain: ArrayLike<number>, n: number): { values: Float64Array; vectors: Float64Array } {
  const A = Float64Array.from(Ain);
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += A[p * n + q]! ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (A[q * n + q]! - A[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = A[k * n + p]!;
          const akq = A[k * n + q]!;
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p * n + k]!;
          const aqk = A[q * n + k]!;
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = V[k * n + p]!;
          const vkq = V[k * n + q]!;
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => A[a * n + a]! - A[b * n + b]!);
  const values = Float64Array.from(order, (i) => A[i * n + i]!);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    for (let k = 0; k < n; k++) vectors[k * n + dst] = V[k * n + src]!;
  });
  return { values, vectors };
}

/** A random symmetric n x n matrix with the given eigenvalues (Q diag(values) Q^T, Q from Gram-Schmidt). */
export function symmetricWithSpectrum(values: readonly number[], rand: () => number): { A: Float64Array; Q: Float64Array } {
  const n = values.length;
  const Q = new Float64Array(n * n); // columns orthonormal
  for (let j = 0; j < n; j++) {
    const col = new Float64Array(n).map(() => rand() - 0.5);
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < j; k++) {
        let d = 0;
        for (let i = 0; i < n; i++) d += Q[i * n + k]! * col[i]!;
        for (let i = 0; i < n; i++) col[i] = col[i]! - d * Q[i * n + k]!;
      }
    }
    const nrm = Math.hypot(...col);
    for (let i = 0; i < n; i++) Q[i * n + j] = col[i]! / nrm;
  }
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += Q[i * n + j]! * values[j]! * Q[k * n + j]!;
      A[i * n + k] = s;
    }
  }
  return { A, Q };
}

export function denseMatVec(A: Float64Array, n: number) {
  return (x: Float64Array, out: Float64Array): void => {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += A[i * n + j]! * x[j]!;
      out[i] = s;
    }
  };
}

/** x^T A x - 2 b^T x. */
export function quadObjective(A: Float64Array, b: ArrayLike<number>, x: ArrayLike<number>): number {
  const n = b.length;
  let v = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += A[i * n + j]! * x[j]!;
    v += x[i]! * s - 2 * b[i]! * x[i]!;
  }
  return v;
}
