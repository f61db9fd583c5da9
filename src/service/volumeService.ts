// The volume methods of the contract (src/contract/volume.ts): scans opened and kept by id (voxels
// by binary handle), the per-slice attention job on the issue-4 pipeline (src/slices'
// analyzeVolume) with slice events, and the exports (attention NIfTI; a video sweep through the
// slices drawn the way the window's view draws them, through the video export's encoder).
import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  ServiceError,
  type ExportResult, type JobKind, type SweepOrientation, type VolumeAxis, type VolumeDescription, type VolumeExportRequest,
  type VolumeJobRequest, type VolumeJobView, type VolumeMethods, type VolumeSliceSummary, type VolumeStats,
} from '../contract/index.js';
import { throttle } from '../jobs/throttle.js';
import type { Job } from '../jobs/jobRegistry.js';
import { getColormap } from '../media/colormaps.js';
import { encodeVideo } from '../media/encodeVideo.js';
import type { RgbImage } from '../media/types.js';
import { analyzeVolume } from '../slices/index.js';
import type { SliceRecord, VolumeAnalysis } from '../slices/index.js';
import { acquisitionAxis } from '../volume/acquisitionAxis.js';
import { readVolume } from '../volume/readVolume.js';
import type { Volume } from '../volume/types.js';
import { DEFAULT_WINDOW, percentileBySelection, windowBounds, type WindowBounds, type WindowSpec } from '../volume/windowIntensity.js';
import { sourceXformCodes, writeNifti } from '../volume/writeNifti.js';
import type { Handlers, ServiceContext } from './context.js';
import { toServiceError } from './errors.js';
import { newExportPath, registerDownload } from './exportsFolder.js';
import type { MediaRegistry } from './mediaRegistry.js';
import type { ModelCache } from './modelCache.js';
import { keepLink, replayStart, replayState, type ReplayState } from './replayState.js';
import { presetLimit, presetSolveOptions } from '../attention/solve.js';
import { exactReplayNote, traceResult } from './traceResult.js';
import { replaySlice } from '../slices/replaySlice.js';

const VOLUME_JOB_KIND: JobKind = 'volume';

const AXES: VolumeAxis[] = ['x', 'y', 'z'];
/** Scans kept at once (a 512^2 x 300 scan is 300 MB as float32). */
const MAX_OPEN_VOLUMES = 3;
/** Above this many voxels the percentiles are taken on a regular sample (exact enough for a window). */
const STATS_SAMPLE = 2_000_000;

interface OpenVolume {
  id: string;
  key: string;
  volume: Volume;
  description: VolumeDescription;
}

export interface VolumeJobData {
  request: VolumeJobRequest;
  volumeId: string;
  axis: VolumeAxis;
  total: number;
  slices: VolumeSliceSummary[];
  analysis: VolumeAnalysis | null;
  attention: VolumeJobView['attention'];
  error: string | null;
  /** by slice index: each slice's place in the warm chain, for replays as the job ran them (replayState.ts) */
  replay: ReplayState;
  /** the job's window over its scan, found at its first replay, running or finished (the percentiles of a 512x512x300 scan took 1.5 s here) */
  windowBounds?: WindowBounds;
}

/** The intensity window a job gives the model (its percentiles, else the default): the job's and its replays'. */
function windowOf(req: VolumeJobRequest): WindowSpec {
  return req.window ? { kind: 'percentile', lo: req.window.lo, hi: req.window.hi } : DEFAULT_WINDOW;
}

/** Same shape as the video export's job data: service.ts's job.done hook reads `.result`. */
export interface VolumeExportJobData {
  request: VolumeExportRequest;
  result: ExportResult | null;
}

