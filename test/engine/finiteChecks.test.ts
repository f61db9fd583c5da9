// Non-finite logits, losses and maps fail the run naming the model (image, video frames, volume slices).
import { describe, expect, it } from 'vitest';
import type { AttentionMap } from '../../src/attention/types.js';
import { failIfNonFinite, failIfNonFiniteMaps } from '../../src/engine/finiteChecks.js';

const map = (over: Partial<AttentionMap>): AttentionMap => ({
  method: 'l2caf', target: null, solver: 'iterative', iterations: 3, loss: 1, ms: 1, shape: [2, 2],
  raw: new Float32Array(4), values: new Float32Array(4), warmStarted: false, ...over,
});

describe('finite checks', () => {
  it('pass numbers, name the model and what holds NaN or Infinity', () => {
    expect(() => failIfNonFinite('m', 'the logits', [1, 2])).not.toThrow();
    expect(() => failIfNonFinite('darknet', 'the outputs of the head after leaky_re_lu_13', [1, NaN])).toThrow(/^darknet: the outputs of the head after leaky_re_lu_13 holds NaN \(element 1 of 2\)/);
    expect(() => failIfNonFiniteMaps('m', [map({}), map({ method: 'gradcam', loss: NaN })])).not.toThrow();
    expect(() => failIfNonFiniteMaps('m', [map({ loss: Infinity })])).toThrow(/m: the l2caf loss holds Infinity/);
    expect(() => failIfNonFiniteMaps('m', [map({ method: 'cam', loss: NaN, raw: Float32Array.from([0, NaN, 0, 0]) })])).toThrow(/the cam map holds NaN/);
  });
});
