// Pure parts of the ONNX engine: window geometry, thread choice, layout permutations, graph edits.
import { describe, expect, it } from 'vitest';
import { windowGeometry, windowOutput } from '../../src/models/onnx/convGeometry.js';
import { ortThreadCount, sessionOptions } from '../../src/models/onnx/ortSession.js';
import { engineShape, toChannelsFirstPerm, toChannelsLastPerm, permute } from '../../src/models/onnx/onnxLayout.js';
import { backboneModel } from '../../src/models/onnx/onnxEdit.js';
import { readGraph } from '../../src/models/onnx/onnxGraph.js';
import { decodeModel } from '../../src/models/onnx/onnxProto.js';
import { buildModel, node, randomTensor } from './buildOnnx.js';

const attrs = (o: Partial<Parameters<typeof windowGeometry>[2]> = {}) => ({ autoPad: 'NOTSET', pads: null, strides: null, dilations: null, ceilMode: false, ...o });

describe('windowGeometry', () => {
  it('splits explicit ONNX pads into begin and end', () => {
    const g = windowGeometry([8, 8], [2, 3], attrs({ pads: [0, 1, 1, 2] }), 'n');
    expect(g.padBegin).toEqual([0, 1]);
    expect(g.padEnd).toEqual([1, 2]);
    expect(windowOutput([8, 8], g)).toEqual([8, 9]);
  });
  it('SAME_UPPER puts the odd pixel at the end, SAME_LOWER at the start; output = ceil(in / stride)', () => {
    const up = windowGeometry([8, 7], [3, 3], attrs({ autoPad: 'SAME_UPPER', strides: [2, 2] }), 'n');
    expect(windowOutput([8, 7], up)).toEqual([4, 4]);
    expect(up.padBegin).toEqual([0, 1]);
    expect(up.padEnd).toEqual([1, 1]);
    const low = windowGeometry([8, 7], [3, 3], attrs({ autoPad: 'SAME_LOWER', strides: [2, 2] }), 'n');
    expect(low.padBegin).toEqual([1, 1]);
    expect(low.padEnd).toEqual([0, 1]);
  });
  it('ceil mode adds a window only when it starts inside the input (PyTorch rule)', () => {
    // 7 wide, k2 s2: floor gives 3, ceil 4 (the last window starts at 6 < 7)
    expect(windowOutput([7, 7], windowGeometry([7, 7], [2, 2], attrs({ strides: [2, 2], ceilMode: true }), 'n'))).toEqual([4, 4]);
    // 8 wide, k3 s2 pad 1: 5 windows, the last starts at 8 < in + padBegin = 9 (checked against ORT in headOps)
    expect(windowOutput([8, 8], windowGeometry([8, 8], [3, 3], attrs({ strides: [2, 2], pads: [1, 1, 1, 1], ceilMode: true }), 'n'))).toEqual([5, 5]);
    // 5 wide, k2 s2 pad 1: ceil gives 4, but the 4th window would start at 6 = in + padBegin: dropped
    expect(windowOutput([5, 5], windowGeometry([5, 5], [2, 2], attrs({ strides: [2, 2], pads: [1, 1, 1, 1], ceilMode: true }), 'n'))).toEqual([3, 3]);
    // darknet's 2x2/2 pools on even sizes are unchanged
    expect(windowOutput([28, 28], windowGeometry([28, 28], [2, 2], attrs({ strides: [2, 2], ceilMode: true }), 'n'))).toEqual([14, 14]);
  });
  it('rejects pads of the wrong length and unknown auto_pad', () => {
    expect(() => windowGeometry([8, 8], [3, 3], attrs({ pads: [1, 1] }), 'node c')).toThrow(/node c: pads has 2 values for 2 spatial axes/);
    expect(() => windowGeometry([8, 8], [3, 3], attrs({ autoPad: 'WEIRD' }), 'node c')).toThrow(/auto_pad WEIRD/);
  });
});

describe('ONNX Runtime threads', () => {
  it('1 in a worker, all cores in the main thread, env or explicit value wins', () => {
    expect(ortThreadCount(undefined, {}, false)).toBe(1);
    expect(ortThreadCount(undefined, {}, true)).toBeGreaterThanOrEqual(1);
    expect(ortThreadCount(undefined, { L2CAF_ORT_THREADS: '3' }, false)).toBe(3);
    expect(ortThreadCount(2, { L2CAF_ORT_THREADS: '3' }, false)).toBe(2);
    expect(() => ortThreadCount(undefined, { L2CAF_ORT_THREADS: 'many' }, true)).toThrow(/L2CAF_ORT_THREADS must be an integer from 1 to 64, got "many"/);
  });
  it('turns spinning off only with more than one thread', () => {
    expect(sessionOptions(1).extra).toEqual({});
    expect(sessionOptions(2).extra).toEqual({ session: { intra_op: { allow_spinning: '0' } } });
    expect(sessionOptions(2).intraOpNumThreads).toBe(2);
  });
});

describe('layout', () => {
  it('permutations are inverse and move channels last for the engine', () => {
    for (const r of [3, 4, 5]) expect(permute(toChannelsLastPerm(r), toChannelsFirstPerm(r))).toEqual(Array.from({ length: r }, (_, i) => i));
    expect(engineShape([1, 1000, 14, 7], 'NCHW')).toEqual([14, 7, 1000]);
    expect(engineShape([1, 8, 16, 14, 7], 'NCHW')).toEqual([16, 14, 7, 8]);
    expect(engineShape([1, 1000], 'NCHW')).toEqual([1000]);
    expect(engineShape([1, 14, 7, 1000], 'NHWC')).toEqual([14, 7, 1000]);
  });
});

describe('backbone graph edit', () => {
  it('keeps only what the chosen tensor and the side tensors need, with NHWC at both ends', () => {
    const bytes = buildModel({
      nodes: [
        node('Conv', ['x', 'w0'], ['skip'], { pads: { ints: [1, 1, 1, 1] } }),
        node('Relu', ['skip'], ['feat']),
        node('Conv', ['feat', 'w1'], ['g']),
        node('Add', ['g', 'skip'], ['s']),
        node('GlobalAveragePool', ['s'], ['y']),
      ],
      initializers: [randomTensor('w0', [4, 3, 3, 3], 1), randomTensor('w1', [4, 4, 1, 1], 2)],
      outputs: ['y'],
    });
    const g = readGraph(bytes, 'test.onnx');
    const bb = backboneModel(g, 'NCHW', 'feat', 4, ['skip']);
    const m = decodeModel(bb.bytes, 'edited');
    expect(m.graph!.node!.map((n) => n.opType)).toEqual(['Transpose', 'Conv', 'Relu', 'Transpose']);
    expect(m.graph!.initializer!.map((t) => t.name)).toEqual(['w0']);
    expect(bb.outputNames).toEqual(['feat__l2caf_features_nhwc', 'skip']);
    expect(m.graph!.input!.map((i) => i.type!.tensorType!.shape!.dim!.map((d) => Number(d.dimValue)))).toEqual([[1, 8, 8, 3]]);
  });
});
