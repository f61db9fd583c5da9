import { describe, expect, it } from 'vitest';
import { solveCounts, solveCountsText } from '../../src/engine/solveCounts.js';
import { solvesPhrase } from '../../renderer/panels/solvesPhrase.js';

describe('solveCounts', () => {
  it('counts iterative maps by start, and those that ran the Adam phase; other solvers are not counted', () => {
    const c = solveCounts([
      { solver: 'iterative', start: 'linearised', adamPasses: 60 },
      { solver: 'iterative', start: 'warm' },
      { solver: 'iterative', start: 'warm', adamPasses: 60 },
      { solver: 'iterative', start: 'neighbour' },
      { solver: 'exact', start: 'exact' },
      { solver: 'gradient' },
      { solver: 'iterative' }, // an old cache entry: no start recorded
    ]);
    expect(c).toEqual({ warm: 2, cold: 2, adamPhase: 2 });
    expect(solveCountsText(c)).toBe(' (2 warm, 2 cold; the Adam phase on 2)');
    expect(solvesPhrase(c!)).toBe('; 2 warm, 2 cold, the Adam phase on 2');
  });
  it('nothing to say without iterative maps; no phase, no mention of it', () => {
    expect(solveCounts([{ solver: 'exact', start: 'exact' }, { solver: 'weights' }])).toBeNull();
    expect(solveCountsText(null)).toBe('');
    expect(solvesPhrase(undefined)).toBe('');
    expect(solveCountsText({ warm: 3, cold: 1, adamPhase: 0 })).toBe(' (3 warm, 1 cold)');
  });
});
