// The per-slice pipeline on tiny models built here: records, axes, progress, cancellation,
// weighting, warm starts, a pooled runner, tensor hygiene; and a rank-5 (3-D conv) model fed the
// whole volume.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultSolveOptions, pearson } from '../../src/attention/index.js';
import { analyzeFeatures } from '../../src/engine/analyze.js';
import { inProcessRunner, type BackboneRunner } from '../../src/engine/backboneRunner.js';
import { selectBackend } from '../../src/engine/backend.js';
import { openModel } from '../../src/engine/openModel.js';
import { createBackbonePool } from '../../src/pool/backbonePool.js';
import type { LoadedModel } from '../../src/models/loadModel.js';
import { analyzeVolume } from '../../src/slices/analyzeVolume.js';
import { resampleTrilinear } from '../../src/slices/resample3d.js';
import type { VolumeJobProgress, SliceRecord } from '../../src/slices/types.js';
import { writeAttentionVolumes } from '../../src/slices/writeAttention.js';
import { volumeJson } from '../../src/slices/volumeJson.js';
import { readNiftiFile } from '../../src/volume/readNifti.js';
import { extractSlice } from '../../src/volume/slice.js';
import type { Volume } from '../../src/volume/types.js';
import { windowIntensity } from '../../src/volume/windowIntensity.js';
import { saveLayersModel } from '../helpers/saveModel.js';
import { fixture, haveFixture } from '../helpers/fixtures.js';
import { conv3dNet, gapDenseSoftmax, nonlinearHead } from '../models/tinyModels.js';

let tmp: string;
let gap: LoadedModel;
let nonlinear: LoadedModel;

/** A smooth blob that drifts across the slices (neighbouring slices alike, as in a scan). */
function blobVolume(dims: [number, number, number], spacing: [number, number, number] = [1, 1, 1]): Volume {
  const [nx, ny, nz] = dims;
  const data = new Float32Array(nx * ny * nz);
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        const cx = nx * (0.3 + (0.4 * k) / Math.max(1, nz - 1));
        const r2 = (i - cx) ** 2 + (j - ny * 0.4) ** 2;
        data[i + nx * (j + ny * k)] = 1000 * Math.exp(-r2 / 12) + 50 * Math.sin(i + 2 * j + 3 * k);
      }
  return {
    dims,
    spacing,
    affine: [
      [spacing[0], 0, 0, -5],
      [0, spacing[1], 0, 3],
      [0, 0, spacing[2], 7],
      [0, 0, 0, 1],
    ],
    data,
    datatype: 'float32',
    source: { path: 'blob.nii', format: 'nifti1' },
    metadata: {},
  };
}

function maxDiff(p: Float32Array, q: Float32Array): number {
  let m = 0;
  for (let i = 0; i < p.length; i++) m = Math.max(m, Math.abs(p[i]! - q[i]!));
  return m;
}

