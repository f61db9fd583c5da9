// What the app says about the analysed frame on screen: its prediction line and the convergence
// panel's state before a replay.
import { describe, expect, it } from 'vitest';
import { convergenceState } from '../../renderer/panels/convergenceText.js';

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
