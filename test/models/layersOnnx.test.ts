// TF.js layers heads written as ONNX (layersOnnx.ts) for the solver's passes on ONNX Runtime: on
// small models built here (each layer the writer knows, TF 'same' padding on odd sizes, a side
// input, channels-last flattening) and on darknet-tiny, losses and gradients against TF.js
// autodiff of the translated head; layers without an ONNX form keep the head on TF.js.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { useBackend } from '../attention/setup.js';
import { seeded } from './tinyModels.js';
import { splitLayersModel } from '../../src/models/layersSplit.js';
import { compareEngines, expectRealHeadAgrees, gradCamBothEngines, onImage, solveBothEngines } from '../onnx/ortGradHarness.js';
import { fixture, haveFixture } from '../helpers/fixtures.js';

type Sym = tfl.SymbolicTensor;
const L = tfl.layers;

function chain(size: number, layers: tfl.layers.Layer[]): tfl.LayersModel {
  const input = tfl.input({ shape: [size, size, 3] });
  let x = L.conv2d({ filters: 5, kernelSize: 3, padding: 'same', activation: 'relu', name: 'chosen' }).apply(input) as Sym;
  for (const l of layers) x = l.apply(x) as Sym;
  return seeded(tfl.model({ inputs: input, outputs: x }));
}

/** [name, model, the chosen layer, whether the head runs on ONNX Runtime] */
const cases: [string, () => tfl.LayersModel, boolean][] = [
  ['conv same + LeakyReLU + GAP + Dense', () => chain(16, [L.conv2d({ filters: 8, kernelSize: 3, padding: 'same' }), L.leakyReLU({ alpha: 0.1 }), L.globalAveragePooling2d({}), L.dense({ units: 3 })]), true],
  [
    "conv 3x3/2 'same' on 15x15 (asymmetric pads), BN, dilated valid conv + sigmoid, Flatten (channels-last order), Dense tanh, Dense softmax",
    () =>
      chain(15, [
        L.conv2d({ filters: 6, kernelSize: 3, strides: 2, padding: 'same', useBias: false }),
        L.batchNormalization({ epsilon: 1e-3 }),
        L.conv2d({ filters: 4, kernelSize: 3, dilationRate: 2, padding: 'valid', activation: 'sigmoid' }),
        L.flatten({}),
        L.dense({ units: 6, activation: 'tanh' }),
        L.dense({ units: 3, activation: 'softmax' }),
      ]),
    true,
  ],
  ['ReLU (max 6), Activation relu, a spatial output (flattened channels-last)', () => chain(12, [L.reLU({ maxValue: 6 }), L.conv2d({ filters: 3, kernelSize: 3, padding: 'same' }), L.activation({ activation: 'relu' })]), true],
  [
    'residual: a side input, Add, Multiply, Average, Dropout, bare Softmax layer removed',
    () => {
      const input = tfl.input({ shape: [10, 10, 3] });
      const a = L.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(input) as Sym;
      const b = L.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: 'chosen' }).apply(a) as Sym;
      const c = L.conv2d({ filters: 4, kernelSize: 1, activation: 'tanh' }).apply(b) as Sym;
      const s = L.add({}).apply([a, b, c]) as Sym;
      const m = L.multiply({}).apply([s, c]) as Sym;
      const av = L.average({}).apply([m, b]) as Sym;
      const dr = L.dropout({ rate: 0.5 }).apply(av) as Sym;
      const g = L.globalAveragePooling2d({}).apply(dr) as Sym;
      const fc = L.dense({ units: 3 }).apply(g) as Sym;
      return seeded(tfl.model({ inputs: input, outputs: L.softmax({}).apply(fc) as Sym }));
    },
    true,
  ],
  ['MaxPooling2D: no ONNX form, TF.js', () => chain(8, [L.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }), L.maxPooling2d({ poolSize: 2 }), L.flatten({}), L.dense({ units: 3 })]), false],
  ['elu activation: no ONNX form, TF.js', () => chain(8, [L.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'elu' }), L.globalAveragePooling2d({}), L.dense({ units: 3 })]), false],
];

describe('TF.js layers heads on ONNX Runtime', () => {
  beforeAll(useBackend);

  for (const [name, build, onOrt] of cases) {
    it(name, () => {
      const before = tf.memory().numTensors;
      const model = build();
      const split = splitLayersModel(model, 'chosen', 'test');
      const [, h, w, c] = model.inputs[0]!.shape as number[];
      const x = tf.randomUniform([1, h!, w!, c!], 0, 1, 'float32', 7);
      const bb = split.runBackbone(x) as { features: tf.Tensor; side: tf.Tensor[] };
      try {
        const head = split.head(bb);
        expect(head.linearity).toBe('nonlinear');
        if (!onOrt) {
          expect(head.gradOracle).toBeUndefined();
          return;
        }
        expect(head.gradOracle).toBeTypeOf('function');
        const agree = compareEngines(head, bb.features, 1);
        expect(gradCamBothEngines(head, bb.features, 1)).toBeGreaterThanOrEqual(0.9999);
        expect(agree.r).toBeGreaterThanOrEqual(0.9999);
        expect(agree.grad).toBeLessThan(1e-4);
        expect(agree.loss).toBeLessThan(1e-5);
      } finally {
        x.dispose();
        bb.features.dispose();
        for (const s of bb.side) s.dispose();
        split.dispose();
        model.dispose();
      }
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});

const ok = haveFixture('models/darknet-tiny') && haveFixture('images/chelsea.png');

describe.skipIf(!ok)('darknet-tiny (TF.js) heads on ONNX Runtime', () => {
  beforeAll(useBackend);

  for (const layer of ['leaky_re_lu_13', 'leaky_re_lu_12']) {
    it(`${layer}, chelsea.png: losses and gradients as TF.js's; the default solves end where the TF.js passes end`, async () => {
      await onImage('darknet-tiny', layer, fixture('images/chelsea.png'), (head, features, target) => {
        expectRealHeadAgrees(head, features, target);
        const solves = solveBothEngines(head, features, target);
        expect(solves.r).toBeGreaterThanOrEqual(0.999);
        expect(solves.loss).toBeLessThan(1e-3);
      });
    });
  }
});
