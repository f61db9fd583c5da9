// The 'converged' stop rule (the video default) against the reference 'paper' rule: it must stop
// much earlier and still give the map of a fully converged solve (1000 iterations, no early stop).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { CONVERGED_RULE, defaultSolveOptions, pearson, solveL2caf } from '../../src/attention/index.js';
import type { SolveOptions } from '../../src/attention/types.js';
import { StopMonitor } from '../../src/attention/stopRules.js';
import { flattenAffineHead, gapAffineHead, makeFeatures, nonlinearHead, type TestHead } from './heads.js';
import { useBackend } from './setup.js';

const paper: SolveOptions = { ...defaultSolveOptions('paper'), solver: 'iterative' };
const converged: SolveOptions = { ...defaultSolveOptions('converged'), solver: 'iterative' };
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

describe("'converged' stop rule", () => {
  it('is the preset for video and differs from paper only in the stop rule', () => {
    expect(converged.stop).toEqual(CONVERGED_RULE);
    expect({ ...converged, stop: null }).toEqual({ ...paper, stop: null });
  });

  for (const target of [null, 1]) {
    it(`${target === null ? 'class-oblivious' : 'class-specific'}: stops much earlier than 'paper' with a map of Pearson >= 0.99 to a fully converged one`, () => {
      for (const [name, head] of heads) {
        // Class-specific L2-CAF on a nonlinear head keeps sharpening slowly (no isolated optimum
        // within 1000 iterations); the rule is not tuned for it.
        if (target !== null && name === 'nonlinear 14x14') continue;
        const X = makeFeatures(head.filterShape, head.C, 7);
        const ref = solveL2caf(head, X, target, full);
        const p = solveL2caf(head, X, target, paper);
        const c = solveL2caf(head, X, target, converged);
        const label = `${name}: converged ${c.iterations}, paper ${p.iterations}`;
        expect(ref.iterations).toBe(1000);
        expect(c.iterations, label).toBeLessThanOrEqual(0.6 * p.iterations);
        expect(c.iterations % CONVERGED_RULE.window, 'checks happen every window iterations').toBe(0);
        expect(pearson(c.raw, ref.raw), label).toBeGreaterThanOrEqual(0.99);
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

describe('iterative solver and the converged rule', () => {
  it('stops at the first check when the start is already optimal (deltas at rounding level)', () => {
    const head = heads[0]![1];
    const X = makeFeatures(head.filterShape, head.C, 7);
    const exact = solveL2caf(head, X, null, { ...paper, solver: 'exact' });
    // Scale the exact optimum up, so Adam's first steps (~lr per component) are small relative to it.
    const init = exact.param!.map((x) => x * 1e4);
    const m = solveL2caf(head, X, null, { ...converged, init });
    expect(m.iterations).toBe(CONVERGED_RULE.window);
    expect(pearson(m.raw, exact.raw)).toBeGreaterThan(0.9999);
    tf.dispose(X);
  });
});
