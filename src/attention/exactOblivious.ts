// Exact class-oblivious L2-CAF for heads affine in the filter: FT(f) = J f + c, NT = head(A), so
//   loss(f) = (1/K) ||r - J f||^2,  r = NT - c,
//           = f^T H f - 2 b^T f + const,  H = J^T J / K,  b = J^T r / K,
// minimised on ||f|| = 1: the equality-constrained trust-region subproblem (trustRegion.ts).
// H is PSD, so any multiplier lambda <= 0 certifies the global minimum (lowerBound 0). H is never
// formed (K S^2 work); each Lanczos step is one J and one J^T product (2 K S).
import { jTimes, jTransposeTimes, type AffineMap } from './affine.js';
import { solveSphereTrs, type SphereTrsResult } from './trustRegion.js';

export interface ExactObliviousResult extends SphereTrsResult {
  /**
   * The objective at x, from the solve itself: x^T H x = lambda + b^T x on the sphere (KKT), so
   * loss = lambda - b^T x + ||r||^2 / K, with no further product with J.
   */
  loss: number;
}

export function solveExactOblivious(a: AffineMap, nt: ArrayLike<number>): ExactObliviousResult {
  const { K, S } = a;
  if (nt.length !== K) throw new Error(`solveExactOblivious: NT has ${nt.length} values, expected ${K}`);
  const r = new Float64Array(K);
  for (let k = 0; k < K; k++) r[k] = nt[k]! - a.c[k]!;
  const b = new Float64Array(S);
  jTransposeTimes(a, r, b);
  for (let i = 0; i < S; i++) b[i] = b[i]! / K;
  const u = new Float64Array(K);
  const matvec = (x: Float64Array, out: Float64Array): void => {
    jTimes(a, x, u);
    jTransposeTimes(a, u, out);
    for (let i = 0; i < S; i++) out[i] = out[i]! / K;
  };
  // rtol 1e-6: on darknet-tiny's 14x14x1000 head (125 frames of car-detection), 3 Lanczos steps
  // with every filter entry within 3e-6 of the 1e-12 solution (relative to the largest entry):
  // below float32's use here and the maps' 1e-5 JSON precision; 1e-10 took 5 steps (each step is
  // two passes over J, the solve's whole cost).
  const r2 = r.reduce((s, v) => s + v * v, 0);
  // r = J 1 (NT is the unfiltered output J 1 + c), so b = H 1: Lanczos from the all-ones filter gets
  // its first product for free and spans b's Krylov space plus 1. Measured on car-detection frames
  // (1e-6, against a 1e-12 solve): darknet-tiny 3.2 products per frame instead of 3.3, MobileNetV2
  // 2.2 instead of 2.9, every filter entry still within 4e-6 of the reference.
  const ones = new Float64Array(S).fill(1);
  const res = solveSphereTrs(matvec, b, { lowerBound: 0, rtol: 1e-6, start: ones, startProduct: b });
  let bx = 0;
  for (let i = 0; i < S; i++) bx += b[i]! * res.x[i]!;
  // max(0): the objective is a mean of squares; rounding must not report a negative one.
  return { ...res, loss: Math.max(0, res.lambda - bx + r2 / K) };
}