/** Pure: min, max, mean and the 0.5/99.5 percentiles (on a strided sample for big scans); NaN ignored. */
export function volumeStats(data: Float32Array): VolumeStats {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let n = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (Number.isNaN(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    n++;
  }
  if (n === 0) return { min: 0, max: 0, mean: 0, p005: 0, p995: 0 };
  const step = Math.max(1, Math.floor(data.length / STATS_SAMPLE));
  const sample = new Float32Array(Math.ceil(data.length / step));
  let m = 0;
  for (let i = 0; i < data.length; i += step) if (!Number.isNaN(data[i]!)) sample[m++] = data[i]!;
  const s = sample.subarray(0, m);
  return { min, max, mean: sum / n, p005: percentileBySelection(s, 0.5), p995: percentileBySelection(s, 99.5) };
}

/**
 * Pure: the voxels in the smallest type that holds them exactly (uint8, int16, uint16), else
 * float32 as they are: integer scans (most CT and MR) travel to the window in half or a quarter
 * of the bytes.
 */
export function compactVoxels(data: Float32Array): Float32Array | Uint8Array | Int16Array | Uint16Array {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isInteger(v)) return data;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min >= 0 && max <= 255) return Uint8Array.from(data);
  if (min >= -32768 && max <= 32767) return Int16Array.from(data);
  if (min >= 0 && max <= 65535) return Uint16Array.from(data);
  return data;
}

/** Pure: what the viewer's timeline gets of a slice's record. */
export function summariseSlice(r: SliceRecord): VolumeSliceSummary {
  const m = r.maps[0];
  const top = r.predictions[0];
  return {
    index: r.index,
    targetScore: r.targetScore,
    target: m?.target ?? null,
    iterations: r.iterations,
    loss: r.loss,
    top: top ? { index: top.index, label: top.label, score: top.score } : null,
    ...(m?.start ? { start: m.start } : {}),
    ...(m?.adamPasses ? { adamPasses: m.adamPasses } : {}),
    ...(m?.stop ? { stop: m.stop } : {}),
  };
}

/**
 * Pure: one frame of a sweep: slice `index` along `axis`, grey in [lo, hi] with the attention in
 * `cmap` blended at `opacity` where it (times `attentionScale`) is at least `threshold`; laid out as the view draws it
 * (`o`), `scale` output pixels per mm so that anisotropic voxels keep their shape (nearest voxel).
 */
export function renderSweepFrame(
  vol: Pick<Volume, 'dims' | 'spacing' | 'data'>,
  attention: Float32Array | null,
  axis: VolumeAxis,
  index: number,
  o: SweepOrientation,
  size: { width: number; height: number },
  look: { lo: number; hi: number; cmap: Uint8Array; opacity: number; threshold: number; attentionScale?: number },
): RgbImage {
  const { dims } = vol;
  const strides = [1, dims[0], dims[0] * dims[1]];
  const a = AXES.indexOf(axis);
  const nr = dims[o.right]!;
  const nu = dims[o.up]!;
  const { width, height } = size;
  const out = new Uint8Array(width * height * 3);
  const span = look.hi - look.lo || 1;
  for (let y = 0; y < height; y++) {
    // screen row 0 is the top: the largest "up" coordinate unless flipped
    let vu = Math.min(nu - 1, Math.floor(((y + 0.5) / height) * nu));
    if (!o.flipUp) vu = nu - 1 - vu;
    for (let x = 0; x < width; x++) {
      let vr = Math.min(nr - 1, Math.floor(((x + 0.5) / width) * nr));
      if (o.flipRight) vr = nr - 1 - vr;
      const idx = index * strides[a]! + vr * strides[o.right]! + vu * strides[o.up]!;
      const g = Math.max(0, Math.min(1, (vol.data[idx]! - look.lo) / span)) * 255;
      let r = g;
      let gg = g;
      let b = g;
      const t = attention ? attention[idx]! * (look.attentionScale ?? 1) : 0;
      if (attention && t >= look.threshold && t > 0) {
        const c = Math.max(0, Math.min(255, Math.round(t * 255))) * 3;
        r = g * (1 - look.opacity) + look.cmap[c]! * look.opacity;
        gg = g * (1 - look.opacity) + look.cmap[c + 1]! * look.opacity;
        b = g * (1 - look.opacity) + look.cmap[c + 2]! * look.opacity;
      }
      const p = (y * width + x) * 3;
      out[p] = r;
      out[p + 1] = gg;
      out[p + 2] = b;
    }
  }
  return { width, height, data: out };
}

/** Pure: the in-plane axes of a slice along `axis` in voxel order (what a sweep uses without an orientation). */
export function defaultOrientation(axis: VolumeAxis): SweepOrientation {
  const a = AXES.indexOf(axis);
  const [right, up] = [0, 1, 2].filter((x) => x !== a) as [number, number];
  return { right, flipRight: false, up, flipUp: false };
}

