// The head translator against the ONNX project's own operator conformance cases
// (../shared/fixtures/onnx-node-tests, ONNX 1.12): every case either matches its reference outputs
// or is refused with a message naming the operator and what it cannot take. REFUSED lists each
// refused case with its reason, so a newly refused case (or a changed reason) is noticed.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../attention/setup.js';
import { haveFixture, fixture } from '../helpers/fixtures.js';
import { runConformance } from '../../src/models/onnx/conformance.js';
import { readCase } from '../../src/models/onnx/conformanceCase.js';
import { compareValues, summarise, type CaseResult } from '../../src/models/onnx/conformanceCompare.js';

const CASES = 'onnx-node-tests';

/** case -> the end of its refusal message (after "node NAME (Op): "). */
const REFUSED: Record<string, string> = {
  test_add_uint8: "input \"x\" has element type UINT8 (a head computes in float32)",
  test_averagepool_1d_default: "only 2-D (NCHW) inputs are supported, got shape [1, 3, 32]",
  test_averagepool_3d_default: "only 2-D (NCHW) inputs are supported, got shape [1, 3, 32, 32, 32]",
  test_batchnorm_epsilon_training_mode: "BatchNormalization with training_mode=1 is not supported",
  test_batchnorm_example_training_mode: "BatchNormalization with training_mode=1 is not supported",
  test_cast_BFLOAT16_to_FLOAT: "input \"input\" has element type UINT16 (a head computes in float32)",
  test_cast_DOUBLE_to_FLOAT: "input \"input\" has element type DOUBLE (a head computes in float32)",
  test_cast_DOUBLE_to_FLOAT16: "input \"input\" has element type DOUBLE (a head computes in float32)",
  test_cast_FLOAT16_to_DOUBLE: "input \"input\" has element type FLOAT16 (a head computes in float32)",
  test_cast_FLOAT16_to_FLOAT: "input \"input\" has element type FLOAT16 (a head computes in float32)",
  test_cast_FLOAT_to_BFLOAT16: "ONNX Runtime cannot load the case: Unsupported data type: 16",
  test_cast_FLOAT_to_FLOAT16: "Cast to=10 (FLOAT16) is not supported (float, double, int32 and int64 are)",
  test_cast_FLOAT_to_STRING: "Cast to=8 (STRING) is not supported (float, double, int32 and int64 are)",
  test_cast_STRING_to_FLOAT: "input \"input\" has element type STRING (a head computes in float32)",
  test_clip_default_int8_inbounds: "input \"x\" has element type INT8 (a head computes in float32)",
  test_clip_default_int8_max: "input \"x\" has element type INT8 (a head computes in float32)",
  test_clip_default_int8_min: "input \"x\" has element type INT8 (a head computes in float32)",
  test_concat_1d_axis_0: "Concat with axis=0 (the batch axis) is not supported",
  test_concat_1d_axis_negative_1: "Concat with axis=-1 (the batch axis) is not supported",
  test_concat_2d_axis_0: "Concat with axis=0 (the batch axis) is not supported",
  test_concat_2d_axis_negative_2: "Concat with axis=-2 (the batch axis) is not supported",
  test_concat_3d_axis_0: "Concat with axis=0 (the batch axis) is not supported",
  test_concat_3d_axis_negative_3: "Concat with axis=-3 (the batch axis) is not supported",
  test_constant: "the graph reads no input (a head reads its features)",
  test_convtranspose: "op ConvTranspose is not supported in the head",
  test_convtranspose_1d: "op ConvTranspose is not supported in the head",
  test_convtranspose_3d: "op ConvTranspose is not supported in the head",
  test_div_uint8: "input \"x\" has element type UINT8 (a head computes in float32)",
  test_flatten_axis0: "Flatten with axis=0 (flattening the batch axis away) is not supported",
  test_flatten_negative_axis4: "Flatten with axis=-4 (flattening the batch axis away) is not supported",
  test_gather_0: "Gather with axis=0 (the batch axis) is not supported",
  test_gather_elements_0: "op GatherElements is not supported in the head",
  test_gather_elements_1: "op GatherElements is not supported in the head",
  test_gather_elements_negative_indices: "op GatherElements is not supported in the head",
  test_gather_negative_indices: "Gather with axis=0 (the batch axis) is not supported",
  test_identity_opt: "input \"opt_in\" is not a tensor (sequences and optionals are not supported)",
  test_identity_sequence: "input \"x\" is not a tensor (sequences and optionals are not supported)",
  test_layer_normalization_2d_axis0: "LayerNormalization with axis 0 (over the batch axis) is not supported",
  test_layer_normalization_2d_axis0_expanded: "Flatten with axis=0 (flattening the batch axis away) is not supported",
  test_logsoftmax_axis_0: "LogSoftmax with axis 0 (the batch axis) is not supported",
  test_logsoftmax_axis_0_expanded: "ReduceMax over axis 0 (the batch axis) is not supported",
  test_lrn: "op LRN is not supported in the head",
  test_lrn_default: "op LRN is not supported in the head",
  test_max_float16: "input \"data_0\" has element type FLOAT16 (a head computes in float32)",
  test_max_float64: "input \"data_0\" has element type DOUBLE (a head computes in float32)",
  test_max_int16: "input \"data_0\" has element type INT16 (a head computes in float32)",
  test_max_int64: "input \"data_0\" has element type INT64 (a head computes in float32)",
  test_max_int8: "input \"data_0\" has element type INT8 (a head computes in float32)",
  test_max_uint16: "input \"data_0\" has element type UINT16 (a head computes in float32)",
  test_max_uint32: "input \"data_0\" has element type UINT32 (a head computes in float32)",
  test_max_uint64: "input \"data_0\" has element type UINT64 (a head computes in float32)",
  test_max_uint8: "input \"data_0\" has element type UINT8 (a head computes in float32)",
  test_maxpool_1d_default: "only 2-D (NCHW) inputs are supported, got shape [1, 3, 32]",
  test_maxpool_2d_uint8: "input \"x\" has element type UINT8 (a head computes in float32)",
  test_maxpool_3d_default: "only 2-D (NCHW) inputs are supported, got shape [1, 3, 32, 32, 32]",
  test_maxpool_with_argmax_2d_precomputed_pads: "the Indices output of MaxPool is not supported",
  test_maxpool_with_argmax_2d_precomputed_strides: "the Indices output of MaxPool is not supported",
  test_min_float16: "input \"data_0\" has element type FLOAT16 (a head computes in float32)",
  test_min_float64: "input \"data_0\" has element type DOUBLE (a head computes in float32)",
  test_min_int16: "input \"data_0\" has element type INT16 (a head computes in float32)",
  test_min_int64: "input \"data_0\" has element type INT64 (a head computes in float32)",
  test_min_int8: "input \"data_0\" has element type INT8 (a head computes in float32)",
  test_min_uint16: "input \"data_0\" has element type UINT16 (a head computes in float32)",
  test_min_uint32: "input \"data_0\" has element type UINT32 (a head computes in float32)",
  test_min_uint64: "input \"data_0\" has element type UINT64 (a head computes in float32)",
  test_min_uint8: "input \"data_0\" has element type UINT8 (a head computes in float32)",
  test_mul_uint8: "input \"x\" has element type UINT8 (a head computes in float32)",
  test_reduce_max_default_axes_keepdim_example: "ReduceMax over axis 0 (the batch axis: no axes means all) is not supported",
  test_reduce_max_default_axes_keepdims_random: "ReduceMax over axis 0 (the batch axis: no axes means all) is not supported",
  test_reduce_mean_default_axes_keepdims_example: "ReduceMean over axis 0 (the batch axis: no axes means all) is not supported",
  test_reduce_mean_default_axes_keepdims_random: "ReduceMean over axis 0 (the batch axis: no axes means all) is not supported",
  test_reduce_sum_default_axes_keepdims_example: "ReduceSum over axis 0 (the batch axis: no axes means all) is not supported",
  test_reduce_sum_default_axes_keepdims_random: "ReduceSum over axis 0 (the batch axis: no axes means all) is not supported",
  test_reduce_sum_square_default_axes_keepdims_example: "ReduceSumSquare over axis 0 (the batch axis: no axes means all) is not supported",
  test_reduce_sum_square_default_axes_keepdims_random: "ReduceSumSquare over axis 0 (the batch axis: no axes means all) is not supported",
  test_resize_downsample_scales_cubic: "Resize (mode cubic) is not supported in the head",
  test_resize_downsample_scales_cubic_A_n0p5_exclude_outside: "Resize (mode cubic) is not supported in the head",
  test_resize_downsample_scales_cubic_align_corners: "Resize (mode cubic) is not supported in the head",
  test_slice: "Slice on axis 0 (the batch axis) is not supported",
  test_slice_neg_steps: "Slice on axis 0 (the batch axis) is not supported",
  test_softmax_axis_0: "Softmax with axis 0 (the batch axis) is not supported",
  test_softmax_axis_0_expanded: "ReduceMax over axis 0 (the batch axis) is not supported",
  test_squeeze: "Squeeze with axes [0] removes the batch axis (not supported)",
  test_sub_uint8: "input \"x\" has element type UINT8 (a head computes in float32)",
  test_transpose_all_permutations_2: "Transpose with perm [1, 0, 2] moves the batch axis (not supported)",
  test_transpose_all_permutations_3: "Transpose with perm [1, 2, 0] moves the batch axis (not supported)",
  test_transpose_all_permutations_4: "Transpose with perm [2, 0, 1] moves the batch axis (not supported)",
  test_transpose_all_permutations_5: "Transpose with perm [2, 1, 0] moves the batch axis (not supported)",
  test_transpose_default: "Transpose with perm [2, 1, 0] moves the batch axis (not supported)",
  test_unsqueeze_axis_0: "Unsqueeze with axes [0] moves the batch axis (not supported)",
};

