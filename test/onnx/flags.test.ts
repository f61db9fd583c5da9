// ONNX models opened with explicit flags: --mean/--std reach the tensor ONNX Runtime sees, and
// --ort-threads reaches every session's options (overriding L2CAF_ORT_THREADS).
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { useBackend } from '../attention/setup.js';
import { openModel } from '../../src/engine/openModel.js';
import { inputTensor } from '../../src/models/preprocess.js';
import { ortThreadCount, ORT_THREADS_ENV } from '../../src/models/onnx/ortSession.js';
import { buildModel, floatTensor, node, ortRun, removeWrittenModels, writeModel } from './buildOnnx.js';
import { mulberry32 } from '../../src/attention/rng.js';
import { fixture, haveFixture } from '../helpers/fixtures.js';

const IMAGENET = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

/** x -> 1x1 conv with identity weights ("feat", = the input) -> global average pool -> flatten. */
function identityModel(): string {
  const eye = [1, 0, 0, 0, 1, 0, 0, 0, 1];
  return writeModel(buildModel({
    nodes: [node('Conv', ['x', 'w'], ['feat']), node('GlobalAveragePool', ['feat'], ['g']), node('Flatten', ['g'], ['y'])],
    initializers: [floatTensor('w', [3, 3, 1, 1], eye)],
    outputs: ['y'],
  }), 'identity');
}

/** A uniform 8x8 image of one colour. */
const uniform = (r: number, g: number, b: number) => Uint8Array.from({ length: 8 * 8 * 3 }, (_, i) => [r, g, b][i % 3]!);

describe('ONNX models with --mean/--std', () => {
  let file: string;
  beforeAll(async () => {
    await useBackend();
    file = identityModel();
  });
  afterAll(removeWrittenModels);

  it('the backbone (in ONNX Runtime) sees (pixel/255 - mean) / std, and the logits follow', async () => {
    const before = tf.memory().numTensors;
    const model = await openModel({ model: file, ...IMAGENET, ortThreads: 1 });
    expect(model.preprocessing).toEqual({ scale: 1 / 255, offset: 0, channelOrder: 'rgb', ...IMAGENET });
    expect(model.assumptions.some((a) => a.includes('preprocessing'))).toBe(false);
    const split = model.split('feat');
    const x = inputTensor(uniform(51, 102, 204), 8, 8, model.preprocessing);
    const out = await split.runBackbone(x);
    x.dispose();
    const logits = tf.tidy(() => split.head(out).apply(out.features)); // callers tidy the head (its intermediates)
    // (0.2 - 0.485) / 0.229, (0.4 - 0.456) / 0.224, (0.8 - 0.406) / 0.225, worked out by hand
    const want = [-1.2445415, -0.25, 1.7511111];
    const feats = Array.from(await out.features.data());
    expect(out.features.shape).toEqual([1, 8, 8, 3]);
    feats.forEach((v, i) => expect(v).toBeCloseTo(want[i % 3]!, 5));
    Array.from(await logits.data()).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
    logits.dispose();
    out.features.dispose();
    for (const s of out.side) s.dispose();
    model.dispose(); // also the head's constants, made on first use
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses --mean with --scale before looking for the model', async () => {
    const missing = path.join(path.dirname(file), 'no-such-model.onnx');
    await expect(openModel({ model: missing, mean: [0.5, 0.5, 0.5], scale: 2 })).rejects.toThrow(/--mean\/--std cannot be combined with --scale\/--offset/);
    await expect(openModel({ model: missing, std: [0.5, 0, 0.5] })).rejects.toThrow('--std: value 2 must be greater than 0, got 0');
  });

  it.runIf(haveFixture('models/darknet-tiny-onnx'))('darknet-tiny-onnx with ImageNet mean/std: logits equal ONNX Runtime on the hand-normalised input', async () => {
    const dir = fixture('models/darknet-tiny-onnx');
    const model = await openModel({ model: dir, ...IMAGENET, ortThreads: 1 });
    const [h, w] = model.inputSize;
    const rand = mulberry32(7);
    const rgb = Uint8Array.from({ length: h * w * 3 }, () => Math.floor(rand() * 256));
    // the reference input, NCHW, normalised here without the project's preprocessing code
    const nchw = new Float32Array(3 * h * w);
    for (let c = 0; c < 3; c++) for (let p = 0; p < h * w; p++) nchw[c * h * w + p] = (rgb[p * 3 + c]! / 255 - IMAGENET.mean[c]!) / IMAGENET.std[c]!;
    const ref = await ortRun(new Uint8Array(readFileSync(path.join(dir, 'model.onnx'))), nchw, [1, 3, h, w], 'input');

    const split = model.split();
    const x = inputTensor(rgb, w, h, model.preprocessing);
    const out = await split.runBackbone(x);
    x.dispose();
    const logits = tf.tidy(() => split.head(out).apply(out.features)); // callers tidy the head (its intermediates)
    const got = await logits.data();
    logits.dispose();
    out.features.dispose();
    for (const s of out.side) s.dispose();
    split.dispose();
    model.dispose();
    const scale = Math.max(...Array.from(ref.data, Math.abs));
    let maxDiff = 0;
    for (let i = 0; i < got.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i]! - ref.data[i]!));
    expect(got.length).toBe(ref.data.length);
    expect(maxDiff / scale).toBeLessThan(1e-4);
    // and the flags mattered: x/255 alone gives other logits
    const plain = new Float32Array(nchw.length);
    for (let c = 0; c < 3; c++) for (let p = 0; p < h * w; p++) plain[c * h * w + p] = rgb[p * 3 + c]! / 255;
    const other = await ortRun(new Uint8Array(readFileSync(path.join(dir, 'model.onnx'))), plain, [1, 3, h, w], 'input');
    let otherDiff = 0;
    for (let i = 0; i < got.length; i++) otherDiff = Math.max(otherDiff, Math.abs(got[i]! - other.data[i]!));
    expect(otherDiff / scale).toBeGreaterThan(1e-2);
  });
});

