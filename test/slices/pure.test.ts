// The pure pieces of the volume pipeline: slice input, map back, 3-D resampling, weights, window
// parsing, output names, progress, model input shape, peaks, requests.
import { describe, it, expect } from 'vitest';
import { greyToRgb, sliceInput } from '../../src/slices/sliceInput.js';
import { mapToSlice } from '../../src/slices/mapToSlice.js';
import { resampleTrilinear } from '../../src/slices/resample3d.js';
import { sliceWeight } from '../../src/slices/weighting.js';
import { formatWindow, parseWindow } from '../../src/slices/parseWindow.js';
import { outputNames, splitNiftiName } from '../../src/slices/outputNames.js';
import { progressTracker } from '../../src/slices/progressRate.js';
import { topologyInputShape } from '../../src/slices/modelInputShape.js';
import { peakOf } from '../../src/slices/peak.js';
import { concreteRequest, requestTemplates } from '../../src/slices/requests.js';
import { volumeInputValues } from '../../src/slices/analyzeWhole.js';
import { softmax } from '../../src/engine/predictions.js';

describe('sliceInput', () => {
  it('pads a wide slice top and bottom, grey in all three channels, along the right axis', () => {
    // dims [8, 4, 2]: axis z gives 8 x 4 slices; slice 1 is 1, slice 0 is 0.
    const dims: [number, number, number] = [8, 4, 2];
    const data = new Float32Array(64);
    for (let n = 32; n < 64; n++) data[n] = 1;
    const one = sliceInput({ dims, spacing: [1, 1, 1], data }, 'z', 1, 16);
    expect(one.fit.contentBox).toEqual({ x: 0, y: 4, width: 16, height: 8 });
    expect(one.rgb.length).toBe(16 * 16 * 3);
    const px = (x: number, y: number) => Array.from(one.rgb.subarray(3 * (x + 16 * y), 3 * (x + 16 * y) + 3));
    expect(px(5, 2)).toEqual([0, 0, 0]); // padding
    expect(px(5, 8)).toEqual([255, 255, 255]); // content
    const zero = sliceInput({ dims, spacing: [1, 1, 1], data }, 'z', 0, 16);
    expect(Math.max(...zero.rgb)).toBe(0);
  });

  it('greyToRgb clamps and maps NaN to 0', () => {
    expect(Array.from(greyToRgb([-1, 0.5, 2, NaN]))).toEqual([0, 0, 0, 128, 128, 128, 255, 255, 255, 0, 0, 0]);
  });
});

describe('mapToSlice', () => {
  it('undoes the padding: a map hot in one corner of the content lands in that corner of the slice', () => {
    // slice 20 x 10 (u x v) in a 16 x 16 square: content rows 4..11. A 4 x 4 map, hot cell at
    // column 3, row 2 = right edge, lower half of the content.
    const fit = { boxWidth: 16, boxHeight: 16, contentBox: { x: 0, y: 4, width: 16, height: 8 }, sourceWidth: 20, sourceHeight: 10 };
    const map = new Float32Array(16);
    map[3 + 4 * 2] = 1;
    const out = mapToSlice(map, 4, 4, fit);
    expect(out.length).toBe(200);
    let best = 0;
    for (let i = 1; i < out.length; i++) if (out[i]! > out[best]!) best = i;
    const u = best % 20;
    const v = Math.floor(best / 20);
    expect(u).toBeGreaterThanOrEqual(15); // the right quarter
    expect(v).toBeGreaterThanOrEqual(5); // the lower half of the content
    // a hot cell at the top-left instead lands top-left: no flip in u or v
    const tl = new Float32Array(16);
    tl[0 + 4 * 1] = 1; // row 1 is the first row inside the content
    const back = mapToSlice(tl, 4, 4, fit);
    let b2 = 0;
    for (let i = 1; i < back.length; i++) if (back[i]! > back[b2]!) b2 = i;
    expect(b2 % 20).toBe(0);
    // the cell's centre, square row 5.5 = content row 1.5 of 8 -> slice row 1.5 / 8 * 10 = 1.9
    expect(Math.floor(b2 / 20)).toBe(2);
  });
});

