// The affine map in its two layouts (K x S, and S x K as a per-position pass gives it): the same
// products, entries and solutions; and the GAP-only map read straight from the features.
import { describe, expect, it } from 'vitest';
import { gapOnlyAffine, jAt, jTimes, jTransposeTimes, type AffineMap } from '../../src/attention/affine.js';
import { solveExactClassSpecific } from '../../src/attention/exactClassSpecific.js';
import { solveExactOblivious } from '../../src/attention/exactOblivious.js';
import { unfilteredOutputs } from '../../src/attention/affine.js';
import { mulberry32, normalGenerator } from '../../src/attention/rng.js';

function randomMap(K: number, S: number, seed: number): { ks: AffineMap; sk: AffineMap } {
  const normal = normalGenerator(mulberry32(seed));
  const J = Float32Array.from({ length: K * S }, () => normal());
  const Jt = new Float32Array(K * S);
  for (let k = 0; k < K; k++) for (let s = 0; s < S; s++) Jt[s * K + k] = J[k * S + s]!;
  const c = Float32Array.from({ length: K }, () => normal());
  return { ks: { J, c, K, S }, sk: { J: Jt, c, K, S, transposed: true } };
}

describe('affine map layouts', () => {
  // Odd sizes, so the four-row blocks leave remainders on both axes.
  const { ks, sk } = randomMap(23, 13, 5);

  it('give the same J x, J^T u and entries', () => {
    const x = Float64Array.from({ length: 13 }, (_, i) => Math.sin(i + 1));
    const u = Float64Array.from({ length: 23 }, (_, i) => Math.cos(i * 0.7));
    const [a, b] = [new Float64Array(23), new Float64Array(23)];
    jTimes(ks, x, a);
    jTimes(sk, x, b);
    for (let k = 0; k < 23; k++) expect(b[k]).toBeCloseTo(a[k]!, 10);
    // against the definition
    let ref = 0;
    for (let s = 0; s < 13; s++) ref += ks.J[5 * 13 + s]! * x[s]!;
    expect(a[5]).toBeCloseTo(ref, 10);
    const [p, q] = [new Float64Array(13), new Float64Array(13)];
    jTransposeTimes(ks, u, p);
    jTransposeTimes(sk, u, q);
    for (let s = 0; s < 13; s++) expect(q[s]).toBeCloseTo(p[s]!, 10);
    expect(jAt(sk, 7, 3)).toBe(ks.J[7 * 13 + 3]);
  });

  it('give the same exact solutions', () => {
    const o1 = solveExactOblivious(ks, unfilteredOutputs(ks));
    const o2 = solveExactOblivious(sk, unfilteredOutputs(sk));
    for (let s = 0; s < 13; s++) expect(o2.x[s]).toBeCloseTo(o1.x[s]!, 8);
    expect(o2.loss).toBeCloseTo(o1.loss, 8);
    const c1 = solveExactClassSpecific(ks, 4);
    const c2 = solveExactClassSpecific(sk, 4);
    for (let s = 0; s < 13; s++) expect(c2[s]).toBeCloseTo(c1[s]!, 10);
  });
});

describe('gapOnlyAffine', () => {
  it('is out_k(f) = mean_s f_s A[s, k]: J^T = A / S, c = 0', () => {
    const S = 6;
    const K = 4;
    const A = Float32Array.from({ length: S * K }, (_, i) => ((i * 37) % 11) - 5);
    const a = gapOnlyAffine(A, S, K);
    const f = Float64Array.from({ length: S }, (_, s) => s - 2.5);
    const out = new Float64Array(K);
    jTimes(a, f, out);
    for (let k = 0; k < K; k++) {
      let ref = 0;
      for (let s = 0; s < S; s++) ref += (f[s]! * A[s * K + k]!) / S;
      expect(out[k]).toBeCloseTo(ref, 6);
    }
    expect(Array.from(a.c)).toEqual([0, 0, 0, 0]);
    expect(() => gapOnlyAffine(A, 5, K)).toThrow(/expected 5 x 4/);
  });
});
