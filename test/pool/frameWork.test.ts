// Solves in the workers (analyze()): the maps equal the ones this thread computes from the same
// features; warm-started iterative solves run as chains in the worker a route names.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSolveOptions, pearson } from '../../src/attention/index.js';
import { analyzeFeatures } from '../../src/engine/analyze.js';
import { arraysToBackbone, disposeBackbone, inProcessRunner } from '../../src/engine/backboneRunner.js';
import { selectBackend } from '../../src/engine/backend.js';
import type { FramePlan } from '../../src/engine/frameSolver.js';
import { openModel } from '../../src/engine/openModel.js';
import { decodeImage } from '../../src/media/decodeImage.js';
import type { LoadedModel } from '../../src/models/loadModel.js';
import { createBackbonePool } from '../../src/pool/backbonePool.js';
import { fixture, haveFixture } from '../helpers/fixtures.js';

const MODEL = 'models/darknet-tiny';
const IMAGE = 'images/chelsea.png';

describe.skipIf(!haveFixture(MODEL) || !haveFixture(IMAGE))('pool analyze() (darknet-tiny)', () => {
  let model: LoadedModel;
  let rgb: Uint8Array;
  beforeAll(async () => {
    await selectBackend();
    model = await openModel({ model: fixture(MODEL) });
    rgb = (await decodeImage(fixture(IMAGE), { width: 224, height: 224 })).data;
  });
  afterAll(() => model?.dispose());

  it('solves exact L2-CAF, Grad-CAM and CAM in the worker, as this thread would', async () => {
    const solve = defaultSolveOptions('converged');
    const plan: FramePlan = { methods: ['l2caf', 'gradcam', 'cam', 'l2caf-class'], classes: ['tabby'], solve, warmStart: true };
    const pool = await createBackbonePool({ model: { model: fixture(MODEL) }, workers: 1, plan });
    try {
      const work = await pool.analyze(rgb, 224, 224);
      expect(work.maps.every((m) => m !== null)).toBe(true);
      expect(work.requests.map((r) => r.method)).toEqual(plan.methods);
      const split = model.split();
      const bb = arraysToBackbone(await inProcessRunner(model, split).run(rgb, 224, 224));
      try {
        const tabby = model.labels!.findIndex((l) => l.toLowerCase().split(/\s*,\s*/).includes('tabby'));
        const ref = analyzeFeatures(split.head(bb), bb.features, work.requests, { solve });
        expect(work.requests.filter((r) => r.method !== 'l2caf').every((r) => r.target === tabby)).toBe(true);
        for (let i = 0; i < ref.maps.length; i++) {
          expect(work.maps[i]!.solver).toBe(ref.maps[i]!.solver);
          expect(pearson(work.maps[i]!.raw, ref.maps[i]!.raw)).toBeGreaterThan(0.9999);
        }
        let maxDiff = 0;
        for (let k = 0; k < ref.logits.length; k++) maxDiff = Math.max(maxDiff, Math.abs(work.logits[k]! - ref.logits[k]!));
        expect(maxDiff).toBeLessThan(1e-3);
      } finally {
        disposeBackbone(bb);
      }
    } finally {
      await pool.close();
    }
  });

  it('runs warm chains in the worker a route names: a chain start is cold, the next frames warm from it', async () => {
    const solve = { ...defaultSolveOptions('converged'), solver: 'iterative' as const };
    const plan: FramePlan = { methods: ['l2caf', 'gradcam'], classes: [], solve, warmStart: true };
    const pool = await createBackbonePool({ model: { model: fixture(MODEL) }, workers: 2, plan });
    try {
      // Two chains, interleaved in submission, each on its own worker.
      const steps = [
        pool.analyze(rgb, 224, 224, undefined, { worker: 0, chain: { start: true } }),
        pool.analyze(rgb, 224, 224, undefined, { worker: 1, chain: { start: true } }),
        pool.analyze(rgb, 224, 224, undefined, { worker: 0, chain: { start: false } }),
        pool.analyze(rgb, 224, 224, undefined, { worker: 1, chain: { start: false } }),
        pool.analyze(rgb, 224, 224, undefined, { worker: 0, chain: { start: true } }),
      ];
      const works = await Promise.all(steps);
      expect(works.map((w) => w.maps[0]!.warmStarted)).toEqual([false, false, true, true, false]);
      expect(works.map((w) => w.maps[0]!.start)).toEqual(['uniform', 'uniform', 'warm', 'warm', 'uniform']);
      expect(works[1]!.maps[1]!.method).toBe('gradcam');
      // The same frame again, from its own optimum: one pass shows it is optimal.
      expect(works[2]!.maps[0]!.iterations).toBe(1);
      expect(works[0]!.maps[0]!.iterations).toBeGreaterThan(1);
      expect(pearson(works[2]!.maps[0]!.raw, works[0]!.maps[0]!.raw)).toBeGreaterThan(0.999);
      // The solver's curvature comes back with the maps, copied (the chain keeps its own): a
      // replay of the next frame starts from it (test/service/service.test.ts).
      const mem = works[0]!.maps[0]!.memory!;
      expect(mem.s.length).toBeGreaterThan(0);
      expect(mem.y.length).toBe(mem.s.length);
      expect(mem.s[0]).toBeInstanceOf(Float64Array);
      expect(mem.gamma).toBeGreaterThan(0);
      // A chain can start from given filters (a resumed job).
      const init = { 'l2caf:-': Array.from(works[0]!.maps[0]!.param!) };
      const resumed = await pool.analyze(rgb, 224, 224, undefined, { worker: 1, chain: { start: true, init } });
      expect(resumed.maps[0]!.start).toBe('warm');
    } finally {
      await pool.close();
    }
    const cold = await createBackbonePool({ model: { model: fixture(MODEL) }, workers: 1, plan: { ...plan, warmStart: false } });
    try {
      const a = await cold.analyze(rgb, 224, 224);
      const b = await cold.analyze(rgb, 224, 224);
      expect([a.maps[0]!.warmStarted, b.maps[0]!.warmStarted]).toEqual([false, false]);
      expect(Array.from(b.maps[0]!.raw)).toEqual(Array.from(a.maps[0]!.raw));
    } finally {
      await cold.close();
    }
  });

  it('analyze() without a plan is refused', async () => {
    const pool = await createBackbonePool({ model: { model: fixture(MODEL) }, workers: 1 });
    try {
      await expect(pool.analyze(rgb, 224, 224)).rejects.toThrow(/plan/);
    } finally {
      await pool.close();
    }
  });
});
