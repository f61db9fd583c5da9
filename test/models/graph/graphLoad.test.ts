// Loading graph models: a TF-slim style ending (batch norm, per-channel scale and shift, AvgPool
// over the whole map, 1x1 conv, Squeeze), labels and input size from the spec, and clear errors
// for broken model folders.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfc from '@tensorflow/tfjs-converter';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { selectBackend } from '../../../src/engine/backend.js';
import { fileHandler } from '../../../src/models/fileHandler.js';
import { convClassifier, slimHead, swishNet } from './tinyGraphs.js';
import { loadBuiltIn } from './loadBuilt.js';

let tmp: string;
beforeAll(async () => {
  await selectBackend();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'l2caf-graph-load-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('TF-slim style ending', () => {
  it('default layer, gap-affine head through batch norm and AvgPool, matches the graph', async () => {
    const { m, file } = await loadBuiltIn(tmp, slimHead(), 'slim');
    expect(m.layers.map((l) => l.name)).toEqual(['shifted', 'pool', 'logits4d']);
    expect(m.defaultLayer).toBe('shifted');
    for (const layer of ['shifted', 'conv']) {
      const split = m.split(layer);
      expect(split.softmaxRemoved).toBe(true);
      const x = tf.randomUniform([3, 8, 8, 3], -1, 1, 'float32', 2);
      const bb = await split.runBackbone(x);
      const head = split.head(bb);
      expect(head.linearity).toBe('gap-affine');
      const model = await tfc.loadGraphModel(fileHandler(file));
      const ref = model.execute(x) as tf.Tensor;
      const probs = tf.tidy(() => tf.softmax(head.apply(bb.features)));
      expect(tf.tidy(() => tf.max(tf.abs(tf.sub(probs, ref))).dataSync()[0])).toBeLessThan(1e-5);
      // J from 1x1 maps (the AvgPool must act as a mean there) reproduces the filtered head
      const one = tf.slice(bb.features, [0, 0, 0, 0], [1, 4, 4, 16]);
      const { J, c } = head.affine!(one);
      const f = tf.randomNormal([16], 0, 1, 'float32', 3);
      const viaJ = tf.add(tf.squeeze(tf.matMul(J, tf.reshape(f, [-1, 1]))), c);
      const direct = tf.tidy(() => tf.squeeze(head.apply(tf.mul(one, tf.reshape(f, [1, 4, 4, 1])))));
      expect(tf.tidy(() => tf.max(tf.abs(tf.sub(viaJ, direct))).dataSync()[0])).toBeLessThan(1e-4);
      tf.dispose([x, bb.features, ...bb.side, ref, probs, one, J, c, f, viaJ, direct]);
      model.dispose();
    }
    m.dispose();
  });
});

describe('swish', () => {
  it('is listed as one layer (not its input or its gate); before it the head is nonlinear, after it gap-affine', async () => {
    const { m, file } = await loadBuiltIn(tmp, swishNet(), 'swish');
    expect(m.layers.map((l) => l.name)).toEqual(['swish']);
    const model = await tfc.loadGraphModel(fileHandler(file));
    for (const [layer, linearity] of [
      ['swish', 'gap-affine'],
      ['b', 'nonlinear'],
    ]) {
      const split = m.split(layer);
      const x = tf.randomUniform([1, 6, 6, 3], -1, 1, 'float32', 5);
      const bb = await split.runBackbone(x);
      const head = split.head(bb);
      expect(head.linearity).toBe(linearity);
      const ref = model.execute(x) as tf.Tensor;
      const out = tf.tidy(() => head.apply(bb.features));
      expect(tf.tidy(() => tf.max(tf.abs(tf.sub(out, ref))).dataSync()[0])).toBeLessThan(1e-5);
      tf.dispose([x, bb.features, ...bb.side, ref, out]);
    }
    model.dispose();
    m.dispose();
  });
});