describe('--ort-threads', () => {
  let file: string;
  const savedEnv = process.env[ORT_THREADS_ENV];
  beforeAll(async () => {
    await useBackend();
    file = identityModel();
  });
  afterEach(() => {
    vi.restoreAllMocks();
    if (savedEnv === undefined) delete process.env[ORT_THREADS_ENV];
    else process.env[ORT_THREADS_ENV] = savedEnv;
  });
  afterAll(removeWrittenModels);

  /** The options of every ONNX Runtime session created while opening the model and splitting it. */
  async function sessionOptionsSeen(flags: { ortThreads?: number }): Promise<ort.InferenceSession.SessionOptions[]> {
    const create = vi.spyOn(ort.InferenceSession, 'create');
    const model = await openModel({ model: file, inputSize: 8, scale: 1 / 255, ...flags });
    const split = model.split('feat');
    const x = inputTensor(uniform(1, 2, 3), 8, 8, model.preprocessing);
    const out = await split.runBackbone(x);
    x.dispose();
    out.features.dispose();
    for (const s of out.side) s.dispose();
    model.dispose();
    return create.mock.calls.map((c) => c[1] as ort.InferenceSession.SessionOptions);
  }

  it('sets intra-op threads on every session, over L2CAF_ORT_THREADS, with spinning off above 1', async () => {
    process.env[ORT_THREADS_ENV] = '2';
    const three = await sessionOptionsSeen({ ortThreads: 3 });
    expect(three.length).toBeGreaterThan(0);
    for (const o of three) {
      expect(o.intraOpNumThreads).toBe(3);
      expect(o.extra).toEqual({ session: { intra_op: { allow_spinning: '0' } } });
    }
    vi.restoreAllMocks();
    const one = await sessionOptionsSeen({ ortThreads: 1 });
    expect(one.length).toBeGreaterThan(0);
    for (const o of one) {
      expect(o.intraOpNumThreads).toBe(1);
      expect(o.extra).toEqual({});
    }
    vi.restoreAllMocks();
    // without the flag the env value applies
    for (const o of await sessionOptionsSeen({})) expect(o.intraOpNumThreads).toBe(2);
  });

  it('rejects values outside 1..64, naming the flag or the env variable', async () => {
    await expect(openModel({ model: file, ortThreads: 0 })).rejects.toThrow('--ort-threads must be an integer from 1 to 64, got 0');
    await expect(openModel({ model: file, ortThreads: 2.5 })).rejects.toThrow('--ort-threads must be an integer from 1 to 64, got 2.5');
    expect(() => ortThreadCount(65, {}, true)).toThrow('--ort-threads must be an integer from 1 to 64, got 65');
    expect(() => ortThreadCount(undefined, { [ORT_THREADS_ENV]: '100' }, true)).toThrow(`${ORT_THREADS_ENV} must be an integer from 1 to 64, got 100`);
  });
});
