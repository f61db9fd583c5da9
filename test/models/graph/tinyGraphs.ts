// Tiny graph models for the tests, built with graphBuilder.ts.
import { attr, GraphBuilder } from './graphBuilder.js';

const SAME = attr.s('SAME');
const VALID = attr.s('VALID');
const ones4 = attr.ints([1, 1, 1, 1]);

/**
 * A classifier: Conv2D -> BiasAdd -> Relu; depthwise conv (multiplier 2, stride 2) -> BiasAdd ->
 * Relu6; _FusedConv2D [BiasAdd, Relu]; FusedDepthwiseConv2dNative [BiasAdd, Relu6]; 1x1 Conv2D ->
 * BiasAdd; Mean over H, W; MatMul -> BiasAdd; Softmax -> Identity. reduceOp replaces the Mean
 * (to test an unsupported op).
 */
export function convClassifier(reduceOp = 'Mean', inputShape = [-1, 12, 12, 3]): GraphBuilder {
  const g = new GraphBuilder(11);
  g.placeholder('x', inputShape);
  const conv = (name: string, x: string, w: string, strides = ones4, padding = SAME) =>
    g.op(name, 'Conv2D', [x, w], { strides, padding, data_format: attr.s('NHWC'), dilations: ones4, use_cudnn_on_gpu: attr.b(true) });
  conv('c1', 'x', g.random('w1', [3, 3, 3, 8], 0.4));
  g.op('b1', 'BiasAdd', ['c1', g.random('bias1', [8], 0.1)], { data_format: attr.s('NHWC') });
  g.op('r1', 'Relu', ['b1']);
  g.op('dw2', 'DepthwiseConv2dNative', ['r1', g.random('wd2', [3, 3, 8, 2], 0.4)], {
    strides: attr.ints([1, 2, 2, 1]),
    padding: SAME,
    data_format: attr.s('NHWC'),
    dilations: ones4,
  });
  g.op('b2', 'BiasAdd', ['dw2', g.random('bias2', [16], 0.1)]);
  g.op('r2', 'Relu6', ['b2']);
  g.op('f3', '_FusedConv2D', ['r2', g.random('w3', [3, 3, 16, 12], 0.2), g.random('bias3', [12], 0.1)], {
    strides: ones4,
    padding: SAME,
    data_format: attr.s('NHWC'),
    dilations: ones4,
    fused_ops: attr.strs(['BiasAdd', 'Relu']),
    num_args: attr.i(1),
    epsilon: attr.f(0),
  });
  g.op('f4', 'FusedDepthwiseConv2dNative', ['f3', g.random('wd4', [3, 3, 12, 1], 0.4), g.random('bias4', [12], 0.1)], {
    strides: ones4,
    padding: SAME,
    data_format: attr.s('NHWC'),
    dilations: ones4,
    fused_ops: attr.strs(['BiasAdd', 'Relu6']),
    num_args: attr.i(1),
  });
  conv('pw5', 'f4', g.random('w5', [1, 1, 12, 10], 0.4), ones4, VALID);
  g.op('b5', 'BiasAdd', ['pw5', g.random('bias5', [10], 0.1)]);
  g.op('gap', reduceOp, ['b5', g.constant('axes', [2], [1, 2], 'int32')], { keep_dims: attr.b(false), Tidx: attr.type('DT_INT32') });
  g.op('fc', 'MatMul', ['gap', g.random('wfc', [10, 5], 0.6)], { transpose_a: attr.b(false), transpose_b: attr.b(false) });
  g.op('logits', 'BiasAdd', ['fc', g.random('bfc', [5], 0.1)]);
  g.op('probs', 'Softmax', ['logits']);
  g.op('output', 'Identity', ['probs']);
  return g;
}

/**
 * An embedding-ended net with a skip connection and a Keras-style Flatten: Conv2D (valid) ->
 * BiasAdd -> LeakyRelu = a1; 1x1 Conv2D = c2; res = c2 + a1; concat(res, a1); Pad; AvgPool 2x2;
 * Reshape to [-1, 300] with the shape computed by Shape -> StridedSlice -> Pack; _FusedMatMul
 * [BiasAdd].
 */
