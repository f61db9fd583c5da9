// Numbers that are not numbers, and pictures that are not whole (issue 18, items 7 and 8): a NaN
// weight fails the run naming the model and the weight; an overflow in the features fails naming
// the layer; a truncated JPEG is analysed with the decoder's complaint as a warning.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
// the backends, registered by the engine's module, which also silences the cpu backend's tfjs-node banner
import '../../src/engine/backend.js';
import { PNG } from 'pngjs';
import { PROJECT_ROOT, FIXTURES, fixture, haveFixture } from '../helpers/fixtures.js';
import { saveLayersModel } from '../helpers/saveModel.js';
import { gapDenseSoftmax } from '../models/tinyModels.js';
import { firstNonFinite, nonFiniteProblem } from '../../src/models/nonFinite.js';
import { readGraph } from '../../src/models/onnx/onnxGraph.js';
import { onnx } from '../../src/models/onnx/onnxProto.js';

const BIN = path.join(PROJECT_ROOT, 'bin', 'l2caf.js');
const built = existsSync(path.join(PROJECT_ROOT, 'dist', 'cli', 'main.js'));

function l2caf(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, L2CAF_MODEL_MIRROR: path.join(FIXTURES, 'models'), L2CAF_OFFLINE: '1' },
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let tmp: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tmp = mkdtempSync(path.join(os.tmpdir(), 'l2caf-datachecks-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('non-finite numbers', () => {
  it('finds the first NaN or Infinity', () => {
    expect(firstNonFinite([1, 2, 3])).toBe(-1);
    expect(firstNonFinite(new Float32Array([0, Infinity, NaN]))).toBe(1);
    expect(nonFiniteProblem('m', 'the logits', [0, NaN])).toBe('m: the logits holds NaN (element 1 of 2): the weights are damaged or do not suit this input');
  });

  it('an ONNX initializer with NaN is refused while reading the graph, naming it', () => {
    const m = onnx.ModelProto.create({
      irVersion: 7,
      opsetImport: [{ domain: '', version: 13 }],
      graph: {
        name: 'g',
        input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 1 }, { dimValue: 3 }, { dimValue: 4 }, { dimValue: 4 }] } } } }],
        output: [{ name: 'y', type: { tensorType: { elemType: 1 } } }],
        initializer: [{ name: 'w', dims: [2], dataType: 1, floatData: [1, NaN] }],
        node: [{ opType: 'Identity', input: ['x'], output: ['y'] }],
      },
    });
    const bytes = onnx.ModelProto.encode(m).finish();
    expect(() => readGraph(bytes, 'bad.onnx')).toThrow('bad.onnx: initializer "w" holds NaN (element 1 of 2)');
  });

  it.skipIf(!built || !haveFixture('models/darknet-tiny') || !haveFixture('images/chelsea.png'))('a weight shard of NaNs fails `l2caf image` (exit 1) naming the model and the weight', () => {
    const dir = path.join(tmp, 'nan-model');
    cpSync(fixture('models/darknet-tiny'), dir, { recursive: true });
    for (const f of readdirSync(dir)) chmodSync(path.join(dir, f), 0o644);
    const json = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8')) as { weightsManifest: { paths: string[]; weights: { name: string }[] }[] };
    const group = json.weightsManifest.find((g) => g.paths[0] === 'group17-shard1of1')!;
    const shard = path.join(dir, 'group17-shard1of1');
    writeFileSync(shard, Buffer.from(new Float32Array(readFileSync(shard).length / 4).fill(NaN).buffer));
    const r = l2caf(['image', fixture('images/chelsea.png'), '--model', dir]);
    expect(r.stderr.trim()).toBe(`l2caf: ${path.join(dir, 'model.json')}: weight "${group.weights[0]!.name}" holds NaN (element 0 of ${readFileSync(shard).length / 4}): the weights are damaged or do not suit this input`);
    expect(r.code).toBe(1);
  });

  it.skipIf(!built)('features that overflow fail naming the layer', async () => {
    const model = gapDenseSoftmax(3, 16);
    // finite but enormous weights: the features overflow float32 to Infinity
    model.setWeights(model.getWeights().map((w) => tf.fill(w.shape, 3e37)));
    const dir = await saveLayersModel(model, path.join(tmp, 'huge'));
    const png = new PNG({ width: 16, height: 16 });
    png.data.fill(200);
    const img = path.join(tmp, 'grey.png');
    writeFileSync(img, PNG.sync.write(png));
    const r = l2caf(['image', img, '--model', dir, '--input-size', '16', '--scale', '1', '--offset', '0', '--layer', 'c2']);
    expect(r.stderr).toMatch(/holds (Infinity|-Infinity|NaN) \(element \d+ of \d+\)/);
    expect(r.stderr).toMatch(/the features of layer c2|the outputs of the head after c2/);
    expect(r.code).toBe(1);
  });
});

describe.skipIf(!built || !haveFixture('models/darknet-tiny') || !haveFixture('images/apple.jpg'))('a truncated JPEG', () => {
  it('is analysed with the decoder\'s report as a warning on the console and in the JSON', () => {
    const whole = readFileSync(fixture('images/apple.jpg'));
    const cut = path.join(tmp, 'cut.jpg');
    writeFileSync(cut, whole.subarray(0, Math.floor(whole.length * 0.6)));
    const out = path.join(tmp, 'cut.json');
    const r = l2caf(['image', cut, '--json', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^l2caf: warning: .*cut\.jpg: the decoder reported: /m);
    const j = JSON.parse(readFileSync(out, 'utf8')) as { warnings: string[] };
    expect(j.warnings.length).toBeGreaterThan(0);
    expect(j.warnings[0]).toMatch(/^the decoder reported: /);
    // a whole picture has none
    const clean = path.join(tmp, 'clean.json');
    expect(l2caf(['image', fixture('images/apple.jpg'), '--json', clean]).code).toBe(0);
    expect(JSON.parse(readFileSync(clean, 'utf8')).warnings).toEqual([]);
  });
});
