// The convergence replay's pace: L-BFGS traces keep 80 ms a step; the paper's long Adam traces are
// held to about REPLAY_MS by faster steps, then by drawing every k-th step.
import { describe, expect, it } from 'vitest';
import { REPLAY_MS, replayPacing } from '../../renderer/panels/replayPacing.js';

const duration = (steps: number) => {
  const p = replayPacing(steps);
  return Math.ceil(steps / p.stride) * p.intervalMs;
};

describe('replayPacing', () => {
  it('keeps 80 ms a step for short traces', () => {
    expect(replayPacing(1)).toEqual({ intervalMs: 80, stride: 1 });
    expect(replayPacing(27)).toEqual({ intervalMs: 80, stride: 1 });
    expect(replayPacing(100)).toEqual({ intervalMs: 80, stride: 1 });
  });
  it('speeds up longer traces, then skips steps, never past the time budget', () => {
    expect(replayPacing(151)).toEqual({ intervalMs: 52, stride: 1 });
    expect(replayPacing(500)).toEqual({ intervalMs: 16, stride: 1 });
    expect(replayPacing(1000).stride).toBe(2);
    for (const n of [101, 151, 300, 501, 1000, 3000]) {
      expect(duration(n), `${n} steps`).toBeLessThanOrEqual(REPLAY_MS);
      expect(duration(n), `${n} steps`).toBeGreaterThan(REPLAY_MS * 0.9);
      expect(replayPacing(n).intervalMs).toBeGreaterThanOrEqual(16);
    }
  });
  it('is sane for no steps', () => {
    expect(replayPacing(0)).toEqual({ intervalMs: 80, stride: 1 });
  });
});
