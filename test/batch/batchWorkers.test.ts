// A batch's worker threads (--workers): images give the result they give in this thread, for every
// method, at a non-linear layer (iterative solves) and at the default one (exact); a clip or a scan
// on the run's pool gives what its own pool gives, and an image after a clip is not warm-started
// from it; a clip that fails there takes its queued frames off.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBatchWorkers } from '../../src/batch/batchWorkers.js';
import { analyzeVideo } from '../../src/video/analyzeVideo.js';
import { analyzeVolume } from '../../src/slices/analyzeVolume.js';
import { readVolume } from '../../src/volume/readVolume.js';
import { solveOverrides } from '../../src/batch/settings.js';
import type { BatchSettings } from '../../src/batch/settings.js';
import { selectBackend } from '../../src/engine/backend.js';
import { analyzeImageFile } from '../../src/engine/imageAnalysis.js';
import { openModel } from '../../src/engine/openModel.js';
import { solveOf } from '../../src/batch/settings.js';
import type { LoadedModel } from '../../src/models/loadModel.js';
import { fixture, haveFixture } from '../helpers/fixtures.js';

const MODEL = 'models/darknet-tiny';
const IMAGES = ['images/chelsea.png', 'images/coffee.png', 'images/orange.jpg'];
const CLIP = 'videos/car-detection.mp4';
const SCAN = 'volumes/someones_anatomy.nii.gz';

const settingsAt = (layer: string | undefined): BatchSettings => ({
  model: { model: 'darknet-tiny' }, ...(layer ? { layer } : {}), methods: ['l2caf', 'l2caf-class', 'gradcam'], classes: [], preset: 'converged', solver: 'auto', constraint: 'l2', warmStart: true,
  video: { stride: 1, eval: null, export: null, colormap: 'jet', opacity: 0.5, workers: 2 },
  volume: { weight: true }, image: { colormap: 'jet', opacity: 0.5 },
});

