// A warm chain keeps a class's filter for one input that targets another class, so a top-1 that
// goes A -> B -> A (two near-tied classes taking turns) starts warm instead of from three cold starts.
// Unit: what carryWarmStarts hands on. Real data: someones_anatomy.nii.gz at darknet-tiny's
// leaky_re_lu_13, whose per-slice top-1 goes 535 -> 524 -> 535 over z = 11..13 and 535 -> 650 ->
// 521 -> 535 over z = 2..5.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import type { AttentionMap } from '../../src/attention/types.js';
import { defaultSolveOptions } from '../../src/attention/index.js';
import { analyzeFeatures, argmax, CARRY_INPUTS, carryWarmStarts, warmStartsOf, type WarmStart } from '../../src/engine/analyze.js';
import { createFrameSolver } from '../../src/engine/frameSolver.js';
import { openModel } from '../../src/engine/openModel.js';
import { useBackend } from '../attention/setup.js';
import { haveFixture } from '../helpers/fixtures.js';
import { ANATOMY, anatomySlices } from '../helpers/anatomySlices.js';
import { fixture } from '../helpers/fixtures.js';
import { analyzeVolume } from '../../src/slices/analyzeVolume.js';
import type { JournalSlice } from '../../src/slices/sliceJournal.js';

const map = (target: number | null, v: number): AttentionMap =>
  ({ method: target === null ? 'l2caf' : 'l2caf-class', target, param: Float32Array.of(v, v) }) as unknown as AttentionMap;
const summary = (m: Map<string, WarmStart>) => [...m].map(([k, w]) => [k, w.param[0], w.age ?? 0]);

describe('carryWarmStarts', () => {
  it("hands on the input's own filters first, then those it did not replace, one input older, while young enough", () => {
    expect(CARRY_INPUTS).toBe(1);
    const a = carryWarmStarts(undefined, warmStartsOf([map(null, 1), map(535, 2)]));
    expect(summary(a)).toEqual([['l2caf:-', 1, 0], ['l2caf-class:535', 2, 0]]);
    // the top-1 moved to 524: 535's filter is kept, one input old
    const b = carryWarmStarts(a, warmStartsOf([map(null, 3), map(524, 4)]));
    expect(summary(b)).toEqual([['l2caf:-', 3, 0], ['l2caf-class:524', 4, 0], ['l2caf-class:535', 2, 1]]);
    // back to 535: its own new filter replaces the carried one; 524's is carried
    const c = carryWarmStarts(b, warmStartsOf([map(null, 5), map(535, 6)]));
    expect(summary(c)).toEqual([['l2caf:-', 5, 0], ['l2caf-class:535', 6, 0], ['l2caf-class:524', 4, 1]]);
    // a third class: 524's filter is now two inputs old and goes
    const d = carryWarmStarts(c, warmStartsOf([map(null, 7), map(650, 8)]));
    expect(summary(d)).toEqual([['l2caf:-', 7, 0], ['l2caf-class:650', 8, 0], ['l2caf-class:535', 6, 1]]);
    expect(summary(carryWarmStarts(d, warmStartsOf([map(650, 9)]), 0))).toEqual([['l2caf-class:650', 9, 0]]);
  });
});

const ok = haveFixture('models/darknet-tiny') && haveFixture('volumes/someones_anatomy.nii.gz');

describe.skipIf(!ok)('a top-1 that comes back after one input starts warm', () => {
  beforeAll(useBackend);

  it('someones_anatomy z 11 -> 12 -> 13 (535, 524, 535) at leaky_re_lu_13: warm, cheaper than the cold starts, as low; z 2..5 (four classes) cold', async () => {
    const model = await openModel({ model: 'darknet-tiny' });
    try {
      const split = model.split('leaky_re_lu_13');
      const backbone = await anatomySlices(model, split);
      const solve = defaultSolveOptions('converged');
      const before = tf.memory().numTensors;
      const chain = async (zs: number[]) => {
        const solver = createFrameSolver(model, split, { methods: ['l2caf-class'], classes: [], solve, warmStart: true });
        const out = [];
        for (const z of zs) out.push((await solver(await backbone(z))).maps[0]!);
        return out;
      };
      const [m11, m12, m13] = await chain([11, 12, 13]);
      expect([m11!.target, m12!.target, m13!.target]).toEqual([535, 524, 535]);
      expect(m12!.start).not.toBe('warm');
      expect(m13!.start).toBe('warm');
      expect(m13!.warmStarted).toBe(true);
      // against the same slice solved cold (the deterministic starts and the neighbour's)
      const bb = await backbone(13);
      const head = split.head(bb);
      const logits = tf.tidy(() => head.apply(bb.features).dataSync() as Float32Array);
      expect(argmax(logits)).toBe(535);
      const cold = analyzeFeatures(head, bb.features, [{ method: 'l2caf-class', target: 535 }], { solve, logits }).maps[0]!;
      tf.dispose([bb.features, ...bb.side]);
      expect(m13!.iterations).toBeLessThan(cold.iterations / 2);
      expect(m13!.loss).toBeLessThan(cold.loss + 1e-3 * Math.abs(cold.loss));

      const four = await chain([2, 3, 4, 5]);
      expect(four.map((m) => m.target)).toEqual([535, 650, 521, 535]);
      // 535's filter is two inputs old at z = 5: not carried that far
      expect(four[3]!.start).not.toBe('warm');
      expect(four[3]!.warmStarted).toBe(false);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      model.dispose();
    }
  });

  it('a journal keeps each slice\'s own filters: a resumed chain carries nothing a slice too far', async () => {
    const base = { file: fixture(ANATOMY), model: { model: 'darknet-tiny' }, layer: 'leaky_re_lu_13', methods: ['l2caf-class' as const], axis: 'z' as const, workers: 0 };
    const journal: JournalSlice[] = [];
    const full = await analyzeVolume({ ...base, resume: { done: [], append: async (e) => void journal.push(JSON.parse(JSON.stringify(e)) as JournalSlice) } });
    const targets = full.slices.map((s) => s.maps[0]!.target?.index);
    expect(targets.slice(2, 6)).toEqual([535, 650, 521, 535]);
    // z = 3 (650) carried 535's filter from z = 2 to z = 4, but its journal line has its own only
    expect(Object.keys(journal[3]!.params)).toEqual(['l2caf-class:650']);
    // resumed after z = 3: z = 5 (535, last solved at z = 2) starts cold, as in the run without a stop
    const resumed = await analyzeVolume({ ...base, resume: { done: journal.slice(0, 4), append: async () => {} } });
    expect(full.slices[5]!.maps[0]!.start).not.toBe('warm');
    expect(resumed.slices[5]!.maps[0]!.start).toBe(full.slices[5]!.maps[0]!.start);
  });
});
