// Non-linear ONNX heads run the solver's passes on ONNX Runtime (onnxGradGraph.ts, onnxVjp.ts):
// each gradient rule on small models built here, and darknet-tiny-onnx and MobileNetV2 on a real
// image, against TF.js autodiff of the translated head (r >= 0.9999); heads with an op without a
// rule, or an old opset, stay on TF.js; L2CAF_HEAD_ENGINE=tfjs turns it off; the default solve
// gives the same map on either engine; nothing leaks over 100 solves.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../attention/setup.js';
import { buildModel, removeWrittenModels, floatTensor, int64Tensor, node, randomTensor, writeModel, type GraphSpec } from './buildOnnx.js';
import { gapFlat, flat, withFeat } from './headSpecs.js';
import { compareEngines, expectRealHeadAgrees, gradCamBothEngines, onImage, solveBothEngines } from './ortGradHarness.js';
import { loadOnnxModel } from '../../src/models/onnx/loadOnnx.js';
import { headEngineChoice, HEAD_ENGINE_ENV } from '../../src/models/onnx/headGradEngine.js';
import { mulberry32 } from '../../src/attention/rng.js';
import { defaultSolveOptions, pearson, solveL2caf } from '../../src/attention/index.js';
import type { LoadedModel } from '../../src/models/loadModel.js';
import type { Head } from '../../src/attention/types.js';
import type { BackboneOutput } from '../../src/models/split.js';
import { fixture, haveFixture } from '../helpers/fixtures.js';

const relu = (from: string, to: string) => node('Relu', [from], [to]);

/** [name, model, whether its head runs on ONNX Runtime] */
const cases: [string, GraphSpec, boolean][] = [
  ['Relu, Conv 3x3 stride 2 (output_padding 1), Flatten', withFeat([relu('feat', 'a'), node('Conv', ['a', 'w1', 'b1'], ['c'], { pads: { ints: [1, 1, 1, 1] }, strides: { ints: [2, 2] } }), flat('c')], [randomTensor('w1', [6, 4, 3, 3], 1), randomTensor('b1', [6], 2)]), true],
  ['Relu, Conv 3x3 stride 3 (output_padding 2), Conv 2x3 asymmetric pads', withFeat([relu('feat', 'a'), node('Conv', ['a', 'w1'], ['c'], { strides: { ints: [3, 3] } }), node('Conv', ['c', 'w2'], ['d'], { pads: { ints: [0, 1, 1, 2] } }), flat('d')], [randomTensor('w1', [5, 4, 3, 3], 1), randomTensor('w2', [3, 5, 2, 3], 7)]), true],
  ['LeakyRelu, depthwise Conv stride 2, GAP, Gemm transB alpha', withFeat([node('LeakyRelu', ['feat'], ['a'], { alpha: { f: 0.1 } }), node('Conv', ['a', 'w1'], ['c'], { group: { i: 4 }, pads: { ints: [1, 1, 1, 1] }, strides: { ints: [2, 2] } }), node('GlobalAveragePool', ['c'], ['gap']), node('Flatten', ['gap'], ['fl']), node('Gemm', ['fl', 'wg', 'bg'], ['y'], { transB: { i: 1 }, alpha: { f: 0.5 } })], [randomTensor('w1', [4, 1, 3, 3], 3), randomTensor('wg', [7, 4], 8), randomTensor('bg', [7], 9)]), true],
  ['Clip, grouped dilated Conv, GAP, Reshape, MatMul, Gemm', withFeat([node('Clip', ['feat', 'lo', 'hi'], ['a']), node('Conv', ['a', 'w1', 'b1'], ['c'], { group: { i: 2 }, pads: { ints: [2, 2, 2, 2] }, dilations: { ints: [2, 2] } }), node('GlobalAveragePool', ['c'], ['gap']), node('Reshape', ['gap', 'shp'], ['r']), node('MatMul', ['r', 'wm'], ['mm']), node('Gemm', ['mm', 'wg'], ['y'])], [floatTensor('lo', [], [-0.2]), floatTensor('hi', [], [0.3]), randomTensor('w1', [6, 2, 3, 3], 4), randomTensor('b1', [6], 5), int64Tensor('shp', [2], [1, -1]), randomTensor('wm', [6, 5], 8), randomTensor('wg', [5, 3], 9)]), true],
  ['Sigmoid, BatchNormalization, Tanh, Flatten', withFeat([node('Sigmoid', ['feat'], ['a']), node('BatchNormalization', ['a', 's', 'b', 'm', 'v'], ['bn'], { epsilon: { f: 1e-3 } }), node('Tanh', ['bn'], ['t']), flat('t')], [randomTensor('s', [4], 1), randomTensor('b', [4], 2), randomTensor('m', [4], 3), floatTensor('v', [4], [0.5, 1, 2, 0.1])]), true],
  ['residual: Relu, Conv, Add, Sum, Mul/Sub/Div by constants, GAP', withFeat([relu('feat', 'a'), node('Conv', ['a', 'w1'], ['c'], { pads: { ints: [1, 1, 1, 1] } }), node('Add', ['c', 'feat'], ['r']), node('Sum', ['r', 'a', 'feat'], ['s']), node('Mul', ['s', 'k1'], ['m']), node('Sub', ['m', 'k2'], ['d']), node('Div', ['d', 'k3'], ['q']), relu('q', 'q2'), ...gapFlat('q2')], [randomTensor('w1', [4, 4, 3, 3], 1), randomTensor('k1', [1, 4, 1, 1], 2), randomTensor('k2', [4, 1, 1], 3), floatTensor('k3', [], [2])]), true],
  [
    'a side tensor (computed before the layer) added in the head',
    {
      nodes: [
        node('Conv', ['x', 'w0', 'b0'], ['feat'], { pads: { ints: [1, 1, 1, 1] } }),
        node('Conv', ['x', 'ws'], ['side']),
        relu('feat', 'a'),
        node('Add', ['a', 'side'], ['s']),
        relu('s', 's2'),
        ...gapFlat('s2'),
      ],
      initializers: [randomTensor('w0', [4, 3, 3, 3], 10), randomTensor('b0', [4], 11), randomTensor('ws', [4, 3, 1, 1], 12)],
      outputs: ['y'],
    },
    true,
  ],
  ['MaxPool: no rule, TF.js', withFeat([relu('feat', 'a'), node('MaxPool', ['a'], ['p'], { kernel_shape: { ints: [2, 2] }, strides: { ints: [2, 2] } }), flat('p')]), false],
  ['Conv SAME_UPPER: no rule, TF.js', withFeat([relu('feat', 'a'), node('Conv', ['a', 'w1'], ['c'], { auto_pad: { s: 'SAME_UPPER' }, strides: { ints: [2, 2] } }), flat('c')], [randomTensor('w1', [6, 4, 3, 3], 6)]), false],
  ['opset 6 (Clip attributes): TF.js', withFeat([node('Clip', ['feat'], ['a'], { min: { f: 0 }, max: { f: 0.25 } }), flat('a')], [], 6), false],
];

