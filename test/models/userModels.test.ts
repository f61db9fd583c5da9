// Models users bring (issue 17 items 4, 5): a classifier exported without labels is a classifier,
// named by index or by --labels; non-square and dynamic input sizes are accepted, and maps on
// them land where they belong on a volume's slices and on video frames. Uses the tiny ONNX models
// in test/data/models (scripts/make-test-models.py) and identity models built here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pearson } from '../../src/attention/index.js';
import { selectBackend } from '../../src/engine/backend.js';
import { openModel } from '../../src/engine/openModel.js';
import { labelsFromFlag } from '../../src/models/labelsFlag.js';
import { sizeForAspect } from '../../src/models/modelFacts.js';
import { analyzeVolume } from '../../src/slices/analyzeVolume.js';
import { analyzeVideo } from '../../src/video/analyzeVideo.js';
import type { Volume } from '../../src/volume/types.js';
import { PROJECT_ROOT, fixture, haveFixture } from '../helpers/fixtures.js';
import { buildModel, floatTensor, node, removeWrittenModels, writeModel } from '../onnx/buildOnnx.js';

const data = (name: string) => path.join(PROJECT_ROOT, 'test', 'data', 'models', name);
const X255 = { scale: 1 / 255, offset: 0 };

let tmp: string;
beforeAll(async () => {
  await selectBackend('cpu');
  tmp = mkdtempSync(path.join(os.tmpdir(), 'l2caf-user-models-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
  removeWrittenModels();
});

/** x [1, 3, H, W] -> 1x1 conv with identity weights ("feat" = the input) -> GAP -> flatten: 3 outputs. */
function identityModel(h: number, w: number, tail: 'none' | 'l2norm' = 'none'): string {
  const eye = [1, 0, 0, 0, 1, 0, 0, 0, 1];
  const nodes = [node('Conv', ['x', 'w'], ['feat']), node('GlobalAveragePool', ['feat'], ['g']), node('Flatten', ['g'], ['y'])];
  if (tail === 'l2norm') nodes.push(node('LpNormalization', ['y'], ['e'], { axis: { i: 1 }, p: { i: 2 } }));
  return writeModel(
    buildModel({ nodes, initializers: [floatTensor('w', [3, 3, 1, 1], eye)], inputs: [{ name: 'x', dims: [1, 3, h, w] }], outputs: [tail === 'l2norm' ? 'e' : 'y'] }),
    `identity-${h}x${w}-${tail}`,
  );
}

describe('a classifier without a labels file', () => {
  it('is a classifier named by index, and the warning offers --labels imagenet', async () => {
    const m = await openModel({ model: data('classifier-1000-nolabels'), ...X255 });
    expect(m.outputKind).toBe('logits');
    expect(m.labels).toBeNull();
    expect(m.assumptions.join('\n')).toMatch(/no labels for the model's 1000 outputs: taken as class scores and shown as class #N .*--labels imagenet/);
    m.dispose();
  });

  it('--output embedding makes it an embedding; an L2-normalised output is one without saying', async () => {
    const declared = await openModel({ model: data('classifier-1000-nolabels'), ...X255, output: 'embedding' });
    expect(declared.outputKind).toBe('embedding');
    declared.dispose();
    const normalised = await openModel({ model: identityModel(8, 8, 'l2norm'), ...X255 });
    expect(normalised.outputKind).toBe('embedding');
    expect(normalised.assumptions.join('\n')).toMatch(/the output "e" is L2-normalised: taken as an embedding/);
    normalised.dispose();
  });

  it('--labels FILE names the outputs; a list of the wrong length is ignored with a warning; a missing file is a one-line error', async () => {
    const txt = path.join(tmp, 'names.txt');
    writeFileSync(txt, Array.from({ length: 1000 }, (_, i) => `thing ${i}`).join('\n') + '\n');
    const m = await openModel({ model: data('classifier-1000-nolabels'), ...X255, labels: txt });
    expect(m.labels?.[532]).toBe('thing 532');
    expect(m.assumptions.join('\n')).not.toMatch(/no labels/);
    m.dispose();
    const short = path.join(tmp, 'short.json');
    writeFileSync(short, JSON.stringify(['a', 'b']));
    const s = await openModel({ model: data('classifier-1000-nolabels'), ...X255, labels: short });
    expect(s.labels).toBeNull();
    expect(s.assumptions.join('\n')).toMatch(/the label list has 2 names but the model has 1000 outputs: labels ignored/);
    s.dispose();
    const missing = path.join(tmp, 'nope.txt');
    await expect(openModel({ model: data('classifier-1000-nolabels'), labels: missing })).rejects.toThrow(`${missing}: cannot read the labels file (no such file)`);
  });

  it.skipIf(!haveFixture('labels/imagenet-ilsvrc2012.txt'))('--labels imagenet: the catalogue\'s ImageNet list, checked by sha256, with a warning', async () => {
    const cacheDir = path.join(tmp, 'cache');
    mkdirSync(path.join(cacheDir, 'labelsets', 'imagenet-ilsvrc2012'), { recursive: true });
    copyFileSync(fixture('labels/imagenet-ilsvrc2012.txt'), path.join(cacheDir, 'labelsets', 'imagenet-ilsvrc2012', 'labels.txt'));
    const got = await labelsFromFlag('imagenet', { cacheDir, mirror: null });
    expect(got.labels).toHaveLength(1000);
    expect(got.labels[0]).toBe('tench, Tinca tinca');
    expect(got.note).toMatch(/--labels imagenet: outputs named with the ImageNet ILSVRC-2012 class names .*right only if the model was trained on those classes/);
  });
  if (!haveFixture('labels/imagenet-ilsvrc2012.txt')) console.warn('[skip] --labels imagenet: ../shared/fixtures/labels/imagenet-ilsvrc2012.txt is missing');
});

describe('non-square and dynamic input sizes', () => {
  it('a fixed 224x320 input is kept; --input-size W,H that matches is accepted, another refused naming the file', async () => {
    const m = await openModel({ model: data('nonsquare-224x320'), ...X255 });
    expect(m.inputSize).toEqual([224, 320]);
    expect(m.split().layerShape).toEqual([28, 40, 16]);
    m.dispose();
    const same = await openModel({ model: data('nonsquare-224x320'), ...X255, inputSize: { width: 320, height: 224 } });
    expect(same.inputSize).toEqual([224, 320]);
    same.dispose();
    await expect(openModel({ model: data('nonsquare-224x320'), ...X255, inputSize: 224 })).rejects.toThrow(/nonsquare-224x320\/model\.onnx: the model takes 320x224 images, not 224x224 \(width x height/);
  });

  it('a dynamic H/W takes --input-size W,H, else the source\'s aspect ratio, else 224x224 (each said)', async () => {
    const given = await openModel({ model: data('dynamic-hw'), ...X255, inputSize: { width: 320, height: 160 } });
    expect(given.inputSize).toEqual([160, 320]);
    expect(given.split().layerShape).toEqual([20, 40, 16]);
    given.dispose();
    const fromSource = await openModel({ model: data('dynamic-hw'), ...X255, sourceSize: { width: 451, height: 300 } });
    expect(fromSource.inputSize).toEqual([192, 288]);
    expect(fromSource.assumptions.join('\n')).toMatch(/input size 288x192 \(width x height\) chosen from the source's aspect ratio/);
    fromSource.dispose();
    const none = await openModel({ model: data('dynamic-hw'), ...X255 });
    expect(none.inputSize).toEqual([224, 224]);
    expect(none.assumptions.join('\n')).toMatch(/input size 224x224 assumed/);
    none.dispose();
  });

  it('sizeForAspect: about 224 x 224 pixels, sides multiples of 32, a fixed side kept', () => {
    expect(sizeForAspect({ width: 100, height: 100 })).toEqual([224, 224]);
    expect(sizeForAspect({ width: 640, height: 360 })).toEqual([160, 288]);
    expect(sizeForAspect({ width: 300, height: 451 })).toEqual([288, 192]);
    expect(sizeForAspect({ width: 10000, height: 10 })).toEqual([32, 7072]);
    expect(sizeForAspect({ width: 640, height: 320 }, 224, null)).toEqual([224, 448]);
  });

  it('volume: slices fitted into an 8 x 12 (h x w) input come back on the slice grid (Grad-CAM of an identity model = the slice)', async () => {
    // a blob off-centre in a 20 x 10 x 4 volume: axis z gives 20 x 10 slices, wider than 12:8
    const dims: [number, number, number] = [20, 10, 4];
    const vox = new Float32Array(20 * 10 * 4);
    for (let k = 0; k < 4; k++) for (let j = 0; j < 10; j++) for (let i = 0; i < 20; i++) vox[i + 20 * (j + 10 * k)] = Math.exp(-((i - 14) ** 2 + (j - 3) ** 2) / 8);
    const volume: Volume = { dims, spacing: [1, 1, 1], affine: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], data: vox, datatype: 'float32', source: { path: 'blob.nii', format: 'nifti1' }, metadata: {} } as Volume;
    const model = await openModel({ model: identityModel(8, 12), ...X255 });
    try {
      expect(model.inputSize).toEqual([8, 12]);
      const r = await analyzeVolume({ volume, model, methods: ['gradcam'], classes: [0], axis: 'z' });
      const att = r.attention[0]!.data;
      expect(att.length).toBe(vox.length);
      expect(pearson(Array.from(att), Array.from(vox))).toBeGreaterThan(0.9);
    } finally {
      model.dispose();
    }
  });

  it.skipIf(!haveFixture('videos/person-bicycle-car-detection.gif'))('video: frames of a 480x270 clip through the fixed 224x320 model give 40 x 28 maps', async () => {
    const t = await analyzeVideo({
      file: fixture('videos/person-bicycle-car-detection.gif'),
      model: { model: data('nonsquare-224x320'), ...X255 },
      methods: ['gradcam'],
      classes: [],
      stride: 40,
      workers: 0,
      cacheDir: null,
    });
    expect(t.frames.length).toBeGreaterThan(0);
    for (const f of t.frames) expect([f.maps[0]!.width, f.maps[0]!.height]).toEqual([40, 28]);
    expect(t.frames[0]!.maps[0]!.target?.label).toMatch(/^class #\d$/);
  });
  if (!haveFixture('videos/person-bicycle-car-detection.gif')) console.warn('[skip] video test: ../shared/fixtures/videos/person-bicycle-car-detection.gif is missing');
});
