// Each supported ONNX op in a head, on a small model built here: the translated head against ONNX
// Runtime running the whole model, its gradient against central differences, its affine form
// (J, c) against the head itself, its linearity class, and no leaked tensors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../attention/setup.js';
import { buildModel, removeWrittenModels, floatTensor, int64Tensor, node, randomTensor, type GraphSpec } from './buildOnnx.js';
import { checkHead } from './headHarness.js';
import { flat, gapFlat, withFeat } from './headSpecs.js';
import { networkCases, resizeSpec } from './networkHeadCases.js';

type Case = [string, GraphSpec, 'gap-affine' | 'affine' | 'nonlinear'];

const cases: Case[] = [
  ['Conv 3x3 stride 2', withFeat([node('Conv', ['feat', 'w1', 'b1'], ['c'], { pads: { ints: [1, 1, 1, 1] }, strides: { ints: [2, 2] } }), flat('c')], [randomTensor('w1', [6, 4, 3, 3], 1), randomTensor('b1', [6], 2)]), 'affine'],
  ['Conv 1x1 + GAP + Flatten', withFeat([node('Conv', ['feat', 'w1', 'b1'], ['c']), ...gapFlat('c')], [randomTensor('w1', [5, 4, 1, 1], 1), randomTensor('b1', [5], 2)]), 'gap-affine'],
  ['Conv depthwise stride 2', withFeat([node('Conv', ['feat', 'w1'], ['c'], { group: { i: 4 }, pads: { ints: [1, 1, 1, 1] }, strides: { ints: [2, 2] } }), flat('c')], [randomTensor('w1', [4, 1, 3, 3], 3)]), 'affine'],
  ['Conv depthwise x2 dilated', withFeat([node('Conv', ['feat', 'w1', 'b1'], ['c'], { group: { i: 4 }, pads: { ints: [2, 2, 2, 2] }, dilations: { ints: [2, 2] } }), flat('c')], [randomTensor('w1', [8, 1, 3, 3], 4), randomTensor('b1', [8], 5)]), 'affine'],
  ['Conv grouped, SAME_UPPER, stride 2', withFeat([node('Conv', ['feat', 'w1'], ['c'], { group: { i: 2 }, auto_pad: { s: 'SAME_UPPER' }, strides: { ints: [2, 2] } }), flat('c')], [randomTensor('w1', [6, 2, 3, 3], 6)]), 'affine'],
  ['Conv 2x3 asymmetric pads', withFeat([node('Conv', ['feat', 'w1'], ['c'], { pads: { ints: [0, 1, 1, 2] } }), flat('c')], [randomTensor('w1', [3, 4, 2, 3], 7)]), 'affine'],
  ['MaxPool 3x3/2 pad 1 ceil', withFeat([node('MaxPool', ['feat'], ['p'], { kernel_shape: { ints: [3, 3] }, strides: { ints: [2, 2] }, pads: { ints: [1, 1, 1, 1] }, ceil_mode: { i: 1 } }), flat('p')]), 'nonlinear'],
  ['MaxPool 2x2/2', withFeat([node('MaxPool', ['feat'], ['p'], { kernel_shape: { ints: [2, 2] }, strides: { ints: [2, 2] } }), flat('p')]), 'nonlinear'],
  ['AveragePool 3x3/2 pad 1 ceil, pads not counted', withFeat([node('AveragePool', ['feat'], ['p'], { kernel_shape: { ints: [3, 3] }, strides: { ints: [2, 2] }, pads: { ints: [1, 1, 1, 1] }, ceil_mode: { i: 1 } }), flat('p')]), 'affine'],
  ['AveragePool 3x3/2 pad 1, pads counted', withFeat([node('AveragePool', ['feat'], ['p'], { kernel_shape: { ints: [3, 3] }, strides: { ints: [2, 2] }, pads: { ints: [1, 1, 1, 1] }, count_include_pad: { i: 1 } }), flat('p')]), 'affine'],
  ['GlobalMaxPool', withFeat([node('GlobalMaxPool', ['feat'], ['p']), flat('p')]), 'nonlinear'],
  ['BatchNormalization + GAP', withFeat([node('BatchNormalization', ['feat', 's', 'b', 'm', 'v'], ['bn'], { epsilon: { f: 1e-3 } }), ...gapFlat('bn')], [randomTensor('s', [4], 1), randomTensor('b', [4], 2), randomTensor('m', [4], 3), floatTensor('v', [4], [0.5, 1, 2, 0.1])]), 'gap-affine'],
  ['GAP + Gemm transB', withFeat([node('GlobalAveragePool', ['feat'], ['gap']), node('Flatten', ['gap'], ['fl']), node('Gemm', ['fl', 'wg', 'bg'], ['y'], { transB: { i: 1 }, alpha: { f: 0.5 } })], [randomTensor('wg', [7, 4], 8), randomTensor('bg', [7], 9)]), 'gap-affine'],
  ['GAP + Reshape + MatMul + Add', withFeat([node('GlobalAveragePool', ['feat'], ['gap']), node('Reshape', ['gap', 'shp'], ['r']), node('MatMul', ['r', 'wm'], ['mm']), node('Add', ['mm', 'bm'], ['y'])], [int64Tensor('shp', [2], [1, -1]), randomTensor('wm', [4, 5], 8), randomTensor('bm', [5], 9)]), 'gap-affine'],
  ['Mul/Sub/Div by channel constants + GAP', withFeat([node('Mul', ['feat', 'k1'], ['a']), node('Sub', ['a', 'k2'], ['b']), node('Div', ['b', 'k3'], ['c']), ...gapFlat('c')], [randomTensor('k1', [1, 4, 1, 1], 1), randomTensor('k2', [4, 1, 1], 2), floatTensor('k3', [], [2])]), 'gap-affine'],
  ['Mul by a spatial constant + GAP', withFeat([node('Mul', ['feat', 'k1'], ['a']), ...gapFlat('a')], [randomTensor('k1', [1, 1, 8, 8], 1)]), 'affine'],
  ['Relu', withFeat([node('Relu', ['feat'], ['a']), flat('a')]), 'nonlinear'],
  ['LeakyRelu', withFeat([node('LeakyRelu', ['feat'], ['a'], { alpha: { f: 0.1 } }), flat('a')]), 'nonlinear'],
  ['Sigmoid', withFeat([node('Sigmoid', ['feat'], ['a']), flat('a')]), 'nonlinear'],
  ['Tanh', withFeat([node('Tanh', ['feat'], ['a']), flat('a')]), 'nonlinear'],
  ['Clip (bounds as inputs)', withFeat([node('Clip', ['feat', 'lo', 'hi'], ['a']), flat('a')], [floatTensor('lo', [], [-0.2]), floatTensor('hi', [], [0.3])]), 'nonlinear'],
  ['Clip (opset 6 attributes)', withFeat([node('Clip', ['feat'], ['a'], { min: { f: 0 }, max: { f: 0.25 } }), flat('a')], [], 6), 'nonlinear'],
  ['HardSigmoid', withFeat([node('HardSigmoid', ['feat'], ['a'], { alpha: { f: 0.3 } }), flat('a')]), 'nonlinear'],
  ['HardSwish', withFeat([node('HardSwish', ['feat'], ['a']), flat('a')], [], 14), 'nonlinear'],
  ['Elu', withFeat([node('Elu', ['feat'], ['a'], { alpha: { f: 0.7 } }), flat('a')]), 'nonlinear'],
  ['PRelu', withFeat([node('PRelu', ['feat', 'sl'], ['a']), flat('a')], [randomTensor('sl', [4, 1, 1], 4)]), 'nonlinear'],
  ['Softplus', withFeat([node('Softplus', ['feat'], ['a']), flat('a')]), 'nonlinear'],
  ['Transpose + Flatten', withFeat([node('Transpose', ['feat'], ['t'], { perm: { ints: [0, 2, 3, 1] } }), flat('t')]), 'affine'],
  ['Concat(feat, relu(feat))', withFeat([node('Relu', ['feat'], ['a']), node('Concat', ['feat', 'a'], ['c'], { axis: { i: 1 } }), flat('c')]), 'nonlinear'],
  ['Squeeze/Unsqueeze (axes as inputs)', withFeat([node('GlobalAveragePool', ['feat'], ['gap']), node('Squeeze', ['gap', 'ax'], ['s']), node('Unsqueeze', ['s', 'ax1'], ['u']), flat('u')], [int64Tensor('ax', [2], [2, 3]), int64Tensor('ax1', [1], [2])]), 'gap-affine'],
  ['ReduceMean over H, W', withFeat([node('ReduceMean', ['feat'], ['y'], { axes: { ints: [2, 3] }, keepdims: { i: 0 } })]), 'gap-affine'],
  ['ReduceSum (axes input)', withFeat([node('ReduceSum', ['feat', 'ax'], ['y'], { keepdims: { i: 0 } })], [int64Tensor('ax', [2], [2, 3])]), 'affine'],
  ['Pad', withFeat([node('Pad', ['feat', 'pp', 'pv'], ['p']), flat('p')], [int64Tensor('pp', [8], [0, 0, 1, 2, 0, 0, 2, 1]), floatTensor('pv', [], [0.5])]), 'affine'],
  ['Slice', withFeat([node('Slice', ['feat', 'st', 'en', 'ax'], ['s']), flat('s')], [int64Tensor('st', [2], [1, 2]), int64Tensor('en', [2], [7, 1000]), int64Tensor('ax', [2], [2, 3])]), 'affine'],
  ['Gather channels', withFeat([node('Gather', ['feat', 'gi'], ['g'], { axis: { i: 1 } }), flat('g')], [int64Tensor('gi', [2], [0, 2])]), 'affine'],
  ['Dropout + Identity + GAP', withFeat([node('Dropout', ['feat'], ['d']), node('Identity', ['d'], ['i']), ...gapFlat('i')]), 'gap-affine'],
  ['Shape/Gather/Unsqueeze/Concat/Reshape (dynamic flatten)', withFeat([
    node('Shape', ['feat'], ['sh']),
    node('Gather', ['sh', 'zero'], ['n'], { axis: { i: 0 } }),
    node('Unsqueeze', ['n', 'ax0'], ['n1']),
    node('Concat', ['n1', 'minus1'], ['target'], { axis: { i: 0 } }),
    node('Reshape', ['feat', 'target'], ['y']),
  ], [int64Tensor('zero', [], [0]), int64Tensor('ax0', [1], [0]), int64Tensor('minus1', [1], [-1])]), 'affine'],
  ['Add and Sub of two feature paths', withFeat([node('Conv', ['feat', 'w1'], ['a']), node('Conv', ['feat', 'w2'], ['b'], { pads: { ints: [1, 1, 1, 1] } }), node('Add', ['a', 'b'], ['s']), node('Sub', ['s', 'feat'], ['t']), flat('t')], [randomTensor('w1', [4, 4, 1, 1], 1), randomTensor('w2', [4, 4, 3, 3], 2)]), 'affine'],
  ['Gather one channel (scalar index drops the axis)', withFeat([node('Gather', ['feat', 'gi'], ['g'], { axis: { i: 1 } }), flat('g')], [int64Tensor('gi', [], [3])]), 'affine'],
  ['Neg + Sum/Mean of three inputs + GAP', withFeat([node('Neg', ['feat'], ['n']), node('Sum', ['feat', 'n', 'k'], ['s']), node('Mean', ['s', 'feat', 'n'], ['m']), ...gapFlat('m')], [randomTensor('k', [1, 4, 1, 1], 3)]), 'affine'],
  ['Max/Min of two paths', withFeat([node('Neg', ['feat'], ['n']), node('Max', ['feat', 'n'], ['a']), node('Min', ['a', 'k'], ['b']), flat('b')], [floatTensor('k', [], [0.4])]), 'nonlinear'],
  ['Exp, Sqrt of a square, Erf, Selu', withFeat([node('Mul', ['feat', 'feat'], ['sq']), node('Add', ['sq', 'one'], ['p']), node('Sqrt', ['p'], ['r']), node('Exp', ['feat'], ['e']), node('Erf', ['feat'], ['f']), node('Selu', ['feat'], ['u']), node('Sum', ['r', 'e', 'f', 'u'], ['s']), flat('s')], [floatTensor('one', [], [1])]), 'nonlinear'],
  ['Cast to float + MatMul on the last axis (rank 4)', withFeat([node('Cast', ['feat'], ['c'], { to: { i: 1 } }), node('MatMul', ['c', 'wm'], ['mm']), flat('mm')], [randomTensor('wm', [8, 3], 5)]), 'affine'],
  ['Softmax in the middle, then Gemm', withFeat([...gapFlat('feat').slice(0, 1), node('Flatten', ['gap'], ['fl']), node('Softmax', ['fl'], ['sm'], { axis: { i: 1 } }), node('Gemm', ['sm', 'wg'], ['y'], { transB: { i: 1 } })], [randomTensor('wg', [3, 4], 8)]), 'nonlinear'],
  ['Mul of two feature paths', withFeat([node('Sigmoid', ['feat'], ['a']), node('Mul', ['feat', 'a'], ['m']), flat('m')]), 'nonlinear'],
  ...networkCases,
];

