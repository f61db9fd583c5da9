import { describe, expect, it } from 'vitest';
import { sliceReadout } from '../../renderer/volume/sliceReadout.js';
import type { VolumeSliceSummary } from '../../src/contract/index.js';

const slice = (over: Partial<VolumeSliceSummary>): VolumeSliceSummary => ({
  index: 28, targetScore: null, target: null, iterations: 4, loss: 1, top: { index: 918, label: 'crossword puzzle', score: 0.312 }, ...over,
});

describe('sliceReadout (the volume viewer\'s line for the slice at the cursor)', () => {
  it('a warm L-BFGS slice: its top-1 and how it was solved, numbered from 1', () => {
    expect(sliceReadout(slice({ start: 'warm' }), 28, 56, 'lbfgs')).toBe('slice 29/56: top-1 "crossword puzzle" 0.31 · L-BFGS from a previous slice\'s optimum for its class (warm start): 4 head passes');
  });
  it('class-specific with the Adam phase: the target\'s score and the phase\'s share of the passes', () => {
    const s = slice({ start: 'linearised', iterations: 82, adamPasses: 60, target: { index: 1, label: 'goldfish' }, targetScore: 0.0456 });
    expect(sliceReadout(s, 28, 56, 'lbfgs')).toBe(
      'slice 29/56: top-1 "crossword puzzle" 0.31 · target "goldfish" 0.05 · L-BFGS from the linearised head\'s optimum, then the Adam phase: 82 head passes, 60 of them Adam',
    );
  });
  it('why the solve ended, where it was not the usual optimality test', () => {
    const stalled = slice({ start: 'warm', iterations: 75, adamPasses: 60, stop: 'stalled' });
    expect(sliceReadout(stalled, 0, 56, 'lbfgs')).toMatch(/ · L-BFGS from a previous slice's optimum for its class \(warm start\), then the Adam phase \(L-BFGS stalled at a kink\): 75 head passes, 60 of them Adam$/);
    expect(sliceReadout(slice({ start: 'warm', stop: 'optimal' }), 0, 56, 'lbfgs')).toMatch(/\(warm start\): 4 head passes$/);
    expect(sliceReadout(slice({ start: 'uniform', iterations: 20, stop: 'pass-limit' }), 0, 56, 'lbfgs')).toMatch(/: 20 head passes, pass budget spent$/);
    expect(sliceReadout(slice({ start: 'uniform', iterations: 1000, stop: 'iteration-limit' }), 0, 56, 'adam')).toMatch(/Adam from the uniform filter: 1000 iterations, iteration limit reached$/);
  });
  it('the paper\'s Adam, the exact solver, Grad-CAM (nothing solved iteratively), a slice not analysed yet', () => {
    expect(sliceReadout(slice({ start: 'uniform', iterations: 150 }), 0, 56, 'adam')).toBe('slice 1/56: top-1 "crossword puzzle" 0.31 · Adam from the uniform filter: 150 iterations');
    expect(sliceReadout(slice({ start: 'exact', iterations: 1 }), 0, 56, 'lbfgs')).toBe('slice 1/56: top-1 "crossword puzzle" 0.31 · exact optimum (one solve)');
    expect(sliceReadout(slice({ iterations: 0 }), 0, 56, 'lbfgs')).toBe('slice 1/56: top-1 "crossword puzzle" 0.31');
    expect(sliceReadout(undefined, 55, 56, 'lbfgs')).toBe('slice 56/56: not analysed');
    expect(sliceReadout(slice({ start: 'warm', iterations: 1 }), 3, 56, 'lbfgs')).toMatch(/: 1 head pass$/);
    // the default class-specific target is the slice's own top-1: said once
    const own = slice({ start: 'warm', target: { index: 918, label: 'crossword puzzle' }, targetScore: 0.312 });
    expect(sliceReadout(own, 28, 56, 'lbfgs')).toBe("slice 29/56: top-1 \"crossword puzzle\" 0.31 · L-BFGS from a previous slice's optimum for its class (warm start): 4 head passes");
  });
});
