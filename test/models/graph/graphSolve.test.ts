// The attention methods on graph-model heads: exact and iterative L2-CAF agree (the exact loss is
// no worse), CAM applies to the gap-affine head and refuses the affine one, Grad-CAM and iterative
// L2-CAF run on a nonlinear head, and the tensor count stays flat over repeated calls.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cam, defaultSolveOptions, gradCam, pearson, solveL2caf } from '../../../src/attention/index.js';
import type { SolveOptions } from '../../../src/attention/types.js';
import { selectBackend } from '../../../src/engine/backend.js';
import { convClassifier, residualNet } from './tinyGraphs.js';
import { loadBuiltIn } from './loadBuilt.js';

let tmp: string;
beforeAll(async () => {
  await selectBackend();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'l2caf-graph-solve-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const paper = defaultSolveOptions('paper');
const exact: SolveOptions = { ...paper, solver: 'exact' };
const iterative: SolveOptions = { ...paper, solver: 'iterative' };

describe('L2-CAF on graph heads: exact vs iterative', () => {
  it.each([
    ['conv classifier', 'b5', 'gap-affine'],
    ['residual net', 'res', 'affine'],
    ['residual net', 'a1', 'affine'],
  ])('%s at %s (%s)', async (which, layer, linearity) => {
    const g = which === 'conv classifier' ? convClassifier() : residualNet();
    const size = which === 'conv classifier' ? 12 : 10;
    const { m } = await loadBuiltIn(tmp, g, `solve-${which.replace(' ', '-')}-${layer}`);
    const split = m.split(layer);
    const x = tf.randomUniform([1, size, size, 3], 0, 1, 'float32', 11);
    const bb = await split.runBackbone(x);
    const head = split.head(bb);
    expect(head.linearity).toBe(linearity);
    for (const target of [null, 1]) {
      const e = solveL2caf(head, bb.features, target, exact);
      const i = solveL2caf(head, bb.features, target, iterative);
      expect(e.solver).toBe('exact');
      expect(i.solver).toBe('iterative');
      expect(e.loss).toBeLessThanOrEqual(i.loss + 1e-4 * (1 + Math.abs(i.loss)));
      expect(pearson(e.raw, i.raw)).toBeGreaterThan(0.95);
    }
    if (linearity === 'gap-affine') expect(cam(head, bb.features, 2).solver).toBe('weights');
    else expect(() => cam(head, bb.features, 2)).toThrow(/CAM/);
    tf.dispose([x, bb.features, ...bb.side]);
    m.dispose();
  });

  it('a nonlinear head: exact refuses, iterative and Grad-CAM work', async () => {
    const { m } = await loadBuiltIn(tmp, convClassifier(), 'solve-nonlinear');
    const split = m.split('f3');
    const x = tf.randomUniform([1, 12, 12, 3], 0, 1, 'float32', 12);
    const bb = await split.runBackbone(x);
    const head = split.head(bb);
    expect(() => solveL2caf(head, bb.features, null, exact)).toThrow(/affine/);
    const it = solveL2caf(head, bb.features, null, { ...iterative, maxIterations: 100 });
    expect(it.iterations).toBeGreaterThan(0);
    expect(Number.isFinite(it.loss)).toBe(true);
    const gc = gradCam(head, bb.features, 3);
    expect(gc.shape).toEqual([6, 6]);
    tf.dispose([x, bb.features, ...bb.side]);
    m.dispose();
  });
});

describe('tensor memory', () => {
  it('backbone + head + every method 20 times leaves the tensor count unchanged', async () => {
    const { m } = await loadBuiltIn(tmp, residualNet(), 'memory');
    const split = m.split('res');
    const split2 = m.split('b1');
    const once = async () => {
      const x = tf.randomUniform([1, 10, 10, 3]);
      for (const s of [split, split2]) {
        const bb = await s.runBackbone(x);
        const head = s.head(bb);
        tf.tidy(() => head.apply(bb.features).dispose());
        solveL2caf(head, bb.features, null, { ...paper, maxIterations: 20 });
        solveL2caf(head, bb.features, 1, { ...paper, maxIterations: 20 });
        gradCam(head, bb.features, 0);
        if (head.affine) tf.dispose(Object.values(head.affine(bb.features)));
        tf.dispose([bb.features, ...bb.side]);
      }
      x.dispose();
    };
    await once(); // first calls compile kernels and cache graph plans
    const before = tf.memory().numTensors;
    for (let k = 0; k < 20; k++) await once();
    expect(tf.memory().numTensors).toBe(before);
    m.dispose();
  });

  it('loading, splitting and disposing a model frees all its tensors', async () => {
    const before = tf.memory().numTensors;
    const { m } = await loadBuiltIn(tmp, convClassifier(), 'memory-load');
    m.split('b5');
    m.split('r1');
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
