// The metrics on darknet-tiny with ground truth made from the fixtures: a cat | butterfly composite
// (each half's box known by construction) and a clip in which the cat moves along a known path.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { selectBackend } from '../../src/engine/backend.js';
import { openModel } from '../../src/engine/openModel.js';
import { defaultSolveOptions } from '../../src/attention/index.js';
import { ffmpegBinary } from '../../src/media/ffmpegPath.js';
import { decodeImage } from '../../src/media/decodeImage.js';
import { inputTensor } from '../../src/models/preprocess.js';
import type { LoadedModel } from '../../src/models/loadModel.js';
import type { SplitModel } from '../../src/models/split.js';
import { evaluateDecoded, evaluateImageFile, type EvalImageOptions } from '../../src/eval/evaluateImage.js';
import { evaluateImages } from '../../src/eval/evaluateImages.js';
import { evaluateClip } from '../../src/eval/evaluateClip.js';
import { DEFAULT_METRIC_OPTIONS } from '../../src/eval/evaluateMap.js';
import { parseBoxesJson } from '../../src/eval/readBoxesJson.js';
import { parseTrackCsv } from '../../src/eval/readTrack.js';
import { splitForward } from '../../src/eval/forward.js';
import { deletionInsertion } from '../../src/eval/curves.js';
import { prepareEvalInput } from '../../src/eval/prepareInput.js';
import { makeScorer } from '../../src/eval/targetScore.js';
import { evalCommand } from '../../src/cli/evalCommand.js';
import { fixture, haveFixture, FIXTURES } from '../helpers/fixtures.js';

const ok = haveFixture('models/darknet-tiny') && haveFixture('images/chelsea.png') && haveFixture('images/butterfly.jpg');

const CAT_FLY_BOXES = {
  'cat-fly.png': [
    { x: 0, y: 0, width: 224, height: 224, label: 'Egyptian cat' },
    { x: 224, y: 0, width: 224, height: 224, label: 'monarch' },
  ],
};

