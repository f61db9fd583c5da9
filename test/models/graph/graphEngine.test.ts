// A graph model through the engine's image pipeline (decode, backbone once, every method from the
// head), as `l2caf image` will run it once loadModel dispatches graph models here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultSolveOptions } from '../../../src/attention/index.js';
import { selectBackend } from '../../../src/engine/backend.js';
import { analyzeImageFile } from '../../../src/engine/imageAnalysis.js';
import { fixture, haveFixture } from '../../helpers/fixtures.js';
import { convClassifier } from './tinyGraphs.js';
import { loadBuiltIn } from './loadBuilt.js';

let tmp: string;
beforeAll(async () => {
  await selectBackend();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'l2caf-graph-engine-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(!haveFixture('images/chelsea.png'))('graph model in the image pipeline', () => {
  it('gives predictions and one map per method, with the exact solver where the head is gap-affine', async () => {
    const { m } = await loadBuiltIn(tmp, convClassifier('Mean', [-1, -1, -1, 3]), 'engine', {
      inputSize: [64, 64],
      preprocessing: { scale: 1 / 127.5, offset: -1, channelOrder: 'rgb' },
      labels: ['a', 'b', 'c', 'd', 'e'],
    });
    const split = m.split();
    expect(split.layerShape).toEqual([32, 32, 10]);
    const before = tf.memory().numTensors;
    const { result } = await analyzeImageFile(m, split, fixture('images/chelsea.png'), {
      methods: ['l2caf', 'l2caf-class', 'gradcam', 'cam'],
      classes: [],
      solve: defaultSolveOptions('paper'),
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(result.model.layer).toBe('b5');
    expect(result.predictions).toHaveLength(5);
    expect(result.predictions.reduce((s, p) => s + p.score, 0)).toBeCloseTo(1, 4);
    expect(result.maps.map((x) => [x.method, x.solver])).toEqual([
      ['l2caf', 'exact'],
      ['l2caf-class', 'exact'],
      ['gradcam', 'gradient'],
      ['cam', 'weights'],
    ]);
    for (const map of result.maps) {
      expect([map.width, map.height]).toEqual([32, 32]);
      expect(Math.max(...map.values)).toBeCloseTo(1, 5);
    }
    m.dispose();
  });
});
