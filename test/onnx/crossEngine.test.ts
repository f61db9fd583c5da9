// darknet-tiny as ONNX (backbone in ONNX Runtime, head translated to TF.js) against the TF.js
// darknet-tiny on the fixture images: same top-1 class, maps with Pearson >= 0.99 for every method,
// at the default layer and at an earlier one (a nonlinear head), and no leaked tensors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { readdirSync } from 'node:fs';
import { selectBackend } from '../../src/engine/backend.js';
import { openModel } from '../../src/engine/openModel.js';
import { analyzeImageFile, type ImageResult } from '../../src/engine/imageAnalysis.js';
import { defaultSolveOptions } from '../../src/attention/index.js';
import type { Method } from '../../src/attention/types.js';
import type { LoadedModel } from '../../src/models/loadModel.js';
import { fixture, haveFixture } from '../helpers/fixtures.js';
import { evaluateImageFile } from '../../src/eval/evaluateImage.js';
import { DEFAULT_METRIC_OPTIONS } from '../../src/eval/evaluateMap.js';

const ok = haveFixture('models/darknet-tiny') && haveFixture('models/darknet-tiny-onnx') && haveFixture('images');

function pearson(a: readonly number[], b: readonly number[]): number {
  const n = a.length;
  const ma = a.reduce((s, v) => s + v, 0) / n;
  const mb = b.reduce((s, v) => s + v, 0) / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

describe.skipIf(!ok)('darknet-tiny: ONNX Runtime backbone vs TF.js', () => {
  let onnxModel: LoadedModel;
  let tfjsModel: LoadedModel;
  const images = ok ? readdirSync(fixture('images')).filter((f) => f.endsWith('.png')) : [];

  beforeAll(async () => {
    await selectBackend();
    onnxModel = await openModel({ model: 'darknet-tiny-onnx' });
    tfjsModel = await openModel({ model: 'darknet-tiny' });
  });
  afterAll(() => {
    onnxModel?.dispose();
    tfjsModel?.dispose();
  });

  it('loads as ONNX with the catalogue facts and lists its nodes with channels-last shapes', () => {
    expect(onnxModel.format).toBe('onnx');
    expect(onnxModel.defaultLayer).toBe('conv2d_16');
    expect(onnxModel.labels).toHaveLength(1000);
    expect(onnxModel.outputKind).toBe('logits');
    const conv16 = onnxModel.layers.find((l) => l.name === 'conv2d_16')!;
    expect(conv16).toMatchObject({ type: 'Conv', shape: [14, 14, 1000], spatial: true });
    expect(onnxModel.layers.find((l) => l.name === 'logits')).toMatchObject({ type: 'Flatten', shape: [1000], spatial: false });
    expect(onnxModel.layers.filter((l) => l.type === 'Conv')).toHaveLength(16);
  });

  const methods: Method[] = ['l2caf', 'l2caf-class', 'gradcam', 'cam'];
  it.each(images)('%s: same top-1 and maps with Pearson >= 0.99 at conv2d_16 (gap-affine head)', async (file) => {
    const so = onnxModel.split();
    const st = tfjsModel.split();
    const opts = { methods, classes: [], solve: defaultSolveOptions('paper') };
    const a = (await analyzeImageFile(onnxModel, so, fixture(`images/${file}`), opts)).result;
    const b = (await analyzeImageFile(tfjsModel, st, fixture(`images/${file}`), opts)).result;
    expect(a.predictions[0]!.index).toBe(b.predictions[0]!.index);
    expect(Math.abs(a.predictions[0]!.score - b.predictions[0]!.score)).toBeLessThan(1e-3);
    expect(a.model).toMatchObject({ layer: 'conv2d_16', layerShape: [14, 14, 1000] });
    compareMaps(a, b);
    so.dispose();
    st.dispose();
  });

  it('at an earlier layer (1x1 conv, LeakyReLU, 1x1 conv, GAP: nonlinear head) the iterative maps agree too', async () => {
    const so = onnxModel.split('/mods.45/LeakyRelu_output_0');
    const st = tfjsModel.split('leaky_re_lu_14');
    const opts = { methods: ['l2caf', 'l2caf-class', 'gradcam'] as Method[], classes: [], solve: defaultSolveOptions('converged') };
    const a = (await analyzeImageFile(onnxModel, so, fixture('images/chelsea.png'), opts)).result;
    const b = (await analyzeImageFile(tfjsModel, st, fixture('images/chelsea.png'), opts)).result;
    expect(a.predictions[0]!.index).toBe(b.predictions[0]!.index);
    expect(a.maps.map((m) => m.solver)).toEqual(['iterative', 'iterative', 'gradient']);
    compareMaps(a, b);
    so.dispose();
    st.dispose();
  });

  it('scores maps with the faithfulness metrics as the TF.js model does (batched passes on a model fixed at batch 1)', async () => {
    // The curves run the whole model on batches of 8 perturbed inputs; this ONNX file declares
    // batch 1, so the backbone takes them one at a time (it once refused the batch outright).
    const so = onnxModel.split();
    const st = tfjsModel.split();
    const o = { methods: ['gradcam'] as Method[], classes: [], solve: defaultSolveOptions('paper'), metrics: { ...DEFAULT_METRIC_OPTIONS, steps: 8, keepCurves: true }, baseline: 'blur' as const, boxes: null };
    const [a] = await evaluateImageFile(onnxModel, so, fixture('images/chelsea.png'), o);
    const [b] = await evaluateImageFile(tfjsModel, st, fixture('images/chelsea.png'), o);
    expect(a!.target!.index).toBe(b!.target!.index);
    expect(a!.metrics.deletion).toHaveLength(9);
    for (const k of ['deletionAuc', 'insertionAuc', 'score'] as const) expect(Math.abs(a!.metrics[k]! - b!.metrics[k]!), k).toBeLessThan(0.01);
    so.dispose();
    st.dispose();
  });

  it('keeps tf.memory flat over repeated analyses', async () => {
    const so = onnxModel.split();
    const opts = { methods, classes: [], solve: defaultSolveOptions('paper') };
    await analyzeImageFile(onnxModel, so, fixture('images/chelsea.png'), opts);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await analyzeImageFile(onnxModel, so, fixture('images/chelsea.png'), opts);
    expect(tf.memory().numTensors).toBe(before);
    so.dispose();
  });
});

function compareMaps(a: ImageResult, b: ImageResult): void {
  expect(a.maps.map((m) => m.method)).toEqual(b.maps.map((m) => m.method));
  for (let i = 0; i < a.maps.length; i++) {
    const r = pearson(a.maps[i]!.values, b.maps[i]!.values);
    console.log(`${a.input.path.split('/').pop()} ${a.model.layer} ${a.maps[i]!.method}: Pearson ${r.toFixed(5)}`);
    expect(r, a.maps[i]!.method).toBeGreaterThanOrEqual(0.99);
    expect(a.maps[i]!.solver).toBe(b.maps[i]!.solver);
  }
}