describe.skipIf(!ok)('evaluation on darknet-tiny', () => {
  let model: LoadedModel;
  let split: SplitModel;
  let tmp: string;
  let composite: string;
  const ff = () => ffmpegBinary().path;
  const base = (): Omit<EvalImageOptions, 'boxes'> => ({
    methods: ['l2caf-class', 'gradcam', 'l2caf'],
    classes: [],
    solve: defaultSolveOptions('paper'),
    metrics: { ...DEFAULT_METRIC_OPTIONS, steps: 8 },
    baseline: 'blur',
  });

  beforeAll(async () => {
    process.env.L2CAF_MODEL_MIRROR = path.join(FIXTURES, 'models');
    await selectBackend();
    model = await openModel({ model: 'darknet-tiny' });
    split = model.split();
    tmp = mkdtempSync(path.join(os.tmpdir(), 'l2caf-eval-'));
    composite = path.join(tmp, 'cat-fly.png');
    execFileSync(ff(), [
      '-v', 'error', '-i', fixture('images/chelsea.png'), '-i', fixture('images/butterfly.jpg'),
      '-filter_complex', '[0:v]scale=224:224[a];[1:v]scale=224:224[b];[a][b]hstack=inputs=2', '-frames:v', '1', '-y', composite,
    ]);
  });
  afterAll(() => {
    model?.dispose();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('class-specific maps point into their own half; swapped labels make them miss', async () => {
    const boxes = parseBoxesJson(JSON.stringify(CAT_FLY_BOXES), path.join(tmp, 'boxes.json')).lookup(composite)!;
    const rows = await evaluateImageFile(model, split, composite, { ...base(), metrics: { ...base().metrics, curves: false }, boxes });
    // two targets (from the labels) x (two class-specific methods + class-oblivious L2-CAF)
    expect(rows).toHaveLength(6);
    for (const r of rows.filter((r) => r.method !== 'l2caf')) {
      console.log(`${r.method} ${r.target!.label}: hit ${r.metrics.pointingHit}, mass ${r.metrics.relevanceMass!.toFixed(2)}, IoU ${r.metrics.iou!.toFixed(2)}, drop ${r.metrics.drop!.toFixed(2)}`);
      expect(r.metrics.pointingHit).toBe(true);
      expect(r.metrics.relevanceMass!).toBeGreaterThan(0.6);
    }
    const swapped = boxes.map((b) => ({ ...b, label: b.label === 'monarch' ? 'Egyptian cat' : 'monarch' }));
    const wrong = await evaluateImageFile(model, split, composite, { ...base(), metrics: { ...base().metrics, curves: false }, boxes: swapped });
    for (const r of wrong.filter((r) => r.method !== 'l2caf')) {
      expect(r.metrics.pointingHit).toBe(false);
      expect(r.metrics.relevanceMass!).toBeLessThan(0.4);
    }
  });

  it('deletion falls faster along the map than along its inverse; batched equals one by one', async () => {
    const [h, w] = model.inputSize;
    const img = await decodeImage(fixture('images/chelsea.png'), { width: w, height: h });
    const x = inputTensor(img.data, w, h, model.preprocessing);
    const forward = splitForward(split);
    const [out] = await forward(x as tf.Tensor4D);
    x.dispose();
    const input = prepareEvalInput(img.data, w, h, model.preprocessing, 'logits', out!, 'blur');
    const target = out!.indexOf(Math.max(...out!));
    const withMap = await evaluateDecoded(model, split, 'chelsea', { rgb: img.data, width: w, height: h, sourceWidth: w, sourceHeight: h }, { ...base(), methods: ['gradcam'], boxes: null, keepMaps: true });
    const map = withMap[0]!.map!;
    const inverse = { ...map, values: map.values.map((v) => 1 - v) };
    const score = makeScorer('logits', target, out!);
    const along = await deletionInsertion(forward, input, map, score, { steps: 8, batchSize: 9 });
    const against = await deletionInsertion(forward, input, inverse, score, { steps: 8, batchSize: 9 });
    console.log(`chelsea Grad-CAM: deletion AUC ${along.deletionAuc.toFixed(3)} (inverse map ${against.deletionAuc.toFixed(3)}), insertion ${along.insertionAuc.toFixed(3)} (inverse ${against.insertionAuc.toFixed(3)})`);
    expect(along.deletion[0]).toBeCloseTo(score(out!), 4);
    expect(along.deletionAuc).toBeLessThan(against.deletionAuc);
    expect(along.insertionAuc).toBeGreaterThan(against.insertionAuc);
    const single = await deletionInsertion(forward, input, map, score, { steps: 8, batchSize: 1 });
    for (let i = 0; i < single.deletion.length; i++) {
      expect(single.deletion[i]!).toBeCloseTo(along.deletion[i]!, 4);
      expect(single.insertion[i]!).toBeCloseTo(along.insertion[i]!, 4);
    }
  });

  it('tensor count is flat over repeated evaluations', async () => {
    const o = { ...base(), methods: ['l2caf', 'gradcam', 'cam'] as const, metrics: { ...base().metrics, steps: 3 }, boxes: null };
    await evaluateImageFile(model, split, composite, { ...o, methods: [...o.methods] });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await evaluateImageFile(model, split, composite, { ...o, methods: [...o.methods] });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('evaluateImages summarises per method with intervals', async () => {
    const table = parseBoxesJson(JSON.stringify(CAT_FLY_BOXES), path.join(tmp, 'boxes.json'));
    const report = await evaluateImages(model, split, [composite, fixture('images/chelsea.png')], { ...base(), metrics: { ...base().metrics, steps: 4 }, boxes: table });
    expect(report.imagesWithoutBoxes).toEqual([fixture('images/chelsea.png')]);
    const grad = report.summary.find((s) => s.method === 'gradcam')!;
    // composite: 2 targets; chelsea: its top-1
    expect(grad.n).toBe(3);
    expect(grad.pointing.n).toBe(2);
    expect(grad.pointing.mean).toBe(1);
    expect(grad.deletionAuc.n).toBe(3);
    expect(grad.deletionAuc.low!).toBeLessThanOrEqual(grad.deletionAuc.mean);
  });

  it('l2caf eval writes JSON and CSV; errors name the file', async () => {
    const boxesFile = path.join(tmp, 'boxes.json');
    writeFileSync(boxesFile, JSON.stringify(CAT_FLY_BOXES));
    const json = path.join(tmp, 'eval.json');
    const csv = path.join(tmp, 'eval.csv');
    const out: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((s: string) => (out.push(String(s)), true)) as typeof process.stdout.write;
    try {
      await evalCommand().exitOverride().parseAsync([composite, '--boxes', boxesFile, '--method', 'gradcam', '--no-curves', '--json', json, '--csv', csv], { from: 'user' });
    } finally {
      process.stdout.write = write;
    }
    expect(out.join('')).toMatch(/Grad-CAM \(2 maps\)[\s\S]*pointing game % \(higher better\)\s+100\.0/);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report.rows).toHaveLength(2);
    expect(readFileSync(csv, 'utf8').trim().split('\n')).toHaveLength(3);
    const bad = path.join(tmp, 'bad.json');
    writeFileSync(bad, JSON.stringify({ 'cat-fly.png': [{ x: 0, y: 0, width: 10, height: 10, label: 'no such thing' }] }));
    await expect(evalCommand().exitOverride().parseAsync([composite, '--boxes', bad, '--no-curves'], { from: 'user' })).rejects.toThrow(/bad\.json: box of .*cat-fly\.png labelled "no such thing"/);
  });

  it('eval-video: the cat moving along a known path is pointed at and boxed on every frame', async () => {
    // 448x336 grey, the cat (180x120) moving from (20, 30) by (100, 60) px per second, 5 fps, 2 s.
    const clip = path.join(tmp, 'moving-cat.mkv');
    execFileSync(ff(), [
      '-v', 'error', '-f', 'lavfi', '-i', 'color=c=0x808080:s=448x336:r=5:d=2', '-loop', '1', '-i', fixture('images/chelsea.png'),
      '-filter_complex', "[1:v]scale=180:120[c];[0:v][c]overlay=x='20+100*t':y='30+60*t':eval=frame:shortest=1",
      '-c:v', 'ffv1', '-y', clip,
    ]);
    const rowsFor = (dx: number, dy: number) =>
      ['frame,x,y,width,height,label', ...Array.from({ length: 10 }, (_, i) => `${i},${20 + 20 * i + dx},${30 + 12 * i + dy},180,120,Egyptian cat`)].join('\n');
    const o = { ...base(), methods: ['gradcam' as const, 'l2caf-class' as const], metrics: { ...DEFAULT_METRIC_OPTIONS, curves: false } };
    const before = tf.memory().numTensors;
    const truth = await evaluateClip(model, split, clip, { ...o, track: parseTrackCsv(rowsFor(0, 0), 'track.csv') });
    expect(truth.frames.map((f) => f.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const s of truth.summary) {
      console.log(`${s.method}: pointing ${s.pointing.mean}, IoU ${s.iou.mean.toFixed(3)} [${s.iou.low!.toFixed(3)}, ${s.iou.high!.toFixed(3)}], drop ${s.drop.mean.toFixed(3)}`);
      expect(s.pointing.n).toBe(10);
      expect(s.pointing.mean).toBeGreaterThanOrEqual(0.9);
      expect(s.iou.mean).toBeGreaterThan(0.6);
    }
    expect(truth.frames[1]!.maps.every((m) => m.flicker !== null && m.flicker >= 0)).toBe(true);
    // The same clip against a track in the wrong place (the bottom-right, where the cat never is
    // at those times): the metrics must say so.
    const wrong = await evaluateClip(model, split, clip, { ...o, metrics: { ...o.metrics, confidence: false }, track: parseTrackCsv(
      ['frame,x,y,width,height', ...Array.from({ length: 10 }, (_, i) => `${i},${268 - 20 * i},${206 - 12 * i},180,120`)].join('\n'), 'track.csv') });
    for (const s of wrong.summary) {
      expect(s.pointing.mean).toBeLessThanOrEqual(0.3);
      expect(s.iou.mean).toBeLessThan(0.4);
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