/** Pure: even output size about `longSide` pixels on the long side, keeping the slice's size in mm. */
export function sweepSize(dims: readonly number[], spacing: readonly number[], o: SweepOrientation, longSide = 512): { width: number; height: number } {
  const wMm = dims[o.right]! * spacing[o.right]!;
  const hMm = dims[o.up]! * spacing[o.up]!;
  const k = longSide / Math.max(wMm, hMm);
  const even = (v: number) => Math.max(2, 2 * Math.round((v * k) / 2));
  return { width: even(wMm), height: even(hMm) };
}

/** The answer to a volume.open whose caller gave up (the usual 'cancelled', as media.proxy's). */
function throwIfGaveUp(signal: AbortSignal | undefined, file: string): void {
  if (signal?.aborted) throw new ServiceError('cancelled', `opening ${file} was cancelled`, file);
}

export function volumeHandlers(ctx: ServiceContext, media: MediaRegistry, downloads: Map<string, string>, models: ModelCache): Handlers<VolumeMethods> {
  const open = new Map<string, OpenVolume>();

  const getVolume = (id: string): OpenVolume => {
    const v = open.get(id);
    if (!v) throw new ServiceError('not-found', `no open volume ${id} (it was closed: open the scan again)`);
    return v;
  };
  const volumeJob = (jobId: string): Job<VolumeJobData> => {
    const job = ctx.jobs.get(jobId);
    if (!job || job.kind !== VOLUME_JOB_KIND) throw new ServiceError('not-found', `no volume job ${jobId} (it may have been dropped: run it again)`);
    return job as Job<VolumeJobData>;
  };
  const close = (id: string): boolean => {
    const v = open.get(id);
    if (!v) return false;
    open.delete(id);
    ctx.binaries.release(id);
    return true;
  };

  return {
    async 'volume.open'({ path: file, t = 0 }, signal) {
      // only what media.open checked and resolved (its content, its symlinks): not any path a caller names
      if (!media.isAllowed(file)) throw new ServiceError('not-found', `"${file}" has not been opened (open it first)`, file);
      const abs = path.resolve(file);
      const key = `${abs}\u0000${t}`;
      for (const v of open.values()) if (v.key === key && ctx.binaries.get(v.description.voxels.handle)) return v.description;
      // The reader parses synchronously and takes no signal, so a caller that gave up (the page went
      // away) is looked for around it: no read for nobody, and no stats, compaction or registered
      // voxels (the costly part, and what would take a place among the open scans) after it.
      throwIfGaveUp(signal, abs);
      let volume: Volume;
      try {
        volume = await readVolume(abs, { t });
      } catch (e) {
        // VolumeError's message already names the file
        throw new ServiceError('media', (e as Error).message, file);
      }
      throwIfGaveUp(signal, abs);
      const id = `vol-${randomBytes(6).toString('hex')}`;
      const [nx, ny, nz] = volume.dims;
      const description: VolumeDescription = {
        volumeId: id,
        path: abs,
        name: path.basename(abs),
        format: volume.source.format,
        dims: [...volume.dims],
        spacing: [...volume.spacing],
        affine: volume.affine.map((r) => [...r]),
        datatype: volume.datatype,
        frames: volume.frames ?? 1,
        t,
        acquisitionAxis: acquisitionAxis(volume),
        metadata: { ...volume.metadata },
        stats: volumeStats(volume.data),
        voxels: ctx.binaries.put(id, compactVoxels(volume.data), [nz, ny, nx]),
      };
      open.set(id, { id, key, volume, description });
      while (open.size > MAX_OPEN_VOLUMES) close(open.keys().next().value!);
      return description;
    },

    async 'volume.close'({ volumeId }) {
      return { closed: close(volumeId) };
    },

    async 'volume.start'(req) {
      const v = getVolume(req.volumeId);
      const axis = req.axis ?? v.description.acquisitionAxis;
      if (req.window && !(req.window.hi > req.window.lo)) throw new ServiceError('bad-arguments', `the window's upper percentile (${req.window.hi}) must be above its lower (${req.window.lo})`);
      const total = v.volume.dims[AXES.indexOf(axis)]!;
      const data: VolumeJobData = { request: req, volumeId: v.id, axis, total, slices: [], analysis: null, attention: null, error: null, replay: replayState() };
      const job = ctx.jobs.start(VOLUME_JOB_KIND, data, async (job) => {
        const progress = throttle((p: { slicesDone: number; slicesTotal: number; fps: number; etaS: number | null }) => {
          ctx.emit({ type: 'job.progress', jobId: job.id, kind: VOLUME_JOB_KIND, done: p.slicesDone, total: p.slicesTotal, fps: p.fps, etaS: p.etaS, stage: 'analysing slices' });
        }, 200);
        ctx.emit({ type: 'job.progress', jobId: job.id, kind: VOLUME_JOB_KIND, done: 0, total, fps: null, etaS: null, stage: 'loading the model' });
        try {
          const a = await analyzeVolume({
            volume: v.volume,
            model: { model: req.model, signal: job.controller.signal, log: () => {} },
            // each slice's backbone pass and maps on worker threads, warm chains per worker, as video
            // jobs have them (ctx.workers: the service's setting, default every core; 0: this thread)
            workers: ctx.workers ?? os.availableParallelism(),
            layer: req.layer,
            methods: [req.method],
            classes: req.class === undefined ? [] : [req.class],
            axis,
            window: windowOf(req),
            preset: req.preset,
            solve: { ...(req.solver ? { solver: req.solver } : {}), ...presetLimit(req.preset ?? 'converged', req.maxIterations) },
            warmStart: req.warmStart,
            signal: job.controller.signal,
            onProgress: (p) => progress.push(p),
            onSlice: (r, link) => {
              keepLink(data.replay, r.index, link);
              const s = summariseSlice(r);
              data.slices.push(s);
              ctx.emit({ type: 'volume.slice', jobId: job.id, slice: s, done: data.slices.length, total });
            },
          });
          if (a.partial || job.controller.signal.aborted) return;
          data.analysis = a;
          const att = a.attention[0];
          if (!att) throw new ServiceError('internal', 'the analysis gave no attention volume');
          const [nx, ny, nz] = v.volume.dims;
          data.attention = ctx.binaries.put(job.id, att.data, [nz, ny, nx]);
        } catch (e) {
          // a scan's model is typed in the viewer's model field
          const err = toServiceError(e, v.description.name, 'field');
          data.error = err.message;
          throw err;
        } finally {
          progress.flush();
        }
      });
      return { jobId: job.id };
    },

    async 'volume.result'({ jobId }) {
      const job = volumeJob(jobId);
      const d = job.data;
      const a = d.analysis;
      return {
        jobId,
        volumeId: d.volumeId,
        state: job.state,
        request: d.request,
        axis: d.axis,
        total: d.total,
        slices: d.slices,
        model: a ? { id: a.model.id, layer: a.model.layer, backend: a.model.backend } : null,
        attention: d.attention,
        summary: a ? a.summary : null,
        error: d.error,
      };
    },

    async 'volume.trace'({ jobId, index, every }) {
      const job = volumeJob(jobId);
      const d = job.data;
      const s = d.slices.find((x) => x.index === index);
      if (!s) throw new ServiceError('not-found', `job ${jobId} has no analysed slice ${index}`);
      const method = d.request.method;
      // the map's size is the layer's (a 2-D layer's [h, w, C]); 0 while the job has not finished
      const shape = d.analysis?.model.layerShape;
      const base = { method, width: shape?.length === 3 ? shape[1]! : 0, height: shape?.length === 3 ? shape[0]! : 0 };
      if (method === 'gradcam' || method === 'cam') {
        const name = method === 'cam' ? 'CAM' : 'Grad-CAM';
        return { ...base, solver: method === 'cam' ? 'weights' : 'gradient', iterations: 0, steps: [], filters: null, note: `${name} is computed in one step: there is no convergence to replay`, start: null, warm: null, adam: null, stop: null, optimiser: null };
      }
      // the scan as the job read it (kept with the result; while running, the open scan)
      const volume = d.analysis?.volume ?? getVolume(d.volumeId).volume;
      const { model, split } = await models.split(d.request.model, d.request.layer).catch((e: unknown) => {
        throw toServiceError(e, d.request.model ? `model "${d.request.model}"` : 'the default model', 'field');
      });
      const preset = d.request.preset ?? 'converged';
      const solve = { ...presetSolveOptions(preset, d.request.maxIterations), solver: 'iterative' as const, traceEvery: every ?? 1 };
      const { init, warm } = replayStart(d.replay, index, s.start);
      const map = await replaySlice({
        model, split, volume, axis: d.axis, index, method, target: s.target?.index ?? null, solve, ...(init ? { init } : {}),
        // (the same scan while the job runs and after: an open volume's id never names another)
        window: (d.windowBounds ??= windowBounds(volume.data, windowOf(d.request))),
      });
      const note = s.start === 'exact' ? exactReplayNote('job', preset) : null;
      return traceResult(map, solve, warm, (data, shape) => ctx.binaries.put(job.id, data, shape), note);
    },

    async 'volume.export'(req) {
      const src = volumeJob(req.jobId);
      const a = src.data.analysis;
      if (!a || !a.attention[0]) throw new ServiceError('bad-arguments', 'nothing to export yet: the attention job has not finished');
      const vol = a.volume;
      const att = a.attention[0];
      const data: VolumeExportJobData = { request: req, result: null };
      const job = ctx.jobs.start('export', data, async (job) => {
        const out = await newExportPath(ctx.dataDir, vol.source.path, `${att.method}-${src.data.axis}`, req.format === 'nifti' ? '.nii.gz' : `.${req.format}`);
        try {
          if (req.format === 'nifti') {
            await writeNifti(out, { dims: vol.dims, affine: vol.affine, data: att.data }, {
              ...sourceXformCodes(vol), description: `l2caf ${att.method} axis ${src.data.axis}`,
            });
          } else {
            await writeSweep(vol, att.data, req, out, src.data.axis, job.controller.signal, (done, total) =>
              ctx.emit({ type: 'job.progress', jobId: job.id, kind: 'export', done, total, fps: null, etaS: null, stage: 'exporting' }));
          }
          const st = await stat(out);
          const download = registerDownload(downloads, out);
          data.result = { path: out, name: path.basename(out), sizeBytes: st.size, download };
        } catch (e) {
          throw toServiceError(e, out);
        }
      });
      return { jobId: job.id };
    },
  };
}

