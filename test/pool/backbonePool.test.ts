// The worker pool: same features as the in-process backbone, parallel passes, and no thread left
// behind by close, by a crash or by a model that fails to load.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/engine/backend.js';
import { inProcessRunner } from '../../src/engine/backboneRunner.js';
import { openModel } from '../../src/engine/openModel.js';
import { decodeImage } from '../../src/media/decodeImage.js';
import type { LoadedModel } from '../../src/models/loadModel.js';
import { createBackbonePool, type BackbonePool } from '../../src/pool/backbonePool.js';
import { resolveWorkerScript } from '../../src/pool/workerScript.js';
import { fixture, haveFixture } from '../helpers/fixtures.js';

describe('resolveWorkerScript', () => {
  it('uses the sibling file for compiled code and dist/ for the sources', () => {
    const all = () => true;
    expect(resolveWorkerScript('file:///p/dist/pool/backbonePool.js', all)).toBe('/p/dist/pool/backboneWorker.js');
    expect(resolveWorkerScript('file:///p/src/pool/backbonePool.ts', all)).toBe('/p/dist/pool/backboneWorker.js');
  });
  it('says to build when the compiled worker is missing', () => {
    expect(() => resolveWorkerScript('file:///p/src/pool/backbonePool.ts', () => false)).toThrow(/npx tsc/);
  });
});

const MODEL = 'models/darknet-tiny';
const IMAGE = 'images/chelsea.png';

describe.skipIf(!haveFixture(MODEL) || !haveFixture(IMAGE))('backbone pool (darknet-tiny)', () => {
  let model: LoadedModel;
  let rgb: Uint8Array;
  beforeAll(async () => {
    await selectBackend();
    model = await openModel({ model: 'darknet-tiny' });
    const img = await decodeImage(fixture(IMAGE), { width: 224, height: 224 });
    rgb = img.data;
  });
  afterAll(() => model?.dispose());

  it('computes the in-process features, in parallel, and leaves no worker after close', async () => {
    const pool = await createBackbonePool({ model: { model: 'darknet-tiny' }, workers: 2 });
    try {
      expect(pool.concurrency).toBe(2);
      expect(pool.liveWorkers()).toHaveLength(2);
      const split = model.split();
      expect(pool.layer).toBe(split.layer);
      const ref = await inProcessRunner(model, split).run(rgb, 224, 224);
      const outs = await Promise.all([pool.run(rgb, 224, 224), pool.run(rgb, 224, 224), pool.run(rgb, 224, 224)]);
      for (const o of outs) {
        expect(o.features.shape).toEqual(ref.features.shape);
        let maxDiff = 0;
        for (let i = 0; i < ref.features.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(o.features.data[i]! - ref.features.data[i]!));
        expect(maxDiff).toBeLessThan(1e-3);
      }
      // the caller's frame is not detached by the transfer
      expect(rgb.length).toBe(224 * 224 * 3);
      expect(pool.passes).toBe(3);
    } finally {
      await pool.close();
    }
    expect(pool.liveWorkers()).toEqual([]);
    await expect(pool.run(rgb, 224, 224)).rejects.toThrow(/closed/);
  });

  it('a worker crash rejects pending work with a clear error and stops every worker', async () => {
    const pool = await createBackbonePool({ model: { model: 'darknet-tiny' }, workers: 2 });
    try {
      // Enough work that some is still queued when the crash lands (the pool sends one job per worker).
      const pending = Array.from({ length: 8 }, () => pool.run(rgb, 224, 224));
      pool.crashWorkerForTest(0);
      const settled = await Promise.allSettled(pending);
      const errors = settled.filter((s) => s.status === 'rejected').map((s) => String((s as PromiseRejectedResult).reason));
      expect(errors.length).toBeGreaterThan(0);
      for (const e of errors) expect(e).toMatch(/backbone worker 0 stopped unexpectedly \(crash requested/);
      await expect(pool.run(rgb, 224, 224)).rejects.toThrow(/worker 0 stopped unexpectedly/);
      await expect.poll(() => pool.liveWorkers(), { timeout: 10_000 }).toEqual([]);
    } finally {
      await pool.close();
    }
  });

  it('a model that cannot load fails the pool start with its message', async () => {
    await expect(createBackbonePool({ model: { model: '/nonexistent/model-folder' }, workers: 2 })).rejects.toThrow(/nonexistent\/model-folder/);
  });

  it('an aborted pass rejects with an AbortError', async () => {
    const pool = await createBackbonePool({ model: { model: 'darknet-tiny' }, workers: 1 });
    try {
      const ac = new AbortController();
      const a = pool.run(rgb, 224, 224);
      const b = pool.run(rgb, 224, 224, ac.signal);
      ac.abort();
      await expect(b).rejects.toMatchObject({ name: 'AbortError' });
      await expect(a).resolves.toBeTruthy();
    } finally {
      await pool.close();
    }
  });
});