describe('spec and files', () => {
  it('takes labels.json beside the model, and the input size from the spec when the model has none fixed', async () => {
    const g = convClassifier('Mean', [-1, -1, -1, 3]);
    const dir = path.join(tmp, 'labelled');
    g.save(dir);
    writeFileSync(path.join(dir, 'labels.json'), JSON.stringify(['a', 'b', 'c', 'd', 'e']));
    const { m } = await loadBuiltIn(tmp, g, 'labelled', { inputSize: [16, 16] });
    expect(m.labels).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(m.inputSize).toEqual([16, 16]);
    expect(m.layers.find((l) => l.name === 'b5')?.shape).toEqual([8, 8, 10]);
    // no preprocessing given: the assumption is reported
    expect(m.assumptions.join(' ')).toMatch(/preprocessing x\/255 assumed/);
    m.dispose();
  });

  it('without a size in the model or the spec, 224x224 is assumed and said; a size that contradicts the model is refused', async () => {
    const { m } = await loadBuiltIn(tmp, convClassifier('Mean', [-1, -1, -1, 3]), 'anysize');
    expect(m.inputSize).toEqual([224, 224]);
    expect(m.assumptions.join(' ')).toMatch(/input size 224x224 assumed/);
    m.dispose();
    await expect(loadBuiltIn(tmp, convClassifier(), 'fixedsize', { inputSize: [16, 16] })).rejects.toThrow(/takes 12x12 images, not 16x16/);
  });

  it('a given default layer is used when the graph has it, else the computed one with a warning', async () => {
    const a = await loadBuiltIn(tmp, convClassifier(), 'def-ok', { defaultLayer: 'f4' });
    expect(a.m.defaultLayer).toBe('f4');
    expect(a.m.split().layer).toBe('f4');
    a.m.dispose();
    const b = await loadBuiltIn(tmp, convClassifier(), 'def-missing', { defaultLayer: 'Conv_1/Relu6' });
    expect(b.m.defaultLayer).toBe('b5');
    expect(b.m.assumptions.join(' ')).toMatch(/default layer "Conv_1\/Relu6" is not in the graph: using "b5"/);
    b.m.dispose();
  });

  it('a label list of the wrong length is ignored with a warning', async () => {
    const g = convClassifier();
    const dir = path.join(tmp, 'badlabels');
    g.save(dir);
    writeFileSync(path.join(dir, 'labels.txt'), 'a\nb\n');
    const { m } = await loadBuiltIn(tmp, g, 'badlabels');
    expect(m.labels).toBeNull();
    expect(m.assumptions.join(' ')).toMatch(/2 names but the model has 5 outputs/);
    m.dispose();
  });

  it('an unused constant is not an output; two outputs that depend on the image are refused', async () => {
    const g = convClassifier();
    g.random('unused', [2], 1);
    const { m } = await loadBuiltIn(tmp, g, 'dangling');
    expect(m.defaultLayer).toBe('b5');
    m.dispose();
    g.op('extra', 'Relu', ['b5']);
    await expect(loadBuiltIn(tmp, g, 'two-outputs')).rejects.toThrow(/the model has 2 outputs \((output, extra|extra, output)\); one expected/);
  });

  it('a SavedModel-style signature (inputs and outputs by key) is resolved to the graph tensors', async () => {
    const g = convClassifier();
    const dir = path.join(tmp, 'signature');
    const file = g.save(dir, { inputs: { image: 'x:0' }, outputs: { scores: 'output:0' } });
    const { m } = await loadBuiltIn(tmp, { save: () => file } as never, 'signature');
    expect(m.defaultLayer).toBe('b5');
    const split = m.split();
    expect(split.softmaxRemoved).toBe(true);
    const x = tf.randomUniform([1, 12, 12, 3], -1, 1, 'float32', 4);
    const bb = await split.runBackbone(x);
    const model = await tfc.loadGraphModel(fileHandler(file));
    const ref = model.execute({ image: x }) as tf.Tensor;
    const probs = tf.tidy(() => tf.softmax(split.head(bb).apply(bb.features)));
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(probs, ref))).dataSync()[0])).toBeLessThan(1e-5);
    tf.dispose([x, bb.features, ...bb.side, ref, probs]);
    model.dispose();
    m.dispose();
  });

  it('a truncated weight shard is a one-line error naming the file', async () => {
    const g = convClassifier();
    const dir = path.join(tmp, 'truncated');
    g.save(dir);
    const bin = path.join(dir, 'weights.bin');
    truncateSync(bin, readFileSync(bin).byteLength - 8);
    await expect(loadBuiltIn(tmp, { save: () => path.join(dir, 'model.json') } as never, 'truncated')).rejects.toThrow(/weights\.bin: weight shard truncated/);
  });
});
