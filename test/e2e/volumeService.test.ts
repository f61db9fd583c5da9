// The volume methods of the service, called as every transport calls them (service.call with
// argument checks): open a scan (stats, voxels by handle), errors naming the file, the per-slice
// attention job with its slice events, cancel, and the exports (attention NIfTI, video sweep).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceEvent, TraceResult, VolumeDescription, VolumeJobView } from '../../src/contract/index.js';
import { probeVideo } from '../../src/media/probeVideo.js';
import { selectBackend } from '../../src/engine/backend.js';
import { createService, type Service } from '../../src/service/service.js';
import { readVolume } from '../../src/volume/readVolume.js';
import { viewLayout } from '../../renderer/volume/geometry.js';
import { buildSlice, samples16 } from '../volume/dicomBuilder.js';
import { fixture, haveFixture } from '../helpers/fixtures.js';

const haveScans = haveFixture('volumes/anatomical.nii') && haveFixture('volumes/someones_anatomy.nii.gz');
const haveModel = haveFixture('models/darknet-tiny/model.json');

describe.skipIf(!haveScans)('volume service', () => {
  let tmp: string;
  let service: Service;
  const events: ServiceEvent[] = [];

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'l2caf-volume-service-'));
    service = createService({ host: 'test', dataDir: tmp, videoCacheDir: null });
    service.onEvent((e) => events.push(e));
  });
  afterAll(async () => {
    await service?.dispose();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  const waitFor = async (pred: (e: ServiceEvent) => boolean, ms = 180_000): Promise<ServiceEvent> => {
    const t0 = Date.now();
    for (;;) {
      const e = events.find(pred);
      if (e) return e;
      if (Date.now() - t0 > ms) throw new Error('timed out waiting for an event');
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  /** What the app does: media.open (which checks the content) then volume.open. */
  const openVolume = async (file: string): Promise<VolumeDescription> => {
    const m = (await service.call('media.open', { path: file })) as { path: string };
    return (await service.call('volume.open', { path: m.path })) as VolumeDescription;
  };

  it('opens a scan: geometry, stats and the voxels by handle, equal to the reader\'s', async () => {
    const file = fixture('volumes/anatomical.nii');
    const d = (await openVolume(file));
    const v = await readVolume(file);
    expect(d.dims).toEqual(v.dims);
    expect(d.affine).toEqual(v.affine);
    expect(d.voxels.shape).toEqual([v.dims[2], v.dims[1], v.dims[0]]);
    // int16 scan: sent as int16 (half the bytes), the same values
    expect(d.voxels.dtype).toBe('int16');
    const bin = (await service.binary(d.voxels.handle))!;
    const voxels = Float32Array.from(new Int16Array(bin.bytes.buffer.slice(bin.bytes.byteOffset, bin.bytes.byteOffset + bin.bytes.byteLength)));
    expect(voxels).toEqual(v.data);
    expect(d.stats.min).toBe(v.data.reduce((m, x) => Math.min(m, x), Infinity));
    expect(d.stats.max).toBe(v.data.reduce((m, x) => Math.max(m, x), -Infinity));
    expect(d.stats.p005).toBeLessThan(d.stats.p995);
    // the same scan again is the same open volume
    expect((await openVolume(file)).volumeId).toBe(d.volumeId);
  });

  it('opens a DICOM folder; an axial series is viewed as stored: columns to the right, rows down, R on the left', async () => {
    const dir = path.join(tmp, 'dicom-axial');
    await mkdir(dir, { recursive: true });
    const [rows, cols, n] = [12, 16, 6];
    for (let k = 0; k < n; k++) {
      const values: number[] = [];
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) values.push(100 + c + 10 * r + 1000 * k);
      // axial (HFS): row direction +x (patient left in LPS), column direction +y (posterior)
      await writeFile(path.join(dir, `im${k}.dcm`), buildSlice({
        seriesUid: '1.2.3.9', rows, cols, position: [-20, -30, 5 * k], orientation: [1, 0, 0, 0, 1, 0],
        pixelSpacing: [0.9, 0.7], instanceNumber: k + 1, pixels: samples16(values),
      }));
    }
    const d = (await openVolume(dir));
    expect(d).toMatchObject({ format: 'dicom', dims: [cols, rows, n], acquisitionAxis: 'z' });
    const ax = viewLayout(d.affine, d.dims, d.spacing, 'axial');
    expect(ax).toMatchObject({ sliceAxis: 2, right: 0, flipRight: false, up: 1, flipUp: true });
    expect(ax.labels).toEqual({ left: 'R', right: 'L', top: 'A', bottom: 'P' });
    expect([ax.widthMm, ax.heightMm]).toEqual([cols * 0.7, rows * 0.9]);
    expect(d.stats.min).toBe(100);
    expect(d.stats.max).toBe(100 + cols - 1 + 10 * (rows - 1) + 1000 * (n - 1));
  });

  it('refuses what it cannot use with a message naming the file or the argument', async () => {
    const missing = path.join(tmp, 'nope.nii.gz');
    await expect(service.call('media.open', { path: missing })).rejects.toMatchObject({ code: 'media', message: expect.stringContaining('nope.nii.gz') });
    // a scan is read only once media.open has checked it
    await expect(service.call('volume.open', { path: fixture('volumes/example4d.nii.gz') })).rejects.toMatchObject({ code: 'not-found' });
    await expect(service.call('volume.start', { volumeId: 'vol-x', method: 'l2caf', axis: 'w' })).rejects.toMatchObject({ code: 'bad-arguments', message: expect.stringContaining('axis') });
    await expect(service.call('volume.start', { volumeId: 'vol-unknown', method: 'l2caf' })).rejects.toMatchObject({ code: 'not-found' });
    await expect(service.call('volume.result', { jobId: 'video-123' })).rejects.toMatchObject({ code: 'not-found' });
  });

  it.skipIf(!haveModel)('runs Grad-CAM slice by slice with an event per slice, then exports NIfTI and a video sweep', async () => {
    const d = (await openVolume(fixture('volumes/anatomical.nii')));
    await selectBackend();
    const tensorsBefore = tf.memory().numTensors;
    const { jobId } = (await service.call('volume.start', { volumeId: d.volumeId, method: 'gradcam', axis: 'z' })) as { jobId: string };
    await waitFor((e) => (e.type === 'job.done' || e.type === 'job.error') && e.jobId === jobId);
    // the job loads the model, runs every slice and disposes it all
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    const err = events.find((e) => e.type === 'job.error' && e.jobId === jobId);
    expect(err).toBeUndefined();
    const slices = events.filter((e) => e.type === 'volume.slice' && e.jobId === jobId);
    expect(slices.length).toBe(d.dims[2]);
    const r = (await service.call('volume.result', { jobId })) as VolumeJobView;
    expect(r.state).toBe('done');
    expect(r.slices.map((s) => s.index)).toEqual(Array.from({ length: d.dims[2] }, (_, i) => i));
    expect(r.attention!.shape).toEqual(d.voxels.shape);
    const bin = (await service.binary(r.attention!.handle))!;
    const att = new Float32Array(bin.bytes.buffer.slice(bin.bytes.byteOffset, bin.bytes.byteOffset + bin.bytes.byteLength));
    expect(att.every((x) => Number.isFinite(x) && x >= 0 && x <= 1)).toBe(true);
    expect(att.some((x) => x > 0)).toBe(true);

    const ex = (await service.call('volume.export', { jobId, format: 'nifti' })) as { jobId: string };
    const done = await waitFor((e) => e.type === 'job.done' && e.jobId === ex.jobId);
    const out = (done as Extract<ServiceEvent, { type: 'job.done' }>).export!;
    // a download handle once the service passes its downloads map to volumeHandlers (browser mode)
    expect(out.download === null || /^dl-/.test(out.download)).toBe(true);
    const written = await readVolume(out.path);
    expect(written.dims).toEqual(d.dims);
    written.affine.forEach((row, i) => row.forEach((x, j) => expect(x).toBeCloseTo(d.affine[i]![j]!, 4)));
    expect(written.data).toEqual(att);

    const sw = (await service.call('volume.export', { jobId, format: 'mp4', orientation: { right: 0, flipRight: true, up: 1, flipUp: false }, fps: 10 })) as { jobId: string };
    const swDone = await waitFor((e) => (e.type === 'job.done' || e.type === 'job.error') && e.jobId === sw.jobId);
    expect(swDone.type).toBe('job.done');
    const video = (swDone as Extract<ServiceEvent, { type: 'job.done' }>).export!;
    const info = await probeVideo(video.path);
    expect(info.frameCount).toBe(d.dims[2]);
    expect(info.width / info.height).toBeCloseTo((d.dims[0] * d.spacing[0]) / (d.dims[1] * d.spacing[1]), 1);
    // Grad-CAM has no convergence to replay: the replay says so
    const g = (await service.call('volume.trace', { jobId, index: 3 })) as TraceResult;
    // (its size is the layer's map, darknet-tiny's default conv2d_16: 14 x 14)
    expect(g).toMatchObject({ filters: null, steps: [], stop: null, width: 14, height: 14, note: expect.stringMatching(/^Grad-CAM is computed in one step/) });
  });

  it.skipIf(!haveModel)('a non-linear layer: each slice says how it was solved (warm from the slice before, cold, the Adam phase)', async () => {
    const d = await openVolume(fixture('volumes/someones_anatomy.nii.gz'));
    const { jobId } = (await service.call('volume.start', { volumeId: d.volumeId, layer: 'leaky_re_lu_13', method: 'l2caf-class' })) as { jobId: string };
    await waitFor((e) => (e.type === 'job.done' || e.type === 'job.error') && e.jobId === jobId);
    const r = (await service.call('volume.result', { jobId })) as VolumeJobView;
    expect(r.state).toBe('done');
    const bySlice = [...r.slices].sort((a, b) => a.index - b.index);
    for (const s of bySlice) expect(['uniform', 'linearised', 'neighbour', 'warm']).toContain(s.start);
    // warm starts follow the slice before with the same target, or the one before it (a top-1 that
    // came back after one slice: CARRY_INPUTS); a slice whose top-1 is new to both starts cold
    const target = (i: number) => bySlice[i]?.target?.index;
    for (let i = 1; i < bySlice.length; i++) {
      if (target(i) !== target(i - 1) && target(i) !== target(i - 2)) expect(bySlice[i]!.start, `slice ${bySlice[i]!.index}`).not.toBe('warm');
    }
    expect(bySlice.filter((s) => s.start === 'warm').length).toBeGreaterThan(0);
    // z = 11, 12, 13: top-1 535, 524, 535 (in the first chain of 16 slices)
    const returned = bySlice.find((s, i) => i >= 2 && target(i) !== target(i - 1) && target(i) === target(i - 2) && s.start === 'warm');
    expect(returned, 'a top-1 back after one slice starts warm').toBeDefined();
    for (const s of bySlice) if (s.adamPasses) expect(s.iterations).toBeGreaterThan(s.adamPasses);

    // A slice's convergence replays as it ran: a warm slice from the slice before's answers and
    // curvature (kept by the job), a cold one from its start, each with the job's head passes;
    // the steps end at the answer, with the passes spent.
    // (a slice whose top-1 changed starts cold, but its solve was handed the slice before's answer
    // for the other class, the neighbour start: its replay too; the first slice was handed nothing)
    const warmSlice = bySlice.find((s) => s.start === 'warm')!;
    const firstSlice = bySlice[0]!;
    const changedSlice = bySlice.find((s) => s.index > 0 && s.start !== 'warm')!;
    for (const s of [warmSlice, firstSlice, changedSlice, returned!]) {
      const t = (await service.call('volume.trace', { jobId, index: s.index })) as TraceResult;
      expect(t, `slice ${s.index}`).toMatchObject({ optimiser: 'lbfgs', start: s.start, iterations: s.iterations, warm: s === firstSlice ? null : 'as-run', note: null });
      expect(t.adam?.passes).toBe(s.adamPasses);
      // why the replay ended, as the job's solve did
      expect(t.stop).toBe(s.stop);
      expect(s.stop === 'optimal').toBe(!s.adamPasses);
      expect(t.steps.at(-1)!.passes).toBe(s.iterations);
      expect(t.filters!.shape).toEqual([t.steps.length, 14, 14]);
    }
    await expect(service.call('volume.trace', { jobId, index: 9999 })).rejects.toMatchObject({ code: 'not-found' });
  }, 180_000);

  it.skipIf(!haveModel)('the solver asked for reaches the slices: iterative on a linear head, exact refused on a non-linear one', async () => {
    const d = await openVolume(fixture('volumes/someones_anatomy.nii.gz'));
    const run = async (req: Record<string, unknown>) => {
      const { jobId } = (await service.call('volume.start', { volumeId: d.volumeId, method: 'l2caf', ...req })) as { jobId: string };
      const end = await waitFor((e) => (e.type === 'job.done' || e.type === 'job.error') && e.jobId === jobId);
      return { end, r: (await service.call('volume.result', { jobId })) as VolumeJobView };
    };
    // the default layer's head is linear in the filter: auto solves it exactly, 'iterative' by L-BFGS
    const auto = await run({});
    const iterative = await run({ solver: 'iterative' });
    expect(auto.r.slices.length).toBeGreaterThan(0);
    expect(auto.r.slices.every((s) => s.start === 'exact')).toBe(true);
    expect(iterative.r.slices).toHaveLength(auto.r.slices.length);
    expect(iterative.r.slices.every((s) => s.start === 'uniform' || s.start === 'warm')).toBe(true);
    expect(iterative.r.slices.some((s) => s.start === 'warm' && s.iterations > 1)).toBe(true);
    // an iteration limit (the CLI's --max-iterations) bounds every slice's solve and its replay:
    // one head pass leaves L-BFGS none to move: a slice ends at the limit, and is counted there,
    // unless its start already passes the test (a warm slice like the one before)
    const limited = await run({ solver: 'iterative', maxIterations: 1 });
    expect(limited.r.slices).toHaveLength(auto.r.slices.length);
    for (const s of limited.r.slices) expect(s.iterations).toBe(1);
    const cut = limited.r.slices.filter((s) => s.stop === 'pass-limit');
    expect(cut.length).toBeGreaterThan(limited.r.slices.length / 2);
    expect(limited.r.summary?.solves?.atLimit).toBe(cut.length);
    const lt = (await service.call('volume.trace', { jobId: limited.r.jobId, index: cut[0]!.index })) as TraceResult;
    expect(lt).toMatchObject({ iterations: 1, stop: 'pass-limit' });
    const exact = await run({ layer: 'leaky_re_lu_13', solver: 'exact' });
    expect(exact.end.type).toBe('job.error');
    expect(JSON.stringify(exact.end)).toMatch(/exact/);
    await expect(service.call('volume.start', { volumeId: d.volumeId, method: 'l2caf', solver: 'adam' })).rejects.toMatchObject({ code: 'bad-arguments', message: expect.stringContaining('solver') });
  }, 180_000);

  it.skipIf(!haveModel)('cancels a running job: job.cancelled, no attention', async () => {
    const d = (await openVolume(fixture('volumes/someones_anatomy.nii.gz')));
    const { jobId } = (await service.call('volume.start', { volumeId: d.volumeId, method: 'l2caf', axis: 'x', preset: 'paper' })) as { jobId: string };
    await waitFor((e) => e.type === 'volume.slice' && e.jobId === jobId);
    expect(await service.call('job.cancel', { jobId })).toEqual({ cancelled: true });
    await waitFor((e) => e.type === 'job.cancelled' && e.jobId === jobId, 60_000);
    const r = (await service.call('volume.result', { jobId })) as VolumeJobView;
    expect(r.state).toBe('cancelled');
    expect(r.attention).toBeNull();
    expect(r.slices.length).toBeLessThan(d.dims[0]);
    await expect(service.call('volume.export', { jobId, format: 'nifti' })).rejects.toMatchObject({ code: 'bad-arguments' });
  });
});