async function writeSweep(
  vol: Volume,
  attention: Float32Array,
  req: VolumeExportRequest,
  out: string,
  jobAxis: VolumeAxis,
  signal: AbortSignal,
  onProgress: (done: number, total: number) => void,
): Promise<void> {
  const axis = req.axis ?? jobAxis;
  const a = AXES.indexOf(axis);
  const o = req.orientation ?? defaultOrientation(axis);
  if (o.right === a || o.up === a || o.right === o.up) {
    throw new ServiceError('bad-arguments', `orientation right=${o.right} up=${o.up} does not lie in a slice along ${axis}`);
  }
  const stats = volumeStats(vol.data);
  const lo = req.windowLo ?? stats.p005;
  const hi = req.windowHi ?? stats.p995;
  // attention relative to its maximum, as the window draws it (renderer/volume/attentionScale.ts)
  let max = 0;
  for (let i = 0; i < attention.length; i++) if (attention[i]! > max) max = attention[i]!;
  const look = { lo, hi, cmap: getColormap(req.colormap ?? 'jet'), opacity: req.opacity ?? 0.5, threshold: req.threshold ?? 0, attentionScale: max > 0 ? 1 / max : 1 };
  const size = sweepSize(vol.dims, vol.spacing, o);
  const total = vol.dims[a]!;
  const sink = await encodeVideo({ out, format: req.format as 'mp4' | 'webm' | 'gif', width: size.width, height: size.height, fps: req.fps ?? 10, signal });
  try {
    for (let i = 0; i < total; i++) {
      signal.throwIfAborted();
      await sink.write(renderSweepFrame(vol, attention, axis, i, o, size, look));
      onProgress(i + 1, total);
    }
    await sink.close();
  } catch (e) {
    await sink.abort();
    throw e;
  }
}
