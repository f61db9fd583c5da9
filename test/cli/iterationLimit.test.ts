// --max-iterations on every command (image, video, volume, batch): one meaning for both solvers
// (src/attention/solve.ts withIterationLimit, presetLimit), the batch settings hash that covers it,
// and the note a run gets when its budget cut maps short (src/cli/budgetNote.ts).
import { describe, expect, it } from 'vitest';
import { defaultSolveOptions, iterationLimit, OPTIMAL_RULE, presetLimit, presetSolveOptions, withIterationLimit } from '../../src/attention/index.js';
import { PRESET_ITERATION_LIMITS } from '../../src/contract/index.js';
import { hashForKind, solveOf, type BatchSettings } from '../../src/batch/settings.js';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { batchBudgetNote, budgetNote } from '../../src/cli/budgetNote.js';
import { runBatch } from '../../src/batch/runBatch.js';
import type { ItemEvent } from '../../src/batch/progress.js';
import type { SolveCounts } from '../../src/engine/solveCounts.js';
import type { LoadedModel } from '../../src/models/loadModel.js';

const base: BatchSettings = {
  model: {}, methods: ['l2caf-class'], classes: [], preset: 'converged', solver: 'auto', constraint: 'l2', warmStart: true,
  video: { stride: 1, eval: null, export: null, colormap: 'jet', opacity: 0.5, workers: 2 },
  volume: { weight: true }, image: { colormap: 'jet', opacity: 0.5 },
};

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
    // what image, the video and volume replays solve with: the preset under the limit, or the preset itself
    expect(presetSolveOptions('paper', undefined)).toEqual(defaultSolveOptions('paper'));
    expect(presetSolveOptions('converged', 30)).toEqual({ ...defaultSolveOptions('converged'), ...presetLimit('converged', 30) });
  });

  it('the contract\'s preset limits (what the app says an empty limit means) are the solver\'s', () => {
    for (const p of ['converged', 'paper'] as const) expect(PRESET_ITERATION_LIMITS[p], p).toBe(iterationLimit(defaultSolveOptions(p)));
  });

  it('batch: part of the settings hash only when given, so earlier results are still recognised', () => {
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
    // an image's maps: no unit
    expect(budgetNote({ warm: 0, cold: 2, atLimit: 1 }, null, 'converged')).toBe('1 of 2 maps ended at the iteration limit before a stop test passed: raise --max-iterations');
  });

  it('batch: its run counts the maps that ended at their limit over the items it did, and ends with one note', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'l2caf-batch-limit-'));
    try {
      const items = ['a.mp4', 'b.png', 'c.nii', 'd.mp4'].map((rel, i) => ({ id: `i${i}`, rel, path: path.join(dir, rel), kind: i === 1 ? ('image' as const) : i === 2 ? ('volume' as const) : ('video' as const) }));
      // per item: its solve counts (a failed item's are not counted; an item with no iterative map has none)
      const counts: (SolveCounts | null | 'fail')[] = [{ warm: 8, cold: 2, adamPhase: 0, atLimit: 3 }, { warm: 0, cold: 1, adamPhase: 0, atLimit: 1 }, null, 'fail'];
      const events: ItemEvent[] = [];
      const r = await runBatch({
        items,
        out: dir,
        settings: base,
        model: async () => ({ model: {} as LoadedModel, sha: null }),
        signal: new AbortController().signal,
        onItem: (e) => events.push(e),
        runItem: async (item) => {
          const c = counts[items.indexOf(item as (typeof items)[number])]!;
          if (c === 'fail') throw new Error('broken');
          return { kind: item.kind!, units: 1, fps: null, meanIterations: null, solves: c, meanFlicker: null, top: null, eval: null, files: [], thumb: null, series: [] };
        },
      });
      expect(r.solves).toEqual({ maps: 11, atLimit: 4, items: 2 });
      expect(events.map((e) => e.atLimit)).toEqual([3, 1, null, null]);
      expect(batchBudgetNote(r.solves, 'converged')).toBe('4 of 11 maps (in 2 items) ended at the iteration limit before a stop test passed (the item lines above say which): raise --max-iterations');
      expect(batchBudgetNote({ maps: 1, atLimit: 1, items: 1 }, 'paper')).toMatch(/^1 of 1 map \(in 1 item\) ended .*raise --max-iterations \(the paper's Adam decays/);
      expect(batchBudgetNote({ maps: 11, atLimit: 0, items: 0 }, 'converged')).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
