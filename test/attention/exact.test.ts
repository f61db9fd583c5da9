// The exact solvers (heads affine in the filter, 'l2' constraint) against the iterative solver, the
// closed form, and the optimality conditions computed independently in float64.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { defaultSolveOptions, pearson, solveL2caf } from '../../src/attention/index.js';
import type { SolveOptions } from '../../src/attention/types.js';
import { flattenAffineHead, gapAffineHead, makeFeatures, nonlinearHead, type TestHead } from './heads.js';
import { jacobiEigen } from './denseEigen.js';
import { useBackend } from './setup.js';

const paper = defaultSolveOptions('paper');
const iterative: SolveOptions = { ...paper, solver: 'iterative' };
const exact: SolveOptions = { ...paper, solver: 'exact' };

let heads: [string, TestHead][] = [];
beforeAll(async () => {
  await useBackend();
  heads = [
    ['gap-affine 2-D', gapAffineHead([7, 7], 16, 10, 1)],
    ['flatten-affine', flattenAffineHead([5, 6], 8, 6, 2)],
    ['gap-affine 3-D', gapAffineHead([3, 5, 5], 8, 6, 3)],
    ['gap-affine embedding', gapAffineHead([6, 6], 12, 16, 4, 'embedding')],
  ];
});
afterAll(() => heads.forEach(([, h]) => h.dispose()));

/** J (K x S), c, NT for a head and features, in float64, computed with plain tf ops. */
function affineData(head: TestHead, A: tf.Tensor) {
  const { J, c } = head.affine!(A);
  const K = head.numOutputs;
  const S = J.shape[1];
  const Jd = Float64Array.from(J.dataSync());
  const cd = Float64Array.from(c.dataSync());
  const out = head.apply(A);
  const nt = Float64Array.from(out.dataSync());
  tf.dispose([J, c, out]);
  return { J: Jd, c: cd, nt, K, S };
}

describe('exact class-specific solver', () => {
  it('is the closed form f* = -g/||g||, g = gradient of s.(J f + c) (computed by autodiff), with loss -||g|| + s.c', () => {
    for (const [name, head] of heads) {
      const A = makeFeatures(head.filterShape, head.C, 3);
      const t = 2;
      const S = head.filterShape.reduce((a, b) => a * b);
      const m = solveL2caf(head, A, t, exact);
      expect(m.solver).toBe('exact');
      expect(m.method).toBe('l2caf-class');
      const s = new Float32Array(head.numOutputs).fill(1);
      s[t] = -1;
      // The objective is linear in f, so its gradient at any f is g = J^T s.
      const g = tf.tidy(() => {
        const st = tf.tensor2d(s, [1, head.numOutputs]);
        const obj = (f: tf.Tensor) => tf.sum(tf.mul(st, head.apply(tf.mul(A, tf.reshape(f, [1, ...head.filterShape, 1])))));
        return Array.from(tf.grad(obj)(tf.ones([S])).dataSync());
      });
      const gn = Math.hypot(...g);
      for (let i = 0; i < S; i++) expect(m.param![i]!, `${name} i=${i}`).toBeCloseTo(-g[i]! / gn, 5);
      const { c } = affineData(head, A);
      let sc = 0;
      for (let k = 0; k < head.numOutputs; k++) sc += s[k]! * c[k]!;
      expect(m.loss).toBeCloseTo(-gn + sc, 4);
      A.dispose();
    }
  });
});

