// The 'converged' preset (the default: L-BFGS on the sphere, stopped by the 'optimal' rule) and
// Adam's 'converged' rule (for the other constraints) against the reference 'paper' rule: both must
// stop much earlier and still give the map of a fully converged solve (1000 iterations, no early stop).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { CONVERGED_RULE, OPTIMAL_RULE, defaultSolveOptions, pearson, solveL2caf } from '../../src/attention/index.js';
import type { SolveOptions } from '../../src/attention/types.js';
import { StopMonitor } from '../../src/attention/stopRules.js';
import { flattenAffineHead, gapAffineHead, makeFeatures, nonlinearHead, type TestHead } from './heads.js';
import { useBackend } from './setup.js';

const paper: SolveOptions = { ...defaultSolveOptions('paper'), solver: 'iterative' };
const converged: SolveOptions = { ...defaultSolveOptions('converged'), solver: 'iterative' };
/** Adam with the 'converged' rule (what the 'softmax' and 'gaussian' constraints get). */
const adamConverged: SolveOptions = { ...paper, stop: { ...CONVERGED_RULE } };
const full: SolveOptions = { ...paper, stop: { kind: 'paper', every: 50, tol: 0 } };

let heads: [string, TestHead][] = [];
beforeAll(async () => {
  await useBackend();
  heads = [
    ['gap-affine 14x14', gapAffineHead([14, 14], 32, 10, 1)],
    ['flatten-affine 7x7', flattenAffineHead([7, 7], 16, 10, 5)],
    ['nonlinear 14x14', nonlinearHead([14, 14], 16, 16, 10, 3)],
    ['nonlinear 8x8', nonlinearHead([8, 8], 8, 8, 10, 2)],
  ];
});
afterAll(() => heads.forEach(([, h]) => h.dispose()));

describe("'converged' preset (L-BFGS, 'optimal' rule) and Adam's 'converged' rule", () => {
  it('is the default preset and differs from paper only in the stop rule', () => {
    expect(converged.stop).toEqual(OPTIMAL_RULE);
    expect({ ...converged, stop: null }).toEqual({ ...paper, stop: null });
  });

  for (const target of [null, 1]) {
    it(`${target === null ? 'class-oblivious' : 'class-specific'}: both stop much earlier than 'paper' with a map of Pearson >= 0.99 to a fully converged one`, () => {
      for (const [name, head] of heads) {
        // Class-specific L2-CAF on a nonlinear head keeps sharpening slowly (no isolated optimum
        // within 1000 iterations); the rules are not tuned for it.
        if (target !== null && name === 'nonlinear 14x14') continue;
        const X = makeFeatures(head.filterShape, head.C, 7);
        const ref = solveL2caf(head, X, target, full);
        const p = solveL2caf(head, X, target, paper);
        // Adam's rule was tuned on N(0,1) starts: compared with 'paper' from the same random start.
        const pr = solveL2caf(head, X, target, { ...paper, start: 'random' });
        const a = solveL2caf(head, X, target, { ...adamConverged, start: 'random' });
        const c = solveL2caf(head, X, target, converged);
        const label = `${name}: L-BFGS ${c.iterations} passes, paper ${p.iterations}; random start: Adam converged ${a.iterations}, paper ${pr.iterations}`;
        expect(ref.iterations).toBe(1000);
        expect(a.iterations, label).toBeLessThanOrEqual(0.6 * pr.iterations);
        expect(a.iterations % CONVERGED_RULE.window, 'checks happen every window iterations').toBe(0);
        const refRandom = solveL2caf(head, X, target, { ...full, start: 'random' });
        expect(pearson(a.raw, refRandom.raw), label).toBeGreaterThanOrEqual(0.99);
        // L-BFGS: a tenth of Adam's passes or fewer (half for class-specific on a ReLU head, a
        // non-smooth problem, solved from two starts: src/attention/start.ts), and as close to the
        // optimum.
        const hard = target !== null && head.linearity === 'nonlinear';
        expect(c.iterations, label).toBeLessThanOrEqual((hard ? 0.5 : 0.1) * p.iterations);
        if (hard) {
          // Class-specific on a non-linear head has many local optima: L-BFGS, a descent method,
          // stops at the one it starts in, where Adam's long early steps (lr 0.5 per component)
          // may cross into a better one (here 1.1% lower). What the stop rule must get right is
          // that optimum: the map of a 10x tighter L-BFGS solve continued from it (from the start,
          // the tighter solve's scouts may pick the other start: src/attention/sphereSolve.ts), and a
          // loss near Adam's. (L-BFGS alone: the tight tolerances end it unconverged at a kink, where
          // the Adam phase would go on to another optimum, here 0.44% lower at r 0.948.)
          const tight = solveL2caf(head, X, target, { ...converged, init: c.param, stop: { kind: 'optimal', stepTol: 0.002, lossTol: 1e-6, maxPasses: 200, adamPasses: 0 } });
          expect(pearson(c.raw, tight.raw), label).toBeGreaterThanOrEqual(0.99);
          expect(c.loss, label).toBeLessThanOrEqual(tight.loss + 1e-3 * Math.abs(tight.loss));
          expect(c.loss, label).toBeLessThanOrEqual(ref.loss + 0.02 * Math.abs(ref.loss));
        } else {
          expect(pearson(c.raw, ref.raw), label).toBeGreaterThanOrEqual(0.99);
          expect(c.loss, label).toBeLessThanOrEqual(ref.loss + 1e-3 * Math.abs(ref.loss));
        }
        X.dispose();
      }
    });
  }
});