describe('resampleTrilinear', () => {
  it('is the identity at the same size and reproduces a linear ramp inside', () => {
    const dims: [number, number, number] = [3, 4, 5];
    const src = Float32Array.from({ length: 60 }, (_, n) => n);
    expect(Array.from(resampleTrilinear(src, dims, dims))).toEqual(Array.from(src));
    // f = x + 10 y + 100 z at centres; 2x upsampling: interior samples stay on the plane
    const ramp = new Float32Array(60);
    for (let z = 0; z < 5; z++) for (let y = 0; y < 4; y++) for (let x = 0; x < 3; x++) ramp[x + 3 * (y + 4 * z)] = x + 10 * y + 100 * z;
    const up = resampleTrilinear(ramp, dims, [6, 8, 10]);
    // output (3, 3, 5) samples source (1.25, 1.25, 2.25)
    expect(up[3 + 6 * (3 + 8 * 5)]).toBeCloseTo(1.25 + 12.5 + 225, 4);
    // edges repeat: output 0 samples source -0.25 -> clamped to 0
    expect(up[0]).toBe(0);
  });

  it('keeps the position of a hot voxel along each axis (no axis swapped)', () => {
    const src = new Float32Array(2 * 3 * 4);
    src[1 + 2 * (0 + 3 * 3)] = 1; // x = 1, y = 0, z = 3
    const out = resampleTrilinear(src, [2, 3, 4], [4, 6, 8]);
    let best = 0;
    for (let i = 1; i < out.length; i++) if (out[i]! > out[best]!) best = i;
    expect([best % 4, Math.floor(best / 4) % 6, Math.floor(best / 24)]).toEqual([3, 0, 7]);
  });

  it('refuses inconsistent sizes', () => {
    expect(() => resampleTrilinear(new Float32Array(5), [2, 2, 2], [1, 1, 1])).toThrow(/5 values, expected 2x2x2/);
    expect(() => resampleTrilinear(new Float32Array(8), [2, 2, 2], [0, 1, 1])).toThrow(/positive integers/);
  });
});

describe('sliceWeight', () => {
  const p = softmax([2, 0, -1]);
  it('class-specific: the target probability; class-oblivious: the top-1 probability; none: 1', () => {
    expect(sliceWeight('probability', p, 1)).toBeCloseTo(p[1]!, 12);
    expect(sliceWeight('probability', p, null)).toBeCloseTo(p[0]!, 12);
    expect(sliceWeight('none', p, 1)).toBe(1);
    expect(sliceWeight('probability', null, 1)).toBe(1); // embeddings have no probabilities
    expect(() => sliceWeight('probability', p, 7)).toThrow(/out of range/);
  });
});

describe('parseWindow', () => {
  it('reads percentiles and width/level', () => {
    expect(parseWindow('p1,p99')).toEqual({ kind: 'percentile', lo: 1, hi: 99 });
    expect(parseWindow('P0.5, p99.5')).toEqual({ kind: 'percentile', lo: 0.5, hi: 99.5 });
    expect(parseWindow('400/40')).toEqual({ kind: 'level', width: 400, center: 40 });
    expect(parseWindow('1500/-600')).toEqual({ kind: 'level', width: 1500, center: -600 });
    expect(formatWindow(parseWindow('400/40'))).toBe('400/40');
    expect(formatWindow(parseWindow('p1,p99'))).toBe('p1,p99');
  });
  it('refuses nonsense with the reason', () => {
    expect(() => parseWindow('1,99')).toThrow(/expected percentiles "pLO,pHI"/);
    expect(() => parseWindow('p99,p1')).toThrow(/window "p99,p1": percentile window needs 0 <= lo < hi <= 100/);
    expect(() => parseWindow('0/40')).toThrow(/width >= 1/);
  });
});

describe('outputNames', () => {
  const m = (axis: 'x' | 'y' | 'z', method: 'l2caf' | 'gradcam', target: number | null = null) => ({
    axis,
    method,
    target: target == null ? null : { index: target, label: 'c' },
    perSliceTop1: false,
  });
  it('keeps one name, adds the axis and/or map when there are several', () => {
    expect(outputNames('/o/a.nii.gz', [m('z', 'l2caf')])).toEqual(['/o/a.nii.gz']);
    expect(outputNames('a.nii', [m('x', 'l2caf'), m('y', 'l2caf'), m('z', 'l2caf')])).toEqual(['a-x.nii', 'a-y.nii', 'a-z.nii']);
    expect(outputNames('a.nii.gz', [m('z', 'l2caf'), m('z', 'gradcam', 7)])).toEqual(['a-l2caf.nii.gz', 'a-gradcam-7.nii.gz']);
    expect(outputNames('a.nii.gz', [m('x', 'gradcam', 7), m('y', 'gradcam', 7), m('x', 'gradcam', 8), m('y', 'gradcam', 8)])).toEqual([
      'a-x-gradcam-7.nii.gz',
      'a-y-gradcam-7.nii.gz',
      'a-x-gradcam-8.nii.gz',
      'a-y-gradcam-8.nii.gz',
    ]);
    expect(outputNames('a.nii.gz', [{ axis: 'z', method: 'gradcam', target: null, perSliceTop1: true }, m('z', 'l2caf')])).toEqual([
      'a-gradcam-top1.nii.gz',
      'a-l2caf.nii.gz',
    ]);
  });
  it('wants a NIfTI name', () => {
    expect(splitNiftiName('x/att.NII.GZ')).toEqual({ stem: 'x/att', ext: '.NII.GZ' });
    expect(() => splitNiftiName('att.png')).toThrow(/att.png: the output must end in .nii or .nii.gz/);
  });
});