describe('exact class-oblivious solver', () => {
  it('satisfies the global optimality conditions of the sphere problem (checked in float64)', () => {
    for (const [name, head] of heads) {
      const A = makeFeatures(head.filterShape, head.C, 4);
      const m = solveL2caf(head, A, null, exact);
      expect(m.solver).toBe('exact');
      expect(m.iterations).toBeGreaterThan(0);
      const { J, c, nt, K, S } = affineData(head, A);
      const f = Float64Array.from(m.param!);
      // H = J^T J / K, b = J^T (NT - c) / K; KKT: (H - lambda) f = b, lambda <= lambda_min(H).
      const H = new Float64Array(S * S);
      const b = new Float64Array(S);
      for (let k = 0; k < K; k++) {
        for (let i = 0; i < S; i++) {
          b[i] = b[i]! + (J[k * S + i]! * (nt[k]! - c[k]!)) / K;
          for (let j = 0; j < S; j++) H[i * S + j] = H[i * S + j]! + (J[k * S + i]! * J[k * S + j]!) / K;
        }
      }
      const Hf = new Float64Array(S);
      for (let i = 0; i < S; i++) for (let j = 0; j < S; j++) Hf[i] = Hf[i]! + H[i * S + j]! * f[j]!;
      let lambda = 0;
      for (let i = 0; i < S; i++) lambda += f[i]! * (Hf[i]! - b[i]!);
      let res = 0;
      let bn = 0;
      for (let i = 0; i < S; i++) {
        res += (Hf[i]! - lambda * f[i]! - b[i]!) ** 2;
        bn += b[i]! ** 2;
      }
      expect(Math.sqrt(res), name).toBeLessThan(1e-5 * Math.sqrt(bn)); // float32 filter
      expect(lambda).toBeLessThanOrEqual(jacobiEigen(H, S).values[0]! + 1e-9);
      // The reported loss is the objective at f: mean_k (NT_k - (J f + c)_k)^2.
      let loss = 0;
      for (let k = 0; k < K; k++) {
        let ft = c[k]!;
        for (let i = 0; i < S; i++) ft += J[k * S + i]! * f[i]!;
        loss += (nt[k]! - ft) ** 2 / K;
      }
      expect(m.loss, name).toBeCloseTo(loss, 5);
      A.dispose();
    }
  });

  it('handles the hard case: features with zero spatial mean make NT = c (b = 0 up to rounding)', () => {
    const head = heads[0]![1];
    const A = makeFeatures(head.filterShape, head.C, 5, undefined, true);
    const e = solveL2caf(head, A, null, exact);
    const it = solveL2caf(head, A, null, iterative);
    // Any unit filter in the null space of J (dimension S - K = 39) keeps every output: loss ~0.
    expect(e.loss).toBeLessThan(1e-9);
    expect(e.loss).toBeLessThanOrEqual(it.loss + 1e-9);
    A.dispose();
  });
});

describe('exact vs iterative', () => {
  for (const target of [null, 1]) {
    it(`${target === null ? 'class-oblivious' : 'class-specific'}: loss no worse, maps agree`, () => {
      for (const [name, head] of heads) {
        const A = makeFeatures(head.filterShape, head.C, 6);
        const e = solveL2caf(head, A, target, exact);
        const i = solveL2caf(head, A, target, iterative);
        expect(e.solver).toBe('exact');
        expect(i.solver).toBe('iterative');
        // float32 evaluation of the same filter differs by rounding only.
        expect(e.loss, name).toBeLessThanOrEqual(i.loss + 1e-6 * (1 + Math.abs(i.loss)));
        expect(pearson(e.raw, i.raw), name).toBeGreaterThan(0.99);
        expect(e.shape).toEqual([...head.filterShape]);
        A.dispose();
      }
    });
  }
});

describe('solver choice', () => {
  it("'auto' uses the exact solver for affine heads with 'l2', the iterative one otherwise", () => {
    const gap = heads[0]![1];
    const nl = nonlinearHead([5, 5], 4, 4, 5, 1);
    const A = makeFeatures(gap.filterShape, gap.C, 1);
    const B = makeFeatures(nl.filterShape, nl.C, 1);
    const auto = { ...paper, solver: 'auto' as const, maxIterations: 20 };
    expect(solveL2caf(gap, A, null, auto).solver).toBe('exact');
    expect(solveL2caf(gap, A, 3, auto).solver).toBe('exact');
    expect(solveL2caf(gap, A, null, { ...auto, constraint: 'softmax' }).solver).toBe('iterative');
    expect(solveL2caf(nl, B, null, auto).solver).toBe('iterative');
    tf.dispose([A, B]);
    nl.dispose();
  });

  it("'exact' refuses a nonlinear head and non-'l2' constraints with clear messages", () => {
    const nl = nonlinearHead([5, 5], 4, 4, 5, 1);
    const B = makeFeatures(nl.filterShape, nl.C, 1);
    expect(() => solveL2caf(nl, B, null, exact)).toThrow(/affine in the filter.*'nonlinear'.*'iterative'/);
    const gap = heads[0]![1];
    const A = makeFeatures(gap.filterShape, gap.C, 1);
    expect(() => solveL2caf(gap, A, null, { ...exact, constraint: 'softmax' })).toThrow(/only for the 'l2' constraint \(got 'softmax'\)/);
    expect(() => solveL2caf(gap, A, 0, { ...exact, constraint: 'gaussian' })).toThrow(/only for the 'l2' constraint \(got 'gaussian'\)/);
    tf.dispose([A, B]);
    nl.dispose();
  });
});
