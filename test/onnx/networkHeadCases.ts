// Head ops that real classification and embedding networks bring (what PyTorch exports for
// torchvision's ResNet, MobileNetV3, EfficientNet, ConvNeXt, RegNet) and the attributes the
// conformance cases exercise, each in a small model; headOps.test.ts checks them with the others.
import { floatTensor, int64Tensor, node, randomTensor, type GraphSpec } from './buildOnnx.js';
import { flat, gapFlat, withFeat } from './headSpecs.js';

const scalar = (name: string, v: number) => floatTensor(name, [], [v]);

export const networkCases: [string, GraphSpec, 'affine' | 'nonlinear'][] = [
  // ConvNeXt: channels-last LayerNorm between two permutes (opset 17)
  ['LayerNormalization over channels (ConvNeXt)', withFeat([
    node('Transpose', ['feat'], ['t'], { perm: { ints: [0, 2, 3, 1] } }),
    node('LayerNormalization', ['t', 'ls', 'lb'], ['ln'], { axis: { i: -1 }, epsilon: { f: 1e-6 } }),
    node('Transpose', ['ln'], ['u'], { perm: { ints: [0, 3, 1, 2] } }),
    ...gapFlat('u'),
  ], [randomTensor('ls', [4], 1), randomTensor('lb', [4], 2)], 17), 'nonlinear'],
  // LayerNorm2d as older exports spell it: ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div
  ['ReduceMean-based channel norm', withFeat([
    node('ReduceMean', ['feat'], ['mu'], { axes: { ints: [1] } }),
    node('Sub', ['feat', 'mu'], ['d']),
    node('Pow', ['d', 'two'], ['d2']),
    node('ReduceMean', ['d2'], ['var'], { axes: { ints: [1] } }),
    node('Add', ['var', 'eps'], ['ve']),
    node('Sqrt', ['ve'], ['sd']),
    node('Div', ['d', 'sd'], ['n']),
    flat('n'),
  ], [scalar('two', 2), scalar('eps', 1e-5)]), 'nonlinear'],
  ['GELU from Erf', withFeat([
    node('Div', ['feat', 'sqrt2'], ['a']),
    node('Erf', ['a'], ['e']),
    node('Add', ['e', 'one'], ['e1']),
    node('Mul', ['feat', 'e1'], ['m']),
    node('Mul', ['m', 'half'], ['g']),
    flat('g'),
  ], [scalar('sqrt2', Math.SQRT2), scalar('one', 1), scalar('half', 0.5)]), 'nonlinear'],
  // MobileNetV3: HardSwish, then squeeze-excitation gated by HardSigmoid
  ['HardSwish + squeeze-excitation with HardSigmoid', withFeat([
    node('HardSwish', ['feat'], ['h']),
    node('GlobalAveragePool', ['h'], ['p']),
    node('Conv', ['p', 'se1'], ['q']),
    node('Relu', ['q'], ['r']),
    node('Conv', ['r', 'se2'], ['s']),
    node('HardSigmoid', ['s'], ['g'], { alpha: { f: 1 / 6 } }),
    node('Mul', ['h', 'g'], ['m']),
    flat('m'),
  ], [randomTensor('se1', [2, 4, 1, 1], 3), randomTensor('se2', [4, 2, 1, 1], 4)], 14), 'nonlinear'],
  ['Softmax over channels of a 4-D tensor (opset 13)', withFeat([node('Softmax', ['feat'], ['s'], { axis: { i: 1 } }), node('Mul', ['s', 'k'], ['m']), flat('m')], [scalar('k', 2)]), 'nonlinear'],
  ['Softmax from axis 1 of a 4-D tensor (opset 11: flattened)', withFeat([node('Softmax', ['feat'], ['s'], { axis: { i: 1 } }), node('Mul', ['s', 'k'], ['m']), flat('m')], [scalar('k', 2)], 11), 'nonlinear'],
  ['LogSoftmax over the last axis', withFeat([node('LogSoftmax', ['feat'], ['s'], { axis: { i: -1 } }), flat('s')]), 'nonlinear'],
  ['Slice with steps 2 and -1', withFeat([node('Slice', ['feat', 'st', 'en', 'ax', 'sp'], ['s']), flat('s')], [int64Tensor('st', [2], [1, -1]), int64Tensor('en', [2], [8, -100]), int64Tensor('ax', [2], [2, 3]), int64Tensor('sp', [2], [2, -1])]), 'affine'],
  ['Pad reflect', withFeat([node('Pad', ['feat', 'pp'], ['p'], { mode: { s: 'reflect' } }), flat('p')], [int64Tensor('pp', [8], [0, 0, 1, 2, 0, 0, 2, 1])]), 'affine'],
  ['Pad edge', withFeat([node('Pad', ['feat', 'pp'], ['p'], { mode: { s: 'edge' } }), flat('p')], [int64Tensor('pp', [8], [0, 0, 2, 1, 0, 0, 1, 2])]), 'affine'],
  ['MaxPool with dilations', withFeat([node('MaxPool', ['feat'], ['p'], { kernel_shape: { ints: [2, 2] }, dilations: { ints: [2, 2] }, strides: { ints: [1, 1] } }), flat('p')]), 'nonlinear'],
  // EfficientNet/RegNet: depthwise and grouped convs, strided and dilated
  ['Conv depthwise, stride 2 and dilation 2 together', withFeat([node('Conv', ['feat', 'dw'], ['c'], { group: { i: 4 }, pads: { ints: [2, 2, 2, 2] }, strides: { ints: [2, 2] }, dilations: { ints: [2, 2] } }), flat('c')], [randomTensor('dw', [8, 1, 3, 3], 7)]), 'affine'],
  // (ONNX Runtime takes no dilations with SAME padding, so the two are checked apart)
  ['Conv dilated (DeepLab-style backbones)', withFeat([node('Conv', ['feat', 'cw'], ['c'], { pads: { ints: [2, 2, 2, 2] }, dilations: { ints: [2, 2] }, strides: { ints: [2, 2] } }), flat('c')], [randomTensor('cw', [3, 4, 3, 3], 9)]), 'affine'],
  ['Conv grouped, dilated', withFeat([node('Conv', ['feat', 'gw'], ['c'], { group: { i: 2 }, pads: { ints: [1, 0, 2, 1] }, dilations: { ints: [2, 1] } }), flat('c')], [randomTensor('gw', [4, 2, 2, 2], 8)]), 'affine'],
  ['Conv grouped, SAME_LOWER, even kernel', withFeat([node('Conv', ['feat', 'gw'], ['c'], { group: { i: 2 }, auto_pad: { s: 'SAME_LOWER' }, kernel_shape: { ints: [2, 2] } }), flat('c')], [randomTensor('gw', [4, 2, 2, 2], 8)]), 'affine'],
  ['InstanceNormalization', withFeat([node('InstanceNormalization', ['feat', 'is', 'ib'], ['n']), flat('n')], [randomTensor('is', [4], 5), randomTensor('ib', [4], 6)]), 'nonlinear'],
  // F.interpolate(scale_factor=2, mode='nearest') as PyTorch exports it, and half_pixel rounding
  ['Resize nearest x2 (asymmetric, floor)', withFeat([node('Resize', ['feat', '', 'sc'], ['r'], { mode: { s: 'nearest' }, coordinate_transformation_mode: { s: 'asymmetric' }, nearest_mode: { s: 'floor' } }), flat('r')], [floatTensor('sc', [4], [1, 1, 2, 2])]), 'affine'],
  ['Resize nearest 3x2 (half_pixel, sizes)', withFeat([node('Resize', ['feat', '', '', 'sz'], ['r'], { mode: { s: 'nearest' } }), flat('r')], [int64Tensor('sz', [4], [1, 4, 24, 16])]), 'affine'],
  ['L2-normalised embedding (ReduceL2, Div)', withFeat([
    node('GlobalAveragePool', ['feat'], ['gap']),
    node('Flatten', ['gap'], ['f']),
    node('ReduceL2', ['f'], ['l'], { axes: { ints: [1] } }),
    node('Div', ['f', 'l'], ['y']),
  ]), 'nonlinear'],
];

/** Resize (linear, 2x): refused, naming the operator and its mode. */
export const resizeSpec: GraphSpec = withFeat([node('Resize', ['feat', '', 'sc'], ['r'], { mode: { s: 'linear' } }), ...gapFlat('r')], [floatTensor('sc', [4], [1, 1, 2, 2])]);
