// --max-iterations on every command (image, video, volume, batch): one meaning for both solvers
// (src/attention/solve.ts withIterationLimit, presetLimit), the batch settings hash that covers it,
// and the note a run gets when its budget cut maps short (src/cli/budgetNote.ts).
import { describe, expect, it } from 'vitest';
import { defaultSolveOptions, OPTIMAL_RULE, presetLimit, withIterationLimit } from '../../src/attention/index.js';
import { hashForKind, solveOf, type BatchSettings } from '../../src/batch/settings.js';
import { budgetNote } from '../../src/cli/budgetNote.js';

describe('an iteration limit', () => {
  it('bounds Adam\'s steps and the default rule\'s head passes; the preset\'s rule is otherwise kept', () => {
    const c = withIterationLimit(defaultSolveOptions('converged'), 30);
    expect(c.maxIterations).toBe(30);
    expect(c.stop).toEqual({ ...OPTIMAL_RULE, maxPasses: 30 });
    const p = withIterationLimit(defaultSolveOptions('paper'), 200);
    expect(p.maxIterations).toBe(200);
    expect(p.stop).toEqual(defaultSolveOptions('paper').stop);
    expect(presetLimit('converged', undefined)).toEqual({});
    expect(presetLimit('converged', 30)).toEqual({ maxIterations: 30, stop: { ...OPTIMAL_RULE, maxPasses: 30 } });
  });

  it('batch: part of the settings hash only when given, so earlier results are still recognised', () => {
    const base: BatchSettings = {
      model: {}, methods: ['l2caf-class'], classes: [], preset: 'converged', solver: 'auto', constraint: 'l2', warmStart: true,
      video: { stride: 1, eval: null, export: null, colormap: 'jet', opacity: 0.5, workers: 2 },
      volume: { weight: true }, image: { colormap: 'jet', opacity: 0.5 },
    };
    const limited = { ...base, maxIterations: 30 };
    expect(hashForKind({ ...base, maxIterations: undefined }, 'video')).toBe(hashForKind(base, 'video'));
    expect(hashForKind(limited, 'video')).not.toBe(hashForKind(base, 'video'));
    expect(solveOf(limited).stop).toEqual({ ...OPTIMAL_RULE, maxPasses: 30 });
    expect(solveOf(base).stop).toEqual(OPTIMAL_RULE);
  });

  it('a run whose budget cut maps short gets a note saying what to do; otherwise none', () => {
    expect(budgetNote({ warm: 3, cold: 1, atLimit: 1 }, 'frame', 'converged')).toBe('1 of 4 frame maps ended at the iteration limit before a stop test passed: raise --max-iterations');
    expect(budgetNote({ warm: 0, cold: 1, atLimit: 1 }, 'slice', 'paper')).toMatch(/^1 of 1 slice map ended at the iteration limit .*raise --max-iterations \(the paper's Adam decays/);
    expect(budgetNote({ warm: 3, cold: 1 }, 'frame', 'converged')).toBeNull();
    expect(budgetNote(null, 'frame', 'converged')).toBeNull();
  });
});
