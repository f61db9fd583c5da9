// Loading, layer listing, default layer, backbone/head split and head classification on models
// built here and saved the way TF.js exports them.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { selectBackend } from '../../src/engine/backend.js';
import { loadModel } from '../../src/models/loadModel.js';
import { saveLayersModel } from '../helpers/saveModel.js';
import { conv3dNet, embeddingNet, flattenDenseSoftmax, gapDenseSoftmax, nonlinearHead, residualHead } from './tinyModels.js';

let tmp: string;
beforeAll(async () => {
  await selectBackend();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'l2caf-models-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The split model's head output on the backbone's features equals the model (before any softmax). */
async function checkSplitMatches(model: tfl.LayersModel, name: string, layer?: string, softmax = false, outputKind: 'logits' | 'embedding' | null = null) {
  const dir = await saveLayersModel(model, path.join(tmp, name));
  const m = await loadModel({ id: name, location: dir, preprocessing: { scale: 1 / 255, offset: 0, channelOrder: 'rgb' }, outputKind });
  const split = m.split(layer);
  const shape = model.inputs[0]!.shape.slice(1) as number[];
  const x = tf.randomUniform([1, ...shape]);
  const bb = await split.runBackbone(x);
  const head = split.head(bb);
  const out = head.apply(bb.features);
  const ref = model.predict(x) as tf.Tensor;
  const cmp = softmax ? tf.softmax(out) : out;
  const err = tf.max(tf.abs(tf.sub(cmp, ref))).dataSync()[0]!;
  expect(err).toBeLessThan(1e-4);
  expect(split.softmaxRemoved).toBe(softmax);
  tf.dispose([x, out, ref, cmp, bb.features, ...bb.side]);
  return { m, split, head };
}

describe('tiny TF.js models', () => {
  it('GAP + Dense + Softmax layer: default layer, softmax removed, gap-affine head, J reproduces logits', async () => {
    const { m, split, head } = await checkSplitMatches(gapDenseSoftmax(), 'gap', undefined, true);
    expect(m.defaultLayer).toBe('bn');
    expect(m.layers.find((l) => l.name === 'gap')?.spatial).toBe(false);
    expect(split.layerShape).toEqual([16, 16, 6]);
    expect(head.linearity).toBe('gap-affine');
    const x = tf.randomUniform([1, 32, 32, 3]);
    const bb = await split.runBackbone(x);
    const f = tf.randomUniform([16 * 16]);
    const { J, c } = head.affine!(bb.features);
    const viaJ = tf.add(tf.squeeze(tf.matMul(J, tf.reshape(f, [-1, 1]))), c);
    const direct = tf.squeeze(head.apply(tf.mul(bb.features, tf.reshape(f, [1, 16, 16, 1]))));
    expect(tf.max(tf.abs(tf.sub(viaJ, direct))).dataSync()[0]).toBeLessThan(1e-4);
    tf.dispose([x, bb.features, f, J, c, viaJ, direct]);
    m.dispose();
  });

  it('choosing an earlier layer gives a nonlinear head; a layer without spatial extent is refused', async () => {
    const dir = await saveLayersModel(gapDenseSoftmax(), path.join(tmp, 'gap2'));
    const m = await loadModel({ id: 'gap2', location: dir });
    // after c1 come max pooling and a 3x3 conv with ReLU
    expect(m.split('c1').head({ features: tf.zeros([1, 32, 32, 8]), side: [] }).linearity).toBe('nonlinear');
    // c2's ReLU is inside c2, before the filter: what follows is 1x1 conv, BN, GAP, Dense
    expect(m.split('c2').head({ features: tf.zeros([1, 16, 16, 12]), side: [] }).linearity).toBe('gap-affine');
    expect(() => m.split('gap')).toThrow(/without spatial extent/);
    expect(() => m.split('nope')).toThrow(/no layer named "nope"/);
    m.dispose();
  });

  it('Flatten + Dense(softmax): affine (not gap) head, softmax activation removed', async () => {
    const { head, m } = await checkSplitMatches(flattenDenseSoftmax(), 'flat', 'c1', true);
    expect(head.linearity).toBe('affine');
    const feats = tf.randomUniform([1, 8, 8, 4]);
    const { J, c } = head.affine!(feats);
    expect(J.shape).toEqual([4, 64]);
    const f = tf.randomNormal([64]);
    const viaJ = tf.add(tf.squeeze(tf.matMul(J, tf.reshape(f, [-1, 1]))), c);
    const direct = tf.squeeze(head.apply(tf.mul(feats, tf.reshape(f, [1, 8, 8, 1]))));
    expect(tf.max(tf.abs(tf.sub(viaJ, direct))).dataSync()[0]).toBeLessThan(1e-4);
    tf.dispose([feats, J, c, f, viaJ, direct]);
    m.dispose();
  });

  it('conv + LeakyReLU after the chosen layer: nonlinear head', async () => {
    const { head, m } = await checkSplitMatches(nonlinearHead(), 'nl', 'c1');
    expect(head.linearity).toBe('nonlinear');
    expect(head.affine).toBeUndefined();
    m.dispose();
  });

  it('residual connection: the head reads a side tensor from the backbone', async () => {
    const { head, m } = await checkSplitMatches(residualHead(), 'res', 'b');
    // Add of the filtered features and a constant side input stays affine, but not a plain gap chain
    expect(head.linearity).toBe('affine');
    m.dispose();
  });

  it('a Dense output without labels is taken for class scores (as pytorch-grad-cam does), with a warning', async () => {
    const { m, head } = await checkSplitMatches(embeddingNet(), 'emb');
    expect(m.outputKind).toBe('logits');
    expect(m.assumptions.join('\n')).toMatch(/no labels for the model's 8 outputs: taken as class scores and shown as class #N/);
    expect(head.numOutputs).toBe(8);
    m.dispose();
  });

  it('an embedding is what the user declares (--output embedding)', async () => {
    const { m, head } = await checkSplitMatches(embeddingNet(), 'emb-declared', undefined, false, 'embedding');
    expect(m.outputKind).toBe('embedding');
    expect(m.assumptions.join('\n')).not.toMatch(/class scores/);
    expect(head.numOutputs).toBe(8);
    m.dispose();
  });

  it('3-D conv: the filter is d x h x w', async () => {
    const { head, split, m } = await checkSplitMatches(conv3dNet(), 'c3d');
    expect(split.layerShape).toEqual([4, 8, 8, 4]);
    expect(head.filterShape).toEqual([4, 8, 8]);
    expect(head.linearity).toBe('affine');
    m.dispose();
  });

  it('bad model folders give one-line errors naming the file', async () => {
    const empty = path.join(tmp, 'empty');
    (await import('node:fs')).mkdirSync(empty);
    await expect(loadModel({ id: 'x', location: empty })).rejects.toThrow(/no model.json in this folder/);
    const dir = await saveLayersModel(gapDenseSoftmax(), path.join(tmp, 'trunc'));
    const fs = await import('node:fs');
    const w = path.join(dir, 'weights.bin');
    fs.truncateSync(w, fs.statSync(w).size - 100);
    await expect(loadModel({ id: 'x', location: dir })).rejects.toThrow(/weights.bin: weight shard truncated/);
    fs.writeFileSync(path.join(dir, 'model.json'), '{"modelTopology": ');
    await expect(loadModel({ id: 'x', location: dir })).rejects.toThrow(/model.json: not valid JSON/);
  });
});