async function openHead(bytes: Uint8Array): Promise<{ model: LoadedModel; head: Head; bb: BackboneOutput }> {
  const model = await loadOnnxModel({ id: 'test', location: writeModel(bytes), preprocessing: { scale: 1, offset: 0, channelOrder: 'rgb' }, threads: 1 });
  const split = model.split('feat');
  const r = mulberry32(5);
  const input = tf.tensor4d(Float32Array.from({ length: 8 * 8 * 3 }, () => r() * 2 - 1), [1, 8, 8, 3]);
  const bb = await split.runBackbone(input);
  input.dispose();
  return { model, head: split.head(bb), bb };
}

function release(o: { model: LoadedModel; bb: BackboneOutput }): void {
  o.bb.features.dispose();
  for (const s of o.bb.side) s.dispose();
  o.model.dispose();
}

describe('head passes on ONNX Runtime: each gradient rule against TF.js', () => {
  beforeAll(useBackend);
  afterAll(removeWrittenModels);

  for (const [name, spec, onOrt] of cases) {
    it(name, async () => {
      const before = tf.memory().numTensors;
      const o = await openHead(buildModel(spec));
      try {
        expect(o.head.linearity).toBe('nonlinear');
        if (!onOrt) {
          expect(o.head.gradOracle).toBeUndefined();
          return;
        }
        expect(o.head.gradOracle).toBeTypeOf('function');
        const agree = compareEngines(o.head, o.bb.features, 0);
        expect(gradCamBothEngines(o.head, o.bb.features, 0)).toBeGreaterThanOrEqual(0.9999);
        expect(agree.r).toBeGreaterThanOrEqual(0.9999);
        expect(agree.grad).toBeLessThan(1e-4);
        expect(agree.loss).toBeLessThan(1e-5);
      } finally {
        release(o);
      }
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it(`${HEAD_ENGINE_ENV}=tfjs keeps the passes on TF.js; a bad value is an error naming the variable`, async () => {
    expect(headEngineChoice({})).toBe('auto');
    expect(headEngineChoice({ [HEAD_ENGINE_ENV]: 'tfjs' })).toBe('tfjs');
    expect(() => headEngineChoice({ [HEAD_ENGINE_ENV]: 'gpu' })).toThrow(/L2CAF_HEAD_ENGINE must be auto or tfjs, got "gpu"/);
    const old = process.env[HEAD_ENGINE_ENV];
    process.env[HEAD_ENGINE_ENV] = 'tfjs';
    try {
      const o = await openHead(buildModel(cases[0]![1]));
      expect(o.head.gradOracle).toBeUndefined();
      release(o);
    } finally {
      if (old === undefined) delete process.env[HEAD_ENGINE_ENV];
      else process.env[HEAD_ENGINE_ENV] = old;
    }
  });

  it('a disposed model answers no more passes on ONNX Runtime', async () => {
    const o = await openHead(buildModel(cases[0]![1]));
    const oracle = o.head.gradOracle!;
    release(o);
    expect(oracle(o.bb.features, { kind: 'class', values: new Float32Array(o.head.numOutputs) })).toBeNull();
  });
});

const ok = haveFixture('models/darknet-tiny-onnx') && haveFixture('models/mobilenet-v2-random-onnx') && haveFixture('images/chelsea.png');

describe.skipIf(!ok)('head passes on ONNX Runtime: real models', () => {
  beforeAll(useBackend);

  const layers: [string, string][] = [
    ['darknet-tiny-onnx', '/mods.42/LeakyRelu_output_0'], // leaky_re_lu_13
    ['darknet-tiny-onnx', '/mods.39/LeakyRelu_output_0'], // leaky_re_lu_12
    // residual Adds, a stride-2 depthwise conv, Clip (ReLU6), Gemm
    [fixture('models/mobilenet-v2-random-onnx/model.onnx'), '/features/features.13/Add_output_0'],
  ];
  for (const [m, layer] of layers) {
    it(`${m.split('/').slice(-2).join('/')} at ${layer}: losses and gradients as TF.js's`, async () => {
      await onImage(m, layer, fixture('images/chelsea.png'), (head, features, target) => {
        expectRealHeadAgrees(head, features, target);
      });
    });
  }

  it('darknet-tiny-onnx at leaky_re_lu_13, chelsea.png: the default solves end where the TF.js passes end; 100 solves leak nothing', async () => {
    await onImage('darknet-tiny-onnx', '/mods.42/LeakyRelu_output_0', fixture('images/chelsea.png'), (head, features, target) => {
      const solves = solveBothEngines(head, features, target);
      expect(solves.r).toBeGreaterThanOrEqual(0.999);
      expect(solves.loss).toBeLessThan(1e-3);
      const opts = defaultSolveOptions('converged');
      const before = tf.memory().numTensors;
      for (let i = 0; i < 100; i++) solveL2caf(head, features, null, opts);
      expect(tf.memory().numTensors).toBe(before);
    });
  });

  it('darknet-tiny-onnx at leaky_re_lu_13: Adam (--preset paper; l2 and gaussian constraints) on ONNX Runtime passes ends where it ends on TF.js passes, and leaks nothing', async () => {
    await onImage('darknet-tiny-onnx', '/mods.42/LeakyRelu_output_0', fixture('images/chelsea.png'), (head, features, target) => {
      const tfHead = { ...head, gradOracle: undefined, featureGradient: undefined };
      for (const constraint of ['l2', 'gaussian'] as const) {
        const opts = { ...defaultSolveOptions('paper'), constraint, maxIterations: 100 };
        for (const t of [null, target]) {
          const a = solveL2caf(head, features, t, opts);
          const b = solveL2caf(tfHead, features, t, opts);
          expect(pearson(a.values, b.values)).toBeGreaterThanOrEqual(0.999);
          expect(Math.abs(a.loss - b.loss) / Math.abs(b.loss)).toBeLessThan(1e-3);
        }
      }
      const opts = { ...defaultSolveOptions('paper'), maxIterations: 50 };
      solveL2caf(head, features, target, opts);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 10; i++) solveL2caf(head, features, target, opts);
      expect(tf.memory().numTensors).toBe(before);
    });
  });
});
