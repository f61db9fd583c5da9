// The engine on a real model (darknet-tiny from the offline mirror) and real images.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { selectBackend } from '../../src/engine/backend.js';
import { openModel } from '../../src/engine/openModel.js';
import { analyzeImageFile, type MapResult } from '../../src/engine/imageAnalysis.js';
import { defaultSolveOptions } from '../../src/attention/index.js';
import { ffmpegBinary } from '../../src/media/ffmpegPath.js';
import type { LoadedModel } from '../../src/models/loadModel.js';
import type { SplitModel } from '../../src/models/split.js';
import { fixture, haveFixture, FIXTURES } from '../helpers/fixtures.js';

const ok = haveFixture('models/darknet-tiny') && haveFixture('images');

/** Share of the map's mass in the left half (columns < width/2). */
function leftMass(m: MapResult): number {
  let left = 0;
  let total = 0;
  for (let y = 0; y < m.height; y++)
    for (let x = 0; x < m.width; x++) {
      const v = m.values[y * m.width + x]!;
      total += v;
      if (x < m.width / 2) left += v;
    }
  return left / total;
}

describe.skipIf(!ok)('darknet-tiny on the fixture images', () => {
  let model: LoadedModel;
  let split: SplitModel;
  let tmp: string;
  let composite: string;

  beforeAll(async () => {
    process.env.L2CAF_MODEL_MIRROR = path.join(FIXTURES, 'models');
    await selectBackend();
    model = await openModel({ model: 'darknet-tiny' });
    split = model.split();
    tmp = mkdtempSync(path.join(os.tmpdir(), 'l2caf-darknet-'));
    // The cat on the left, the butterfly on the right, each squeezed to 224x224.
    composite = path.join(tmp, 'cat-butterfly.png');
    execFileSync(ffmpegBinary().path, [
      '-v', 'error', '-i', fixture('images/chelsea.png'), '-i', fixture('images/butterfly.jpg'),
      '-filter_complex', '[0:v]scale=224:224[a];[1:v]scale=224:224[b];[a][b]hstack=inputs=2', '-frames:v', '1', '-y', composite,
    ]);
  });
  afterAll(() => {
    model?.dispose();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it.each([
    ['chelsea.png', 'Egyptian cat', 0.67],
    ['coffee.png', 'espresso', 0.66],
    ['butterfly.jpg', 'monarch', 0.76],
  ])('%s -> %s (%f, as the fixtures README reports)', async (file, label, score) => {
    const { result } = await analyzeImageFile(model, split, fixture(`images/${file}`), {
      methods: [],
      classes: [],
      solve: defaultSolveOptions('paper'),
    });
    expect(result.predictions).toHaveLength(5);
    expect(result.predictions[0]!.label).toBe(label);
    // decoding differs slightly from the README's (its resize path is not ours)
    expect(Math.abs(result.predictions[0]!.score - score)).toBeLessThan(0.05);
    expect(result.model).toMatchObject({ id: 'darknet-tiny', layer: 'conv2d_16', layerShape: [14, 14, 1000] });
  });

  it('on a cat | butterfly composite, class-specific maps pick each half; class-oblivious covers both', async () => {
    const { result } = await analyzeImageFile(model, split, composite, {
      methods: ['l2caf-class', 'gradcam', 'l2caf'],
      classes: ['Egyptian cat', 'monarch'],
      solve: defaultSolveOptions('paper'),
    });
    const top = result.predictions.map((p) => p.label);
    console.log('composite top-5:', top.join(', '));
    const get = (method: string, label: string | null) => result.maps.find((m) => m.method === method && (m.target?.label ?? null) === label)!;
    for (const method of ['l2caf-class', 'gradcam']) {
      const cat = leftMass(get(method, 'Egyptian cat'));
      const fly = leftMass(get(method, 'monarch'));
      console.log(`${method}: cat map ${(cat * 100).toFixed(1)}% left, monarch map ${(100 - fly * 100).toFixed(1)}% right`);
      expect(cat).toBeGreaterThan(0.6);
      expect(fly).toBeLessThan(0.4);
    }
    const both = leftMass(get('l2caf', null));
    console.log(`l2caf class-oblivious: ${(both * 100).toFixed(1)}% left`);
    expect(both).toBeGreaterThan(0.25);
    expect(both).toBeLessThan(0.75);
  });

  it('tensor count is flat over 50 calls of every method', async () => {
    const img = fixture('images/chelsea.png');
    const opts = { methods: ['l2caf', 'l2caf-class', 'gradcam', 'cam'] as const, classes: [], solve: { ...defaultSolveOptions('paper'), maxIterations: 60 } };
    await analyzeImageFile(model, split, img, { ...opts, methods: [...opts.methods] });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 50; i++) await analyzeImageFile(model, split, img, { ...opts, methods: [...opts.methods] });
    expect(tf.memory().numTensors).toBe(before);
  });
});