describe.skipIf(!haveFixture(MODEL) || !haveFixture(CLIP) || IMAGES.some((i) => !haveFixture(i)))('batch worker threads (darknet-tiny)', () => {
  let model: LoadedModel;
  beforeAll(async () => {
    await selectBackend();
    model = await openModel({ model: 'darknet-tiny' });
  });
  afterAll(() => model?.dispose());

  for (const layer of ['leaky_re_lu_13', undefined]) {
    it(`gives the in-thread result at ${layer ?? 'the default layer'}, images in flight at once`, async () => {
      const s = settingsAt(layer);
      const workers = await openBatchWorkers(model, s, 2, new AbortController().signal);
      try {
        const signal = new AbortController().signal;
        const pooled = await Promise.all(IMAGES.map((i) => workers.analyzeImage(fixture(i), signal)));
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

  it('a clip on the run\'s pool: the timeline of its own pool (warm chains included); an image after it starts cold', async () => {
    const s = { ...settingsAt('leaky_re_lu_13'), methods: ['l2caf' as const, 'l2caf-class' as const] };
    const job = { file: fixture(CLIP), model: s.model, loadedModel: model, layer: s.layer, methods: s.methods, classes: s.classes, fromS: 0, toS: 1, preset: s.preset, solve: solveOverrides(s), warmStart: true, workers: 2, cacheDir: null };
    const own = await analyzeVideo(job);
    const workers = await openBatchWorkers(model, s, 2, new AbortController().signal);
    try {
      const shared = await analyzeVideo({ ...job, pool: workers.frames! });
      expect(shared.frames.length).toBe(own.frames.length);
      expect(shared.summary.solves).toEqual(own.summary.solves);
      expect(shared.summary.solves!.warm).toBeGreaterThan(0);
      for (const [k, f] of shared.frames.entries()) {
        const o = own.frames[k]!;
        expect(f.maps.map((m) => [m.iterations, m.warmStarted])).toEqual(o.maps.map((m) => [m.iterations, m.warmStarted]));
        for (const [j, m] of f.maps.entries()) expect(Math.max(...m.values.map((v, i) => Math.abs(v - o.maps[j]!.values[i]!)))).toBeLessThan(1e-4);
      }
      // the pool is still open for the run's next item: an image, solved cold as in this thread
      expect(workers.broken).toBe(false);
      const there = await workers.analyzeImage(fixture(IMAGES[0]!), new AbortController().signal);
      const here = (await analyzeImageFile(model, model.split(s.layer), fixture(IMAGES[0]!), { methods: s.methods, classes: s.classes, solve: solveOf(s) })).result;
      expect(there.maps.map((m) => [m.iterations, m.start])).toEqual(here.maps.map((m) => [m.iterations, m.start]));
      expect(there.maps.every((m) => m.start !== 'warm')).toBe(true);
    } finally {
      await workers.close();
    }
  }, 180_000);

  it.skipIf(!haveFixture(SCAN))('a scan on the run\'s pool: the slices of its own pool (warm chains included)', async () => {
    const s = { ...settingsAt('leaky_re_lu_13'), methods: ['l2caf' as const, 'l2caf-class' as const] };
    const volume = await readVolume(fixture(SCAN));
    const job = { volume, model, workerModel: s.model, layer: s.layer, methods: s.methods, classes: s.classes, preset: s.preset, solve: solveOverrides(s), warmStart: true };
    const own = await analyzeVolume({ ...job, workers: 2 });
    const workers = await openBatchWorkers(model, s, 2, new AbortController().signal);
    try {
      const shared = await analyzeVolume({ ...job, pool: workers.frames! });
      expect(shared.summary.solves).toEqual(own.summary.solves);
      expect(shared.summary.solves!.warm).toBeGreaterThan(0);
      expect(shared.slices.map((x) => x.maps.map((m) => [m.iterations, m.warmStarted]))).toEqual(own.slices.map((x) => x.maps.map((m) => [m.iterations, m.warmStarted])));
      for (const [a, v] of shared.attention.entries()) {
        let most = 0; // (a loop: the volume is too large to spread into Math.max)
        for (let i = 0; i < v.data.length; i++) most = Math.max(most, Math.abs(v.data[i]! - own.attention[a]!.data[i]!));
        expect(most).toBeLessThan(1e-4);
      }
      expect(workers.broken).toBe(false);
    } finally {
      await workers.close();
    }
  }, 180_000);

  it('a clip that fails on the run\'s pool ends with its error and leaves none of its frames queued there', async () => {
    const s = { ...settingsAt('leaky_re_lu_13'), methods: ['l2caf' as const] };
    const workers = await openBatchWorkers(model, s, 2, new AbortController().signal);
    try {
      const pool = workers.frames!;
      const forwarded: Promise<unknown>[] = [];
      let calls = 0;
      const failing: typeof pool = {
        concurrency: pool.concurrency,
        close: () => pool.close(),
        analyze: (rgb, w, h, signal, route) => {
          if (++calls === 1) return Promise.reject(new Error('frame broke'));
          const p = pool.analyze(rgb, w, h, signal, route);
          forwarded.push(p);
          return p;
        },
      };
      const caller = new AbortController();
      const job = { file: fixture(CLIP), model: s.model, loadedModel: model, layer: s.layer, methods: s.methods, classes: s.classes, fromS: 0, toS: 1, preset: s.preset, solve: solveOverrides(s), warmStart: true, cacheDir: null, signal: caller.signal };
      await expect(analyzeVideo({ ...job, pool: failing })).rejects.toThrow('frame broke');
      // the frames sent ahead were called off, not run to the end on the pool
      const outcomes = await Promise.allSettled(forwarded);
      expect(forwarded.length).toBeGreaterThan(1);
      expect(outcomes.filter((o) => o.status === 'rejected' && (o.reason as Error).name === 'AbortError').length).toBeGreaterThanOrEqual(1);
      expect(caller.signal.aborted).toBe(false);
      expect(workers.broken).toBe(false);
    } finally {
      await workers.close();
    }
  }, 120_000);

  it('fails an image as this thread does: an unknown class in its own words; an embedding without --class, no worker started', async () => {
    const signal = new AbortController().signal;
    const s = { ...settingsAt(undefined), methods: ['l2caf-class' as const], classes: ['not a class'] };
    const here = await analyzeImageFile(model, model.split(), fixture(IMAGES[0]!), { methods: s.methods, classes: s.classes, solve: solveOf(s) }).then(() => null, (e: Error) => e.message);
    expect(here).toBe('darknet-tiny: unknown class "not a class" (not in the model\'s labels)');
    const workers = await openBatchWorkers(model, s, 1, signal);
    try {
      await expect(workers.analyzeImage(fixture(IMAGES[0]!), signal)).rejects.toThrow(here!);
      expect(workers.broken).toBe(false);
    } finally {
      await workers.close();
    }
    const embedding = { ...model, outputKind: 'embedding' } as LoadedModel;
    const refused = await openBatchWorkers(embedding, settingsAt(undefined), 2, signal);
    await expect(refused.analyzeImage(fixture(IMAGES[0]!), signal)).rejects.toThrow(/embedding: class-specific methods need --class/);
    await refused.close();
  }, 60_000);
});
