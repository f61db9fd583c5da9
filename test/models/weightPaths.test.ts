// A local model.json cannot make the loader read files outside its folder (issue 18, item 4):
// manifest paths that climb out (plain or URL-encoded), absolute ones, and shards symlinked out
// are refused with a one-line error naming the model.json; the downloader's rule refuses them too.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
// the backends, registered by the engine's module, which also silences the cpu backend's tfjs-node banner
import '../../src/engine/backend.js';
import { fileHandler } from '../../src/models/fileHandler.js';
import { manifestWeightPaths } from '../../src/models/catalogue.js';
import { insideRelative } from '../../src/models/weightPaths.js';
import { saveLayersModel } from '../helpers/saveModel.js';
import { gapDenseSoftmax } from './tinyModels.js';

let dir: string;
let model: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = mkdtempSync(path.join(os.tmpdir(), 'l2caf-weights-'));
  model = await saveLayersModel(gapDenseSoftmax(), path.join(dir, 'a', 'b', 'model'));
  // what an attacker wants read: a file outside the folder, as long as the weights
  const weights = readFileSync(path.join(model, 'weights.bin'));
  writeFileSync(path.join(dir, 'secret.bin'), weights);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function withPaths(paths: string[]): string {
  const variant = path.join(dir, `m-${Math.random().toString(36).slice(2)}`);
  mkdirSync(variant);
  const json = JSON.parse(readFileSync(path.join(model, 'model.json'), 'utf8'));
  json.weightsManifest[0].paths = paths;
  writeFileSync(path.join(variant, 'model.json'), JSON.stringify(json));
  return variant;
}

describe('weight-manifest paths', () => {
  it('loads a model whose shards are inside its folder', async () => {
    const a = await fileHandler(path.join(model, 'model.json')).load!();
    expect((a.weightData as ArrayBuffer).byteLength).toBeGreaterThan(0);
  });

  for (const p of ['../secret.bin', '..%2Fsecret.bin', `${'/'}${'etc/passwd'}`, 'sub/../../secret.bin']) {
    it(`refuses ${p}`, async () => {
      const m = withPaths([p]);
      await expect(fileHandler(path.join(m, 'model.json')).load!()).rejects.toThrow(`${path.join(m, 'model.json')}: weight path ${JSON.stringify(p)} leaves the model folder`);
    });
  }

  it('refuses a shard symlinked out of the folder', async () => {
    const m = withPaths(['weights.bin']);
    symlinkSync(path.join(dir, 'secret.bin'), path.join(m, 'weights.bin'));
    await expect(fileHandler(path.join(m, 'model.json')).load!()).rejects.toThrow(/leaves the model folder/);
    // a copy inside is fine
    const ok = withPaths(['weights.bin']);
    copyFileSync(path.join(dir, 'secret.bin'), path.join(ok, 'weights.bin'));
    await expect(fileHandler(path.join(ok, 'model.json')).load!()).resolves.toBeTruthy();
  });

  it('the downloader refuses the same names', () => {
    for (const p of ['../secret.bin', '..%2Fsecret.bin', '/etc/passwd']) {
      expect(() => manifestWeightPaths({ weightsManifest: [{ paths: [p] }] })).toThrow(/unsafe weight path/);
    }
    expect(insideRelative('group1%20shard.bin')).toBe('group1 shard.bin');
    expect(insideRelative('%E0%A4%A')).toBeNull();
  });
});