describe('conformance comparison', () => {
  it('uses rtol 1e-3 and atol 1e-4 for floats, exact integers, and checks shapes', () => {
    expect(compareValues([1.0005], [1], [1], [1], false).ok).toBe(true);
    expect(compareValues([1.002], [1], [1], [1], false).ok).toBe(false);
    expect(compareValues([5e-5], [1], [0], [1], false).ok).toBe(true);
    expect(compareValues([3], [1], [2], [1], true).ok).toBe(false);
    expect(compareValues([NaN], [1], [NaN], [1], false).ok).toBe(true);
    expect(compareValues([1, 2], [2], [1, 2], [1, 2], false).message).toMatch(/shape/);
  });
});

describe.skipIf(!haveFixture(CASES))('ONNX operator conformance (ONNX 1.12 backend tests)', () => {
  let results: CaseResult[] = [];
  let leaked = 0;
  beforeAll(async () => {
    await useBackend();
    const before = tf.memory().numTensors;
    results = await runConformance([fixture(CASES)]);
    leaked = tf.memory().numTensors - before;
  });
  afterAll(() => undefined);

  it('runs every case, fails none, and leaks no tensors', () => {
    const s = summarise(results);
    expect(s.total).toBe(305);
    expect(results.filter((r) => r.status === 'fail').map((r) => `${r.name}: ${r.message}`)).toEqual([]);
    expect(leaked).toBe(0);
  });

  it('refuses exactly the listed cases, each for its listed reason', () => {
    const refused = Object.fromEntries(results.filter((r) => r.status === 'refused').map((r) => [r.name, r.message]));
    expect(Object.keys(refused).sort()).toEqual(Object.keys(REFUSED).sort());
    for (const [name, reason] of Object.entries(REFUSED)) expect(refused[name], name).toContain(reason);
  });

  it('names the operator in every refusal', () => {
    for (const r of results.filter((x) => x.status === 'refused')) {
      const ops = (readCase(path.join(fixture(CASES), r.name)).model.graph!.node ?? []).map((n) => n.opType!);
      expect(r.message, r.name).toMatch(/^node /);
      expect(ops.some((op) => r.message.includes(op)), `${r.name}: ${r.message}`).toBe(true);
    }
  });
});