describe('ONNX head ops vs ONNX Runtime', () => {
  beforeAll(async () => {
    await useBackend();
  });
  afterAll(removeWrittenModels);

  it.each(cases)('%s', async (_name, spec, linearity) => {
    const c = await checkHead(buildModel(spec), 'feat');
    expect(c.outputError).toBeLessThan(1e-5);
    expect(c.gradientError).toBeLessThan(5e-3);
    expect(c.linearity).toBe(linearity);
    if (linearity === 'nonlinear') expect(c.affineError).toBeNull();
    else expect(c.affineError!).toBeLessThan(1e-5);
    expect(c.leaked).toBe(0);
  });

  it('strips a final Softmax (the head gives logits; softmax of them is the model output)', async () => {
    const spec = withFeat([node('GlobalAveragePool', ['feat'], ['gap']), node('Flatten', ['gap'], ['fl']), node('Gemm', ['fl', 'wg'], ['z'], { transB: { i: 1 } }), node('Softmax', ['z'], ['y'], { axis: { i: 1 } })], [randomTensor('wg', [6, 4], 8, 3)]);
    const c = await checkHead(buildModel(spec), 'feat');
    expect(c.softmaxRemoved).toBe(true);
    expect(c.linearity).toBe('gap-affine');
    expect(c.outputError).toBeLessThan(1e-5);
  });

  it('reads tensors from before the chosen layer as side outputs of the backbone (skip connection)', async () => {
    const spec: GraphSpec = {
      nodes: [
        node('Conv', ['x', 'w0'], ['skip'], { pads: { ints: [1, 1, 1, 1] } }),
        node('Relu', ['skip'], ['feat']),
        node('Conv', ['feat', 'w1'], ['g']),
        node('Add', ['g', 'skip'], ['s']),
        node('GlobalAveragePool', ['s'], ['gap']),
        node('Flatten', ['gap'], ['y']),
      ],
      initializers: [randomTensor('w0', [4, 3, 3, 3], 1), randomTensor('w1', [4, 4, 1, 1], 2)],
      outputs: ['y'],
    };
    const c = await checkHead(buildModel(spec), 'feat');
    expect(c.side).toBe(1);
    expect(c.linearity).toBe('affine');
    expect(c.outputError).toBeLessThan(1e-5);
    expect(c.gradientError).toBeLessThan(5e-3);
    expect(c.affineError!).toBeLessThan(1e-5);
    expect(c.leaked).toBe(0);
  });

  it('refuses Resize clearly, naming the operator and its mode', async () => {
    await expect(checkHead(buildModel(resizeSpec), 'feat')).rejects.toThrow(/Resize.*mode linear/);
  });

  it('takes --layer as a node name too', async () => {
    const spec = withFeat([node('Relu', ['feat'], ['a'], {}, 'my_relu'), node('Conv', ['a', 'w1'], ['c'], {}, 'last_conv'), ...gapFlat('c')], [randomTensor('w1', [3, 4, 1, 1], 1)]);
    const c = await checkHead(buildModel(spec), 'my_relu');
    expect(c.linearity).toBe('gap-affine');
    expect(c.outputError).toBeLessThan(1e-5);
  });
});
