import { describe, expect, it } from 'vitest';
import { solveCounts } from '../../src/engine/solveCounts.js';
import { solveCountsWords } from '../../src/contract/index.js';
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
    expect(solveCountsWords(c)).toBe('2 warm, 2 cold, the Adam phase on 2');
    expect(solvesPhrase(c!)).toBe('; 2 warm, 2 cold, the Adam phase on 2');
  });
  it('nothing to say without iterative maps; no phase, no mention of it', () => {
    expect(solveCounts([{ solver: 'exact', start: 'exact' }, { solver: 'weights' }])).toBeNull();
    expect(solveCountsWords(null)).toBe('');
    expect(solvesPhrase(undefined)).toBe('');
    expect(solveCountsWords({ warm: 3, cold: 1, adamPhase: 0 })).toBe('3 warm, 1 cold');
  });
  it('counts the maps that ended at their limit with nothing certifying them (not those the Adam phase went on from)', () => {
    const c = solveCounts([
      { solver: 'iterative', start: 'uniform', stop: 'iteration-limit' },
      { solver: 'iterative', start: 'warm', stop: 'pass-limit' },
      { solver: 'iterative', start: 'warm', stop: 'pass-limit', adamPasses: 60 },
      { solver: 'iterative', start: 'warm', stop: 'settled' },
      { solver: 'iterative', start: 'warm', stop: 'optimal' },
    ]);
    expect(c).toEqual({ warm: 4, cold: 1, adamPhase: 1, atLimit: 2 });
    expect(solveCountsWords(c)).toBe('4 warm, 1 cold, the Adam phase on 1, 2 stopped at their limit');
    expect(solveCountsWords({ ...c!, atLimit: 1 })).toBe('4 warm, 1 cold, the Adam phase on 1, 1 stopped at its limit');
    expect(solvesPhrase(c!)).toBe('; 4 warm, 1 cold, the Adam phase on 1, 2 stopped at their limit');
  });
});
