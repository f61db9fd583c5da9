// Exact class-specific L2-CAF for heads affine in the filter. The objective
// sum_{k != t} FT_k - FT_t = s^T (J f + c) with s = 1 - 2 e_t is linear in f, so on the unit sphere
// its minimiser is f* = -g / ||g|| with g = J^T s: one matrix-vector product.
import { jTransposeTimes, type AffineMap } from './affine.js';

export function solveExactClassSpecific(a: AffineMap, target: number): Float64Array {
  const s = new Float64Array(a.K).fill(1);
  s[target] = -1;
  const g = new Float64Array(a.S);
  jTransposeTimes(a, s, g);
  let n2 = 0;
  for (let i = 0; i < a.S; i++) n2 += g[i]! * g[i]!;
  const f = new Float64Array(a.S);
  if (n2 === 0) {
    // The objective does not depend on f at all: every unit filter is optimal; take the uniform one.
    f.fill(1 / Math.sqrt(a.S));
    return f;
  }
  const inv = -1 / Math.sqrt(n2);
  for (let i = 0; i < a.S; i++) f[i] = g[i]! * inv;
  return f;
}
