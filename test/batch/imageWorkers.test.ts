// A batch's images on worker threads (--workers): the same result as in this thread, for every
// method, at a non-linear layer (iterative solves) and at the default one (exact).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openImageWorkers } from '../../src/batch/imageWorkers.js';
import type { BatchSettings } from '../../src/batch/settings.js';
import { selectBackend } from '../../src/engine/backend.js';
import { analyzeImageFile } from '../../src/engine/imageAnalysis.js';
import { openModel } from '../../src/engine/openModel.js';
import { solveOf } from '../../src/batch/settings.js';
import type { LoadedModel } from '../../src/models/loadModel.js';
import { fixture, haveFixture } from '../helpers/fixtures.js';

const MODEL = 'models/darknet-tiny';
const IMAGES = ['images/chelsea.png', 'images/coffee.png', 'images/orange.jpg'];

const settingsAt = (layer: string | undefined): BatchSettings => ({
  model: { model: 'darknet-tiny' }, ...(layer ? { layer } : {}), methods: ['l2caf', 'l2caf-class', 'gradcam'], classes: [], preset: 'converged', solver: 'auto', constraint: 'l2', warmStart: true,
  video: { stride: 1, eval: null, export: null, colormap: 'jet', opacity: 0.5, workers: 2 },
  volume: { weight: true }, image: { colormap: 'jet', opacity: 0.5 },
});

describe.skipIf(!haveFixture(MODEL) || IMAGES.some((i) => !haveFixture(i)))('batch images on worker threads (darknet-tiny)', () => {
  let model: LoadedModel;
  beforeAll(async () => {
    await selectBackend();
    model = await openModel({ model: 'darknet-tiny' });
  });
  afterAll(() => model?.dispose());

  for (const layer of ['leaky_re_lu_13', undefined]) {
    it(`gives the in-thread result at ${layer ?? 'the default layer'}, images in flight at once`, async () => {
      const s = settingsAt(layer);
      const workers = await openImageWorkers(model, s, 2, new AbortController().signal);
      try {
        const signal = new AbortController().signal;
        const pooled = await Promise.all(IMAGES.map((i) => workers.analyze(fixture(i), signal)));
        for (const [k, image] of IMAGES.entries()) {
          const here = (await analyzeImageFile(model, model.split(s.layer), fixture(image), { methods: s.methods, classes: s.classes, solve: solveOf(s) })).result;
          const there = pooled[k]!;
          expect(there.input).toEqual(here.input);
          expect(there.model).toEqual(here.model);
          expect(there.predictions).toEqual(here.predictions);
          expect(there.maps.map((m) => [m.method, m.target, m.solver, m.iterations, m.start])).toEqual(here.maps.map((m) => [m.method, m.target, m.solver, m.iterations, m.start]));
          for (const [j, m] of there.maps.entries()) {
            const h = here.maps[j]!;
            expect(m.values.length).toBe(h.values.length);
            expect(Math.max(...m.values.map((v, i) => Math.abs(v - h.values[i]!)))).toBeLessThan(1e-4);
            if (h.loss !== null) expect(m.loss).toBeCloseTo(h.loss, 4);
          }
          if (layer) expect(there.maps.some((m) => m.solver === 'iterative')).toBe(true);
        }
      } finally {
        await workers.close();
      }
    }, 120_000);
  }

  it('fails an image as this thread does: an unknown class in its own words; an embedding without --class, no worker started', async () => {
    const signal = new AbortController().signal;
    const s = { ...settingsAt(undefined), methods: ['l2caf-class' as const], classes: ['not a class'] };
    const here = await analyzeImageFile(model, model.split(), fixture(IMAGES[0]!), { methods: s.methods, classes: s.classes, solve: solveOf(s) }).then(() => null, (e: Error) => e.message);
    expect(here).toBe('unknown class "not a class" (not in the model\'s labels)');
    const workers = await openImageWorkers(model, s, 1, signal);
    try {
      await expect(workers.analyze(fixture(IMAGES[0]!), signal)).rejects.toThrow(here!);
      expect(workers.broken).toBe(false);
    } finally {
      await workers.close();
    }
    const embedding = { ...model, outputKind: 'embedding' } as LoadedModel;
    const refused = await openImageWorkers(embedding, settingsAt(undefined), 2, signal);
    await expect(refused.analyze(fixture(IMAGES[0]!), signal)).rejects.toThrow(/embedding: class-specific methods need --class/);
    await refused.close();
  }, 60_000);
});