describe('StopMonitor', () => {
  it("'paper' compares the loss every `every` iterations", () => {
    const m = new StopMonitor({ kind: 'paper', every: 50, tol: 1e-4 });
    expect(m.needsLoss(0)).toBe(true);
    expect(m.needsLoss(49)).toBe(false);
    expect(m.observeLoss(0, 5)).toBe(false);
    expect(m.observeLoss(50, 4)).toBe(false);
    expect(m.observeLoss(100, 4 - 5e-5)).toBe(true);
  });

  it("'converged' stops when the max change over a window is below relTol, not before minIterations", () => {
    const m = new StopMonitor({ kind: 'converged', window: 3, relTol: 1e-3, minIterations: 6 });
    expect(m.needsDelta).toBe(true);
    expect([1, 2, 3, 4, 5, 6].filter((i) => m.needsMaxDelta(i))).toEqual([3, 6]);
    expect(m.observeMaxDelta(3, 1e-5)).toBe(false); // before minIterations
    expect(m.observeMaxDelta(6, 2e-3)).toBe(false);
    expect(m.observeMaxDelta(9, 5e-4)).toBe(true);
  });
});

describe('stopping at an optimal start', () => {
  it('L-BFGS stops after the one pass that shows the start is optimal', () => {
    const head = heads[0]![1];
    const X = makeFeatures(head.filterShape, head.C, 7);
    const exact = solveL2caf(head, X, null, { ...paper, solver: 'exact' });
    const m = solveL2caf(head, X, null, { ...converged, init: exact.param! });
    expect(m.iterations).toBe(1);
    expect(m.start).toBe('warm');
    expect(pearson(m.raw, exact.raw)).toBeGreaterThan(0.9999);
    tf.dispose(X);
  });

  it("Adam's rule stops at the first check when the start is already optimal (deltas at rounding level)", () => {
    const head = heads[0]![1];
    const X = makeFeatures(head.filterShape, head.C, 7);
    const exact = solveL2caf(head, X, null, { ...paper, solver: 'exact' });
    // Scale the exact optimum up, so Adam's first steps (~lr per component) are small relative to it.
    const init = exact.param!.map((x) => x * 1e4);
    const m = solveL2caf(head, X, null, { ...adamConverged, init });
    expect(m.iterations).toBe(CONVERGED_RULE.window);
    expect(pearson(m.raw, exact.raw)).toBeGreaterThan(0.9999);
    tf.dispose(X);
  });
});
