// TF.js graph models built here (graphBuilder.ts): layer list, default layer, the split's backbone +
// translated head against the converter's own execution of the whole graph, softmax removal,
// linearity classification, affine form, and clear errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfc from '@tensorflow/tfjs-converter';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { selectBackend } from '../../../src/engine/backend.js';
import { fileHandler } from '../../../src/models/fileHandler.js';
import { loadBuiltIn } from './loadBuilt.js';
import { convClassifier, residualNet } from './tinyGraphs.js';
import type { GraphBuilder } from './graphBuilder.js';

let tmp: string;
beforeAll(async () => {
  await selectBackend();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'l2caf-graph-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const loadBuilt = (g: GraphBuilder, name: string) => loadBuiltIn(tmp, g, name);

/** The converter's own full-graph output for x. */
async function reference(file: string, x: tf.Tensor): Promise<tf.Tensor> {
  const model = await tfc.loadGraphModel(fileHandler(file));
  const y = model.execute(x) as tf.Tensor;
  model.dispose();
  return y;
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

describe('graph model: conv classifier (fused convs, depthwise, Mean, MatMul, Softmax)', () => {
  it('lists layer ends with shapes and picks the last spatial one', async () => {
    const { m } = await loadBuilt(convClassifier(), 'cls-list');
    expect(m.format).toBe('tfjs-graph');
    expect(m.inputSize).toEqual([12, 12]);
    expect(m.layers.map((l) => l.name)).toEqual(['r1', 'r2', 'f3', 'f4', 'b5', 'logits']);
    expect(m.layers.find((l) => l.name === 'r2')).toMatchObject({ type: 'Relu6', shape: [6, 6, 16], spatial: true });
    expect(m.layers.find((l) => l.name === 'f3')?.type).toBe('FusedConv2D');
    expect(m.layers.find((l) => l.name === 'logits')?.spatial).toBe(false);
    expect(m.defaultLayer).toBe('b5');
    // ends in a softmax: a classifier
    expect(m.outputKind).toBe('logits');
    m.dispose();
  });

  it.each([
    ['b5', 'gap-affine'],
    ['f4', 'gap-affine'],
    ['f3', 'nonlinear'],
    ['r1', 'nonlinear'],
  ])('split at %s: softmax(head(backbone(x))) equals the whole graph; head is %s', async (layer, linearity) => {
    const { m, file } = await loadBuilt(convClassifier(), `cls-${layer}`);
    const split = m.split(layer);
    expect(split.softmaxRemoved).toBe(true);
    const x = tf.randomUniform([2, 12, 12, 3], -1, 1, 'float32', 5);
    const bb = await split.runBackbone(x);
    const head = split.head(bb);
    expect(head.linearity).toBe(linearity);
    expect(head.numOutputs).toBe(5);
    const logits = head.apply(bb.features);
    const ref = await reference(file, x);
    const probs = tf.softmax(logits);
    expect(maxAbsDiff(probs, ref)).toBeLessThan(1e-5);
    tf.dispose([x, bb.features, ...bb.side, logits, ref, probs]);
    m.dispose();
  });

  it('gap-affine head: J f + c equals the head on filtered features', async () => {
    const { m } = await loadBuilt(convClassifier(), 'cls-affine');
    const split = m.split();
    const x = tf.randomUniform([1, 12, 12, 3], -1, 1, 'float32', 6);
    const bb = await split.runBackbone(x);
    const head = split.head(bb);
    const { J, c } = head.affine!(bb.features);
    expect(J.shape).toEqual([5, 36]);
    const f = tf.randomNormal([36], 0, 1, 'float32', 7);
    const viaJ = tf.add(tf.squeeze(tf.matMul(J, tf.reshape(f, [-1, 1]))), c);
    const direct = tf.squeeze(head.apply(tf.mul(bb.features, tf.reshape(f, [1, 6, 6, 1]))));
    expect(maxAbsDiff(viaJ, direct)).toBeLessThan(1e-4);
    tf.dispose([x, bb.features, J, c, f, viaJ, direct]);
    m.dispose();
  });

  it('an unsupported op in the head is named in the error; choosing after it works', async () => {
    const { m } = await loadBuilt(convClassifier('Prod'), 'cls-prod');
    expect(() => m.split('b5')).toThrow(/op Prod \(node "gap"\) is not supported in the head/);
    m.dispose();
  });

  it('unknown and non-spatial layers are refused with clear errors', async () => {
    const { m } = await loadBuilt(convClassifier(), 'cls-errors');
    expect(() => m.split('nope')).toThrow(/no layer named "nope"/);
    expect(() => m.split('w1')).toThrow(/no layer named "w1"/);
    expect(() => m.split('gap')).toThrow(/without spatial extent/);
    expect(() => m.split('logits')).toThrow(/nothing follows layer "logits" but a softmax/);
    m.dispose();
  });
});

describe('graph model: skip connection, concat, pad, avg pool, Keras-style flatten, fused MatMul', () => {
  it('a graph frozen with batch 1 still runs a batch through the backbone, image by image', async () => {
    const { m, file } = await loadBuilt(residualNet(), 'res-batch');
    const split = m.split('pool');
    const x = tf.randomUniform([3, 10, 10, 3], -1, 1, 'float32', 4);
    const bb = await split.runBackbone(x);
    expect(bb.features.shape).toEqual([3, 5, 5, 12]);
    const out = split.head(bb).apply(bb.features);
    const refs = tf.unstack(x).map((xi) => tf.expandDims(xi, 0));
    const model = await tfc.loadGraphModel(fileHandler(file));
    const ref = tf.concat(refs.map((r) => model.execute(r) as tf.Tensor), 0);
    expect(maxAbsDiff(out, ref)).toBeLessThan(1e-4);
    tf.dispose([x, bb.features, out, ref, ...refs]);
    model.dispose();
    m.dispose();
  });

  it('lists layers; no softmax and no labels: class scores named by index (an embedding only when declared)', async () => {
    const { m } = await loadBuilt(residualNet(), 'res-list');
    expect(m.layers.map((l) => l.name)).toEqual(['a1', 'c2', 'res', 'cat', 'pad', 'pool']);
    expect(m.defaultLayer).toBe('pool');
    expect(m.outputKind).toBe('logits');
    expect(m.assumptions.join('\n')).toMatch(/no labels for the model's 7 outputs: taken as class scores/);
    m.dispose();
  });

  it.each([
    ['res', 'affine', 1],
    ['a1', 'affine', 0],
    ['pool', 'affine', 0],
    ['b1', 'nonlinear', 0],
  ])('split at %s reproduces the graph (head %s, %i side tensors)', async (layer, linearity, sides) => {
    const { m, file } = await loadBuilt(residualNet(), `res-${layer}`);
    const split = m.split(layer);
    expect(split.softmaxRemoved).toBe(false);
    const x = tf.randomUniform([1, 10, 10, 3], -1, 1, 'float32', 8);
    const bb = await split.runBackbone(x);
    expect(bb.side.length).toBe(sides);
    const head = split.head(bb);
    expect(head.linearity).toBe(linearity);
    const out = head.apply(bb.features);
    const ref = await reference(file, x);
    expect(out.shape).toEqual([1, 7]);
    expect(maxAbsDiff(out, ref)).toBeLessThan(1e-4);
    if (linearity === 'affine') {
      // the affine form (one-hot filters in a batch: side tensors broadcast) matches the head
      const S = split.layerShape[0]! * split.layerShape[1]!;
      const { J, c } = head.affine!(bb.features);
      const f = tf.randomNormal([S], 0, 1, 'float32', 9);
      const viaJ = tf.add(tf.squeeze(tf.matMul(J, tf.reshape(f, [-1, 1]))), c);
      const direct = tf.squeeze(head.apply(tf.mul(bb.features, tf.reshape(f, [1, ...split.layerShape.slice(0, 2), 1]))));
      expect(maxAbsDiff(viaJ, direct)).toBeLessThan(1e-3);
      tf.dispose([J, c, f, viaJ, direct]);
    }
    tf.dispose([x, bb.features, ...bb.side, out, ref]);
    m.dispose();
  });
});