beforeAll(async () => {
  await selectBackend('wasm');
  tmp = mkdtempSync(path.join(os.tmpdir(), 'l2caf-slices-'));
  gap = await openModel({ model: await saveLayersModel(gapDenseSoftmax(5, 32), path.join(tmp, 'gap')), inputSize: 32 });
  nonlinear = await openModel({ model: await saveLayersModel(nonlinearHead(3, 16), path.join(tmp, 'nonlinear')), inputSize: 16 });
});
afterAll(() => {
  gap?.dispose();
  nonlinear?.dispose();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('analyzeVolume, per slice', () => {
  it('slices along the acquisition axis by default, with records, progress and maps on the scan grid', async () => {
    // thick slices along y: the acquisition axis is y
    const volume = blobVolume([12, 5, 9], [1, 3, 1]);
    const before = tf.memory().numTensors;
    const progress: VolumeJobProgress[] = [];
    const seen: SliceRecord[] = [];
    const r = await analyzeVolume({
      volume,
      model: gap,
      methods: ['l2caf', 'l2caf-class'],
      onProgress: (p) => progress.push(p),
      onSlice: (s) => seen.push(s),
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.settings.axes).toEqual(['y']);
    expect(r.model.layerRank).toBe(2);
    expect(r.slices.map((s) => [s.axis, s.index])).toEqual([0, 1, 2, 3, 4].map((i) => ['y', i]));
    expect(seen).toEqual(r.slices);
    expect(progress.map((p) => p.slicesDone)).toEqual([1, 2, 3, 4, 5]);
    expect(progress.at(-1)).toMatchObject({ slicesTotal: 5, etaS: 0 });
    for (const s of r.slices) {
      expect(s.predictions).toHaveLength(5);
      const sum = s.predictions.reduce((a, p) => a + p.score, 0);
      expect(sum).toBeCloseTo(1, 5);
      expect(s.maps.map((m) => m.method)).toEqual(['l2caf', 'l2caf-class']);
      // class-specific without --class explains the slice's own top-1, weighted by its probability
      expect(s.maps[1]!.target!.index).toBe(s.predictions[0]!.index);
      expect(s.maps[1]!.targetScore).toBeCloseTo(s.predictions[0]!.score, 10);
      expect(s.maps[1]!.weight).toBeCloseTo(s.predictions[0]!.score, 10);
      expect(s.targetScore).toBe(s.maps[1]!.targetScore);
      expect(s.iterations).toBe(s.maps[0]!.iterations);
    }
    expect(r.attention.map((a) => [a.axis, a.method, a.perSliceTop1])).toEqual([
      ['y', 'l2caf', false],
      ['y', 'l2caf-class', true],
    ]);
    for (const a of r.attention) {
      expect(a.data.length).toBe(12 * 5 * 9);
      // each slice's map is 0..1 times its weight: its maximum is at most the weight, and near it
      for (const s of r.slices) {
        const plane = extractSlice({ ...volume, data: a.data }, 'y', s.index);
        const w = s.maps[a.method === 'l2caf' ? 0 : 1]!.weight;
        const max = Math.max(...plane.data);
        expect(max).toBeLessThanOrEqual(w + 1e-6);
        expect(max).toBeGreaterThan(0.5 * w);
      }
    }
  });

  it("'all' runs x, y and z; weighting 'none' keeps every slice at 0..1", async () => {
    const volume = blobVolume([6, 5, 4]);
    const r = await analyzeVolume({ volume, model: gap, axis: 'all', methods: ['gradcam'], classes: [2], weighting: 'none' });
    expect(r.slices.map((s) => s.axis).join('')).toBe('xxxxxxyyyyyzzzz');
    expect(r.attention.map((a) => a.axis)).toEqual(['x', 'y', 'z']);
    for (const s of r.slices) expect(s.maps[0]!.weight).toBe(1);
    for (const a of r.attention) {
      expect(Math.min(...a.data)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...a.data)).toBeLessThanOrEqual(1 + 1e-6);
    }
    expect(r.attention[0]!.target).toEqual({ index: 2, label: 'class #2' });
    // weighting by probability scales each slice by its class-2 probability, nothing else
    const w = await analyzeVolume({ volume, model: gap, axis: 'all', methods: ['gradcam'], classes: [2] });
    for (const s of w.slices) {
      const a = r.attention.findIndex((x) => x.axis === s.axis);
      const plain = extractSlice({ ...volume, data: r.attention[a]!.data }, s.axis, s.index).data;
      const weighted = extractSlice({ ...volume, data: w.attention[a]!.data }, s.axis, s.index).data;
      expect(s.maps[0]!.weight).toBe(s.maps[0]!.targetScore);
      for (let i = 0; i < plain.length; i++) expect(weighted[i]).toBeCloseTo(plain[i]! * s.maps[0]!.weight, 6);
    }
  });

  it('warm-starts iterative L2-CAF from the neighbouring slice (and not with warmStart false)', async () => {
    const volume = blobVolume([16, 16, 8]);
    const solve = { solver: 'iterative' as const };
    const warm = await analyzeVolume({ volume, model: nonlinear, axis: 'z', solve });
    const cold = await analyzeVolume({ volume, model: nonlinear, axis: 'z', solve, warmStart: false });
    expect(warm.slices.map((s) => s.warmStarted)).toEqual([false, true, true, true, true, true, true, true]);
    expect(cold.slices.every((s) => !s.warmStarted)).toBe(true);
    // the first slice is the same cold solve either way
    expect(warm.slices[0]!.iterations).toBe(cold.slices[0]!.iterations);
    // warm or cold, each slice converges to the same map (the warm start changes the path only)
    for (let k = 0; k < 8; k++) {
      const a = extractSlice({ ...volume, data: warm.attention[0]!.data }, 'z', k).data;
      const b = extractSlice({ ...volume, data: cold.attention[0]!.data }, 'z', k).data;
      expect(pearson(a, b)).toBeGreaterThan(0.95);
    }
  });

  it('with workers, the slices are warm chains on the workers, one contiguous chunk each (as video frames are)', async () => {
    const volume = blobVolume([16, 16, 16]);
    const solve = { solver: 'iterative' as const };
    const flags = { model: path.join(tmp, 'nonlinear'), inputSize: 16 };
    const links: (boolean | undefined)[] = [];
    // a whole chunk per worker in flight, each slice listening to the job's signal: no leak warning
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    const pooled = await analyzeVolume({ volume, model: nonlinear, workers: 2, workerModel: flags, axis: 'z', solve, signal: new AbortController().signal, onSlice: (_r, link) => links.push(link?.handed) });
    await new Promise((r) => setTimeout(r, 10)); // (warnings are emitted on a later tick)
    process.off('warning', onWarning);
    expect(warnings).not.toContain('MaxListenersExceededWarning');
    const plain = await analyzeVolume({ volume, model: nonlinear, axis: 'z', solve });
    // 16 slices on 2 workers: chains of 8, each starting cold; what the replays are told matches
    const chained = Array.from({ length: 16 }, (_, k) => k % 8 !== 0);
    expect(pooled.slices.map((s) => s.warmStarted)).toEqual(chained);
    expect(links).toEqual(chained);
    expect(pooled.summary.solves).toEqual({ warm: 14, cold: 2, adamPhase: expect.any(Number) });
    // each slice converges to the map the in-thread chain finds; the worker's times are kept
    for (let k = 0; k < 16; k++) {
      const a = extractSlice({ ...volume, data: pooled.attention[0]!.data }, 'z', k).data;
      const b = extractSlice({ ...volume, data: plain.attention[0]!.data }, 'z', k).data;
      expect(pearson(a, b), `slice ${k}`).toBeGreaterThan(0.95);
      expect(pooled.slices[k]!.ms.backbone).toBeGreaterThan(0);
    }
  });

  it('cancels between slices: a partial result, nothing leaked, nothing written', async () => {
    const volume = blobVolume([8, 8, 6]);
    const before = tf.memory().numTensors;
    const ac = new AbortController();
    const r = await analyzeVolume({
      volume,
      model: gap,
      axis: 'z',
      signal: ac.signal,
      onSlice: (s) => {
        if (s.index === 1) ac.abort();
      },
    });
    expect(r.partial).toBe(true);
    expect(r.slices).toHaveLength(2);
    const last = extractSlice({ ...volume, data: r.attention[0]!.data }, 'z', 5);
    expect(Math.max(...last.data)).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
    const out = path.join(tmp, 'cancelled.nii.gz');
    await expect(writeAttentionVolumes(out, r)).rejects.toThrow(/cancelled; nothing written/);
    expect(readdirSync(tmp).filter((f) => f.includes('cancelled'))).toEqual([]);
    // already aborted: cancellation is not an error, no slice is run
    const none = await analyzeVolume({ volume, model: gap, signal: AbortSignal.abort() });
    expect(none.partial).toBe(true);
    expect(none.slices).toEqual([]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('runs through any BackboneRunner, several slices in flight, with the same result', async () => {
    const volume = blobVolume([9, 7, 6]);
    const split = gap.split();
    const inner = inProcessRunner(gap, split);
    let inFlight = 0;
    let maxInFlight = 0;
    let calls = 0;
    const runner: BackboneRunner = {
      concurrency: 2,
      async run(rgb, w, h, signal) {
        calls++;
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        // answer later, as a worker would
        await new Promise((r) => setTimeout(r, 2));
        try {
          return await inner.run(rgb, w, h, signal);
        } finally {
          inFlight--;
        }
      },
      close: async () => {},
    };
    const pooled = await analyzeVolume({ volume, model: gap, axis: 'z', methods: ['l2caf', 'cam'], runner });
    const plain = await analyzeVolume({ volume, model: gap, axis: 'z', methods: ['l2caf', 'cam'] });
    split.dispose();
    expect(calls).toBe(6);
    // two slices per worker in flight (one would leave a worker idle while a slice is solved)
    expect(maxInFlight).toBe(4);
    expect(pooled.slices.map((s) => s.index)).toEqual([0, 1, 2, 3, 4, 5]);
    for (let a = 0; a < 2; a++) expect(maxDiff(pooled.attention[a]!.data, plain.attention[a]!.data)).toBeLessThan(1e-5);
  });

  it('starts its own backbone workers (workers: N), loading the model from workerModel: the same maps as in this thread', async () => {
    const volume = blobVolume([9, 7, 6]);
    const flags = { model: path.join(tmp, 'gap'), inputSize: 32 };
    const pooled = await analyzeVolume({ volume, model: gap, workers: 2, workerModel: flags, axis: 'z', methods: ['l2caf', 'cam'] });
    const plain = await analyzeVolume({ volume, model: gap, axis: 'z', methods: ['l2caf', 'cam'] });
    expect(pooled.slices.map((s) => s.index)).toEqual([0, 1, 2, 3, 4, 5]);
    for (let a = 0; a < 2; a++) expect(maxDiff(pooled.attention[a]!.data, plain.attention[a]!.data)).toBeLessThan(1e-5);
    // the workers load what workerModel names (a model that is not there fails the start) ...
    await expect(analyzeVolume({ volume, model: gap, workers: 1, workerModel: { model: path.join(tmp, 'no-such-model') }, methods: ['cam'] })).rejects.toThrow(/no-such-model/);
    // ... and a loaded model alone does not say how
    await expect(analyzeVolume({ volume, model: gap, workers: 1, methods: ['cam'] })).rejects.toThrow(/workers need workerModel/);
  });

  it("runs on a caller's pool (batch --workers), maps and all, as on its own workers; leaves it open; a job that fails drops its slices queued there", async () => {
    const volume = blobVolume([9, 7, 8]);
    const flags = { model: path.join(tmp, 'nonlinear'), inputSize: 16 };
    const methods = ['l2caf', 'l2caf-class'] as const;
    // (iterative: warm chains, as on a non-linear head)
    const solve = { solver: 'iterative' as const };
    const own = await analyzeVolume({ volume, model: nonlinear, workers: 2, workerModel: flags, axis: 'z', methods: [...methods], solve });
    // the pool's plan: what the job's own would be (the preset's options, then the overrides)
    const pool = await createBackbonePool({ model: flags, workers: 2, plan: { methods: [...methods], classes: [], solve: { ...defaultSolveOptions('converged'), ...solve }, warmStart: true } });
    try {
      // (a method given twice is one map, as the pool plans it)
      const shared = await analyzeVolume({ volume, model: nonlinear, pool, axis: 'z', methods: [...methods, 'l2caf'], solve });
      expect(shared.slices.map((s) => s.maps.map((m) => [m.iterations, m.warmStarted]))).toEqual(own.slices.map((s) => s.maps.map((m) => [m.iterations, m.warmStarted])));
      expect(shared.slices.some((s) => s.maps.some((m) => m.warmStarted))).toBe(true);
      expect(shared.attention).toHaveLength(2);
      for (let a = 0; a < 2; a++) expect(maxDiff(shared.attention[a]!.data, own.attention[a]!.data)).toBeLessThan(1e-5);
      expect(pool.liveWorkers()).toHaveLength(2);
      // A slice that fails ends the job with its error; the slices it had sent ahead are taken off the pool.
      const forwarded: Promise<unknown>[] = [];
      let calls = 0;
      const failing: typeof pool = Object.assign(Object.create(pool) as typeof pool, {
        analyze: (rgb: Uint8Array, w: number, h: number, signal?: AbortSignal, route?: Parameters<typeof pool.analyze>[4]) => {
          if (++calls === 1) return Promise.reject(new Error('slice broke'));
          const p = pool.analyze(rgb, w, h, signal, route);
          forwarded.push(p);
          return p;
        },
      });
      const caller = new AbortController();
      await expect(analyzeVolume({ volume, model: nonlinear, pool: failing, axis: 'z', methods: [...methods], solve, signal: caller.signal })).rejects.toThrow('slice broke');
      // the slices sent ahead were called off, not run to the end (all 8 are sent at once: 2 chains of 4)
      const outcomes = await Promise.allSettled(forwarded);
      expect(forwarded.length).toBe(7);
      expect(outcomes.filter((o) => o.status === 'rejected' && (o.reason as Error).name === 'AbortError').length).toBeGreaterThanOrEqual(3);
      expect(caller.signal.aborted).toBe(false);
      // the pool still serves the next job
      const again = await analyzeVolume({ volume, model: nonlinear, pool, axis: 'z', methods: [...methods], solve });
      for (let a = 0; a < 2; a++) expect(maxDiff(again.attention[a]!.data, own.attention[a]!.data)).toBeLessThan(1e-5);
      // a pool at another layer would hand back features that do not fit the head
      await expect(analyzeVolume({ volume, model: nonlinear, pool: Object.assign(Object.create(pool) as typeof pool, { layer: 'elsewhere' }), axis: 'z' })).rejects.toThrow(/pool splits at layer "elsewhere"/);
    } finally {
      await pool.close();
    }
  });

  it.skipIf(!haveFixture('volumes/anatomical.nii'))('reads a file and loads the model from flags itself, disposing it after', async () => {
    const before = tf.memory().numTensors;
    const r = await analyzeVolume({ file: fixture('volumes/anatomical.nii'), model: { model: path.join(tmp, 'gap'), inputSize: 32 }, methods: ['cam'], classes: [0] });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.volume.dims).toEqual([33, 41, 25]);
    // its voxels are 2 x 2 x 2 mm: isotropic, so the acquisition axis is z
    expect(r.settings.axes).toEqual(['z']);
    expect(r.slices).toHaveLength(25);
    expect(r.attention[0]!.data.length).toBe(33 * 41 * 25);
  });

  it('refuses a class the model does not have, and an embedding without --class', async () => {
    const volume = blobVolume([6, 6, 3]);
    await expect(analyzeVolume({ volume, model: gap, methods: ['gradcam'], classes: [9] })).rejects.toThrow(/class index 9 is out of range/);
    await expect(analyzeVolume({ volume, model: gap, window: { kind: 'percentile', lo: 50, hi: 10 } })).rejects.toThrow(/percentile window/);
  });
});

/**
 * The class-specific filter of a 3-D model for a windowed 8 x 8 x 4 grid (x fastest), computed
 * directly with the engine: the grid reshaped to [1, d=4, h=8, w=8, 1] and tiled to 3 channels
 * (the model's assumed preprocessing is x/255 of pixel = value * 255, i.e. the value itself).
 */
async function filterByHand(model: LoadedModel, grid: Float32Array, target: number): Promise<Float32Array> {
  const split = model.split();
  const x = tf.tidy(() => tf.tile(tf.reshape(tf.tensor(grid), [1, 4, 8, 8, 1]), [1, 1, 1, 1, 3]));
  const bb = await split.runBackbone(x);
  try {
    const { maps } = analyzeFeatures(split.head(bb), bb.features, [{ method: 'l2caf-class', target }], { solve: defaultSolveOptions('converged') });
    return maps[0]!.values;
  } finally {
    x.dispose();
    bb.features.dispose();
    split.dispose();
  }
}

describe('analyzeVolume, 3-D model (rank-5 layer)', () => {
  let m3: LoadedModel;
  beforeAll(async () => {
    m3 = await openModel({ model: await saveLayersModel(conv3dNet(3, 4, 8), path.join(tmp, 'c3d')) });
  });
  afterAll(() => m3?.dispose());

  it('feeds the whole volume as [1, d, h, w, C] and maps the d x h x w filter back onto the scan grid', async () => {
    const volume = blobVolume([8, 8, 4]);
    const before = tf.memory().numTensors;
    const r = await analyzeVolume({ volume, model: m3, methods: ['l2caf', 'l2caf-class'], classes: [1], weighting: 'none' });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.model.layerRank).toBe(3);
    expect(r.slices).toEqual([]);
    expect(r.whole!.inputShape).toEqual([4, 8, 8, 3]);
    expect(r.whole!.filterShape).toEqual([4, 8, 8]);
    expect(r.attention.map((a) => a.axis)).toEqual(['volume', 'volume']);
    // Same grid as the model's input: the attention volume is the filter itself, x fastest = w.
    const byHand = await filterByHand(m3, windowIntensity(volume.data), 1);
    const mine = r.attention[1]!.data;
    let maxDiff = 0;
    for (let i = 0; i < mine.length; i++) maxDiff = Math.max(maxDiff, Math.abs(mine[i]! - byHand[i]!));
    expect(maxDiff).toBeLessThan(1e-4);
  });

  it('writes its one attention volume and JSON like the per-slice path; cancellation gives a partial result', async () => {
    const volume = blobVolume([9, 8, 5]);
    // declared an embedding (--output embedding): no probabilities, weight 1
    const emb = await openModel({ model: path.join(tmp, 'c3d'), output: 'embedding' });
    const r = await analyzeVolume({ volume, model: emb, methods: ['gradcam'], classes: [2] });
    emb.dispose();
    const out = path.join(tmp, 'whole.nii.gz');
    expect(await writeAttentionVolumes(out, r)).toEqual([out]);
    const back = await readNiftiFile(out);
    expect(back.dims).toEqual([9, 8, 5]);
    expect(Array.from(back.data)).toEqual(Array.from(r.attention[0]!.data));
    const j = volumeJson(r, [out]);
    expect(j.maps).toMatchObject([{ axis: 'volume', method: 'gradcam', target: { index: 2 }, file: out }]);
    expect(r.model.outputKind).toBe('embedding');
    expect(j.whole!.maps[0]).toMatchObject({ weight: 1, targetScore: null });
    expect(j.whole!.maps[0]!.targetLogit).toEqual(expect.any(Number));
    expect(j.slices).toEqual([]);
    const cancelled = await analyzeVolume({ volume, model: m3, signal: AbortSignal.abort() });
    expect(cancelled).toMatchObject({ partial: true, attention: [] });
  });

  it('resamples a scan of another size to the input (trilinear) and the filter back to the scan grid', async () => {
    const volume = blobVolume([13, 10, 7]);
    const r = await analyzeVolume({ volume, model: m3, methods: ['l2caf-class'], classes: [0], weighting: 'none' });
    const a = r.attention[0]!;
    expect(a.data.length).toBe(13 * 10 * 7);
    const onInput = resampleTrilinear(windowIntensity(volume.data), [13, 10, 7], [8, 8, 4]);
    const expected = resampleTrilinear(await filterByHand(m3, onInput, 0), [8, 8, 4], [13, 10, 7]);
    let maxDiff = 0;
    for (let i = 0; i < expected.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a.data[i]! - expected[i]!));
    expect(maxDiff).toBeLessThan(1e-4);
  });
});