describe('progressTracker', () => {
  it('rate from the start; time left from the slices after the first, once three are timed', () => {
    const progressOf = progressTracker();
    expect(progressOf(0, 10, 0)).toEqual({ slicesDone: 0, slicesTotal: 10, fps: 0, etaS: null });
    expect(progressOf(1, 10, 5)).toEqual({ slicesDone: 1, slicesTotal: 10, fps: 0.2, etaS: null });
    expect(progressOf(4, 10, 8)).toEqual({ slicesDone: 4, slicesTotal: 10, fps: 0.5, etaS: 6 });
    expect(progressOf(10, 10, 14).etaS).toBe(0);
  });
});

describe('topologyInputShape', () => {
  it('reads Sequential (Keras 2 and 3) and Functional topologies', () => {
    const seq = { class_name: 'Sequential', config: { name: 's', layers: [{ class_name: 'Conv3D', config: { batch_input_shape: [null, 4, 8, 8, 1] } }] } };
    expect(topologyInputShape(seq)).toEqual([4, 8, 8, 1]);
    expect(topologyInputShape({ model_config: seq })).toEqual([4, 8, 8, 1]);
    const k3 = { class_name: 'Sequential', config: { layers: [{ class_name: 'InputLayer', config: { batch_shape: [null, 2, 5, 5, 3] } }] } };
    expect(topologyInputShape(k3)).toEqual([2, 5, 5, 3]);
    const fn = {
      class_name: 'Model',
      config: {
        input_layers: [['in2', 0, 0]],
        layers: [
          { name: 'in1', class_name: 'InputLayer', config: { batch_input_shape: [null, 9, 9, 3] } },
          { name: 'in2', class_name: 'InputLayer', config: { batch_input_shape: [null, 3, 6, 6, 2] } },
        ],
      },
    };
    expect(topologyInputShape(fn)).toEqual([3, 6, 6, 2]);
    expect(topologyInputShape({ config: { layers: [{ config: {} }] } })).toBeNull();
    expect(topologyInputShape(null)).toBeNull();
  });
});

describe('volumeInputValues', () => {
  it('pixel = value * 255, then scale/offset and mean/std per channel, grey to every channel', () => {
    const out = volumeInputValues(Float32Array.from([0, 1]), 3, { scale: 1 / 255, offset: 0, channelOrder: 'rgb', mean: [0.5, 0, 0], std: [0.5, 1, 2] });
    expect(Array.from(out)).toEqual([-1, 0, 0, 1, 1, 0.5]);
    expect(Array.from(volumeInputValues(Float32Array.from([0.5]), 1, { scale: 2, offset: -1, channelOrder: 'rgb' }))).toEqual([254]);
  });
});

describe('peakOf', () => {
  it('voxel and world position of the maximum', () => {
    const data = new Float32Array(24);
    data[1 + 2 * (2 + 3 * 3)] = 5;
    const affine = [
      [2, 0, 0, 10],
      [0, -1, 0, 0],
      [0, 0, 3, -1],
      [0, 0, 0, 1],
    ];
    expect(peakOf(data, [2, 3, 4], affine)).toEqual({ voxel: [1, 2, 3], world: [12, -2, 8], value: 5 });
  });
});

describe('requestTemplates', () => {
  it('methods x classes; class-specific without classes follows each slice\'s top-1', () => {
    expect(requestTemplates(['l2caf', 'gradcam'], [3, 4])).toEqual([
      { method: 'l2caf', target: null, perSliceTop1: false },
      { method: 'gradcam', target: 3, perSliceTop1: false },
      { method: 'gradcam', target: 4, perSliceTop1: false },
    ]);
    const t = requestTemplates(['l2caf-class'], null);
    expect(t).toEqual([{ method: 'l2caf-class', target: null, perSliceTop1: true }]);
    expect(concreteRequest(t[0]!, 9)).toEqual({ method: 'l2caf-class', target: 9 });
    expect(concreteRequest({ method: 'l2caf', target: null, perSliceTop1: false }, 9)).toEqual({ method: 'l2caf', target: null });
  });
});
