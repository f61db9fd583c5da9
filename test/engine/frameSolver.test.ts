// A frame's (or slice's, or a batch image's on workers) solve fails as an image in this thread does
// when the features are not numbers: naming the layer whose features overflowed, not the head's
// outputs they turn to NaN.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { defaultSolveOptions } from '../../src/attention/index.js';
import { selectBackend } from '../../src/engine/backend.js';
import { createFrameSolver } from '../../src/engine/frameSolver.js';
import { openModel } from '../../src/engine/openModel.js';
import { gapDenseSoftmax } from '../models/tinyModels.js';
import { saveLayersModel } from '../helpers/saveModel.js';

let tmp: string;
beforeAll(async () => {
  await selectBackend('wasm');
  tmp = mkdtempSync(path.join(os.tmpdir(), 'l2caf-frame-solver-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('createFrameSolver', () => {
  for (const huge of [false, true]) {
    it(huge ? 'fails naming the layer when its features overflow to Infinity' : 'solves a frame whose features are numbers', async () => {
      const net = gapDenseSoftmax(3, 16);
      // finite but enormous weights: the features overflow float32 to Infinity
      if (huge) net.setWeights(net.getWeights().map((w) => tf.fill(w.shape, 3e37)));
      const model = await openModel({ model: await saveLayersModel(net, path.join(tmp, huge ? 'huge' : 'plain')), inputSize: 16, scale: 1, offset: 0 });
      const split = model.split('c2');
      try {
        const before = tf.memory().numTensors;
        const x = tf.fill([1, 16, 16, 3], 200);
        const bb = await split.runBackbone(x);
        x.dispose();
        const solve = createFrameSolver(model, split, { methods: ['l2caf', 'gradcam'], classes: [], solve: defaultSolveOptions('converged'), warmStart: true });
        const work = solve(bb);
        if (huge) await expect(work).rejects.toThrow(/: the features of layer c2 holds (Infinity|-Infinity|NaN) \(element \d+ of \d+\): the weights are damaged/);
        else expect((await work).maps.map((m) => m.method)).toEqual(['l2caf', 'gradcam']);
        // the backbone's tensors are the solver's to dispose, either way
        expect(tf.memory().numTensors).toBe(before);
      } finally {
        split.dispose();
        model.dispose();
      }
    });
  }
});
