// What the app says about the analysed frame on screen: its prediction line and the convergence
// panel's state before a replay.
import { describe, expect, it } from 'vitest';
import { predictionLine } from '../../renderer/timeline/predictionText.js';
import { convergenceState } from '../../renderer/panels/convergenceText.js';
import type { FrameSummary } from '../../src/contract/index.js';

const frame = (preds: [number, string, number][]): FrameSummary => ({
  slot: 3, index: 30, timeS: 2.4, iterations: 1, loss: null, flicker: null, targetScore: null,
  predictions: preds.map(([index, label, score]) => ({ index, label, score })),
});

describe('predictionLine', () => {
  it('names the top-1 and its score', () => {
    const p = predictionLine(frame([[468, 'cab', 0.61234], [817, 'sports car', 0.2]]));
    expect(p).toEqual({ text: 'predicted: cab (0.612) · frame 30', label: 'cab', score: 0.61234 });
  });
  it('says why there is none', () => {
    expect(predictionLine(null).label).toBeNull();
    expect(predictionLine(null).text).toMatch(/no analysed frame/);
    expect(predictionLine(frame([])).text).toMatch(/no class scores/);
  });
});

describe('convergenceState', () => {
  it('an exact solve has no iterations to plot', () => {
    expect(convergenceState({ solver: 'exact', iterations: 1 })).toEqual({ plottable: false, text: expect.stringContaining('exact solver: optimum in 1 step (no iterations to plot)') });
  });
  it('Grad-CAM and CAM neither', () => {
    expect(convergenceState({ solver: 'gradient', iterations: 0 }).plottable).toBe(false);
    expect(convergenceState({ solver: 'weights', iterations: 0 }).plottable).toBe(false);
  });
  it('an iterative solve can be replayed', () => {
    expect(convergenceState({ solver: 'iterative', iterations: 42 })).toEqual({ plottable: true, text: expect.stringContaining('42 iterations') });
  });
  it('nothing on screen yet', () => {
    expect(convergenceState(null).plottable).toBe(false);
  });
});