export function residualNet(): GraphBuilder {
  const g = new GraphBuilder(23);
  g.placeholder('x', [1, 10, 10, 3]);
  g.op('c1', 'Conv2D', ['x', g.random('w1', [3, 3, 3, 6], 0.4)], { strides: ones4, padding: VALID, dilations: ones4 });
  g.op('b1', 'BiasAdd', ['c1', g.random('bias1', [6], 0.1)]);
  g.op('a1', 'LeakyRelu', ['b1'], { alpha: attr.f(0.2) });
  g.op('c2', 'Conv2D', ['a1', g.random('w2', [1, 1, 6, 6], 0.4)], { strides: ones4, padding: VALID, dilations: ones4 });
  g.op('res', 'AddV2', ['c2', 'a1']);
  g.op('cat', 'ConcatV2', ['res', 'a1', g.constant('axis', [], [3], 'int32')], { N: attr.i(2), Tidx: attr.type('DT_INT32') });
  g.op('pad', 'Pad', ['cat', g.constant('paddings', [4, 2], [0, 0, 1, 1, 1, 1, 0, 0], 'int32')], { Tpaddings: attr.type('DT_INT32') });
  g.op('pool', 'AvgPool', ['pad'], { ksize: attr.ints([1, 2, 2, 1]), strides: attr.ints([1, 2, 2, 1]), padding: VALID, data_format: attr.s('NHWC') });
  g.op('shape', 'Shape', ['pool'], { T: attr.type('DT_FLOAT'), out_type: attr.type('DT_INT32') });
  g.op('batch', 'StridedSlice', ['shape', g.constant('b0', [1], [0], 'int32'), g.constant('b1e', [1], [1], 'int32'), g.constant('s1', [1], [1], 'int32')], {
    T: attr.type('DT_INT32'),
    Index: attr.type('DT_INT32'),
    begin_mask: attr.i(0),
    end_mask: attr.i(0),
    ellipsis_mask: attr.i(0),
    new_axis_mask: attr.i(0),
    shrink_axis_mask: attr.i(1),
  });
  g.op('flat_shape', 'Pack', ['batch', g.constant('minus1', [], [-1], 'int32')], { T: attr.type('DT_INT32'), N: attr.i(2), axis: attr.i(0) });
  g.op('flat', 'Reshape', ['pool', 'flat_shape'], { Tshape: attr.type('DT_INT32') });
  g.op('fc', '_FusedMatMul', ['flat', g.random('wfc', [300, 7], 0.1), g.random('bfc', [7], 0.1)], {
    transpose_a: attr.b(false),
    transpose_b: attr.b(false),
    fused_ops: attr.strs(['BiasAdd']),
    num_args: attr.i(1),
    epsilon: attr.f(0),
  });
  return g;
}

/**
 * A TF-slim style ending (as in MobileNet v2 from TF Hub): _FusedConv2D [BiasAdd, Relu6] with
 * stride 2 -> FusedBatchNormV3 -> Mul and AddV2 by per-channel constants -> AvgPool over the whole
 * map -> 1x1 Conv2D -> BiasAdd -> Squeeze -> Softmax.
 */
export function slimHead(): GraphBuilder {
  const g = new GraphBuilder(37);
  g.placeholder('x', [-1, 8, 8, 3]);
  g.op('conv', '_FusedConv2D', ['x', g.random('w1', [3, 3, 3, 16], 0.4), g.random('bias1', [16], 0.1)], {
    strides: attr.ints([1, 2, 2, 1]),
    padding: SAME,
    data_format: attr.s('NHWC'),
    dilations: ones4,
    fused_ops: attr.strs(['BiasAdd', 'Relu6']),
    num_args: attr.i(1),
  });
  const pos = (name: string) => g.constant(name, [16], Array.from({ length: 16 }, (_, i) => 0.5 + ((i * 7) % 5) / 4));
  g.op('bn', 'FusedBatchNormV3', ['conv', pos('gamma'), g.random('beta', [16], 0.1), g.random('mean', [16], 0.2), pos('var')], {
    epsilon: attr.f(0.001),
    data_format: attr.s('NHWC'),
    is_training: attr.b(false),
    U: attr.type('DT_FLOAT'),
  });
  g.op('scaled', 'Mul', ['bn', g.random('scale', [16], 1)]);
  g.op('shifted', 'AddV2', ['scaled', g.random('shift', [16], 0.2)]);
  g.op('pool', 'AvgPool', ['shifted'], { ksize: attr.ints([1, 4, 4, 1]), strides: attr.ints([1, 2, 2, 1]), padding: VALID, data_format: attr.s('NHWC') });
  g.op('c2', 'Conv2D', ['pool', g.random('w2', [1, 1, 16, 6], 0.4)], { strides: ones4, padding: SAME, dilations: ones4 });
  g.op('logits4d', 'BiasAdd', ['c2', g.random('bias2', [6], 0.1)]);
  g.op('logits', 'Squeeze', ['logits4d'], { squeeze_dims: attr.ints([1, 2]) });
  g.op('probs', 'Softmax', ['logits']);
  return g;
}

/** Conv2D -> BiasAdd -> swish (x * Sigmoid(x)) -> Mean -> MatMul. */
export function swishNet(): GraphBuilder {
  const g = new GraphBuilder(41);
  g.placeholder('x', [-1, 6, 6, 3]);
  g.op('c', 'Conv2D', ['x', g.random('w', [3, 3, 3, 8], 0.4)], { strides: ones4, padding: SAME, dilations: ones4 });
  g.op('b', 'BiasAdd', ['c', g.random('bias', [8], 0.1)]);
  g.op('gate', 'Sigmoid', ['b']);
  g.op('swish', 'Mul', ['b', 'gate']);
  g.op('gap', 'Mean', ['swish', g.constant('axes', [2], [1, 2], 'int32')], { keep_dims: attr.b(false) });
  g.op('logits', 'MatMul', ['gap', g.random('wfc', [8, 4], 0.5)]);
  return g;
}
