// Video jobs: start (answers with the job id at once), frames as events with their maps stored by
// handle, the timeline so far or complete, the convergence replay of one frame, and export jobs.
import path from 'node:path';
import {
  ServiceError,
  type CoreMethods, type ExportRequest, type ExportResult, type FrameSummary, type MapInfo, type TimelineView,
  type TraceResult, type VideoJobRequest,
} from '../contract/index.js';
import { presetLimit, presetSolveOptions } from '../attention/solve.js';
import type { Timeline, TimelineFrame } from '../video/types.js';
import { throttle } from '../jobs/throttle.js';
import type { Job } from '../jobs/jobRegistry.js';
import type { Handlers, ServiceContext } from './context.js';
import type { ModelCache } from './modelCache.js';
import { analyzeVideo, exportAnnotated, sliceTimeline, writeTimelineSidecars } from '../video/index.js';
import { evalSummary } from '../video/evalSummary.js';
import { evalOptionsOf, normaliseRequest } from './evalOptions.js';
import { stableJson } from '../video/cacheKey.js';
import { analyzeFrame, decodeFrameAt } from './frameAnalysis.js';
import { toServiceError } from './errors.js';
import type { MediaRegistry, OpenedFile } from './mediaRegistry.js';
import { newExportPath, registerDownload } from './exportsFolder.js';
import { diskSize } from '../fs/diskSize.js';
import { identityNow, sameIdentity } from '../fs/openVerified.js';
import { modelLabels } from '../engine/openModel.js';
import { keepLink, replayStart, replayState, type ReplayState } from './replayState.js';
import { exactReplayNote, traceResult } from './traceResult.js';
import { resolveClass } from '../engine/targets.js';

export interface VideoJobData {
  request: VideoJobRequest;
  frames: FrameSummary[];
  /** per slot: [2, mapCount, h, w] (normalised, raw) */
  maps: Float32Array[];
  /** per slot and map: the target index the map used (class-specific maps follow the top class) */
  targets: (number | null)[][];
  mapInfo: MapInfo[];
  mapWidth: number;
  mapHeight: number;
  rawMax: number[];
  timeline: Timeline | null;
  /** the frames as the pipeline gave them (an export of a cancelled job builds its timeline from these) */
  pipelineFrames: TimelineFrame[];
  view: { count: number; ref: TimelineView['maps'] } | null;
  /** by slot: each frame's place in its warm chain, for replays as the job ran them (replayState.ts) */
  replay: ReplayState;
  /** the clip as it was opened: an export draws the maps on its frames only while it is unchanged */
  source?: OpenedFile;
}

/** Pure: two recorded identities of a clip name the same unchanged file (both unknown counts as the same). */
const sameSource = (a: OpenedFile | undefined, b: OpenedFile | undefined): boolean => (a && b ? sameIdentity(a, b) : a === b);

/** Pure: the warnings of a run that media.open did not give already. */
const runWarnings = (all: readonly string[], atOpen: readonly string[]): string[] => all.filter((w) => !atOpen.includes(w));

export interface ExportJobData {
  request: ExportRequest;
  result: ExportResult | null;
}

/** Pure: one pipeline frame as the contract's summary plus its maps packed [2, m, h, w]. */
export function packFrame(f: TimelineFrame, slot: number): { summary: FrameSummary; maps: Float32Array; mapInfo: MapInfo[] } {
  const m = f.maps.length;
  const w = f.maps[0]?.width ?? f.width;
  const h = f.maps[0]?.height ?? f.height;
  const n = w * h;
  const packed = new Float32Array(2 * m * n);
  f.maps.forEach((map, i) => {
    if (map.values.length !== n || map.raw.length !== n) throw new Error(`frame ${f.index}: map ${i} is not ${w}x${h}`);
    packed.set(map.values, i * n);
    packed.set(map.raw, (m + i) * n);
  });
  const first = f.maps[0];
  return {
    summary: {
      slot, index: f.index, timeS: f.timeS, iterations: f.iterations, loss: f.loss, flicker: f.flicker,
      targetScore: first?.targetScore ?? null,
      predictions: f.predictions.map((p) => ({ index: p.index, label: p.label, score: p.score })),
      maps: f.maps.map((x) => ({
        iterations: x.iterations, entropy: x.entropy, flicker: x.flicker,
        ...(x.start ? { start: x.start } : {}), ...(x.adamPasses ? { adamPasses: x.adamPasses } : {}), ...(x.stop ? { stop: x.stop } : {}),
        eval: x.eval ? { score: x.eval.score, deletionAuc: x.eval.deletionAuc, insertionAuc: x.eval.insertionAuc, drop: x.eval.drop, increase: x.eval.increase } : null,
      })),
    },
    maps: packed,
    mapInfo: f.maps.map((x) => ({ method: x.method, target: x.target, solver: x.solver })),
  };
}

/**
 * Identical requests reuse a finished job (the pipeline's disk cache covers restarts). Compared
 * at every depth: eval's steps and baseline are part of what makes two jobs differ.
 */
function sameRequest(a: VideoJobRequest, b: VideoJobRequest): boolean {
  return stableJson(a) === stableJson(b);
}

async function checkClasses(model: string | undefined, classes: readonly (string | number)[]): Promise<void> {
  const { id, labels } = await modelLabels({ model }).catch((e: unknown) => {
    throw toServiceError(e, model ? `model "${model}"` : 'the default model');
  });
  if (!labels) return;
  for (const c of classes) {
    try {
      resolveClass(c, labels, labels.length);
    } catch (e) {
      throw new ServiceError('bad-arguments', `${id}: ${(e as Error).message}`);
    }
  }
}

export function videoHandlers(ctx: ServiceContext, models: ModelCache, media: MediaRegistry, downloads: Map<string, string>): Handlers<Pick<CoreMethods, 'video.start' | 'video.timeline' | 'video.trace' | 'export.start'>> {
  const videoJob = (jobId: string): Job<VideoJobData> => {
    const job = ctx.jobs.get(jobId);
    if (!job || job.kind !== 'video') throw new ServiceError('not-found', `no video job ${jobId} (it may have been dropped: start it again)`);
    return job as Job<VideoJobData>;
  };

  return {
    async 'video.start'(asked) {
      const req = normaliseRequest(asked);
      const evalOpts = evalOptionsOf(req.eval);
      if (!media.isAllowed(req.file)) throw new ServiceError('not-found', `"${req.file}" has not been opened (open it first)`, req.file);
      if (req.methods.length === 0) throw new ServiceError('bad-arguments', 'choose at least one method');
      if (req.fromS !== undefined && req.toS !== undefined && req.toS <= req.fromS) throw new ServiceError('bad-arguments', `the range ends (${req.toS} s) before it starts (${req.fromS} s)`);
      // classes against the model's labels now, not in a worker seconds later
      if (req.classes.length) await checkClasses(req.model, req.classes);
      // (a finished job of the same request is the answer, while the clip is the one it analysed)
      const source = media.identity(req.file);
      for (const j of ctx.jobs.list()) {
        const job = ctx.jobs.get(j.jobId) as Job<VideoJobData> | undefined;
        if (job?.kind === 'video' && job.state === 'done' && sameRequest(job.data.request, req) && sameSource(job.data.source, source)) return { jobId: job.id, cached: true };
      }
      const data: VideoJobData = { request: req, frames: [], maps: [], targets: [], mapInfo: [], mapWidth: 0, mapHeight: 0, rawMax: [], timeline: null, pipelineFrames: [], view: null, replay: replayState(), source };
      const job = ctx.jobs.start('video', data, async (job) => {
        const progress = throttle((p: { framesDone: number; framesTotal: number; fps: number; etaS: number | null }) => {
          ctx.emit({ type: 'job.progress', jobId: job.id, kind: 'video', done: p.framesDone, total: p.framesTotal, fps: p.fps, etaS: p.etaS, stage: 'analysing' });
        }, 200);
        try {
          const timeline = await analyzeVideo({
            file: req.file,
            model: { model: req.model, signal: job.controller.signal, log: () => {} },
            layer: req.layer,
            methods: req.methods,
            classes: req.classes,
            stride: req.stride,
            fromS: req.fromS,
            toS: req.toS,
            preset: req.preset,
            warmStart: req.warmStart,
            ...(evalOpts ? { eval: evalOpts } : {}),
            solve: { ...(req.solver ? { solver: req.solver } : {}), ...presetLimit(req.preset ?? 'converged', req.maxIterations) },
            workers: ctx.workers,
            cacheDir: ctx.videoCacheDir,
            signal: job.controller.signal,
            onProgress: (p) => progress.push(p),
            onFrame: (f, link) => {
              const slot = data.frames.length;
              keepLink(data.replay, slot, link);
              const { summary, maps, mapInfo } = packFrame(f, slot);
              data.frames.push(summary);
              data.maps.push(maps);
              data.targets.push(f.maps.map((m) => m.target?.index ?? null));
              data.pipelineFrames.push(f);
              if (slot === 0) {
                data.mapInfo = mapInfo;
                data.mapWidth = f.maps[0]?.width ?? f.width;
                data.mapHeight = f.maps[0]?.height ?? f.height;
                data.rawMax = f.maps.map(() => 0);
              }
              f.maps.forEach((m, i) => {
                for (const v of m.raw) if (v > data.rawMax[i]!) data.rawMax[i] = v;
                // a target that changes between frames (the top class) is not one target for the clip
                const t = data.mapInfo[i]?.target;
                if (t && m.target?.index !== t.index) data.mapInfo[i] = { ...data.mapInfo[i]!, target: null };
              });
              const ref = ctx.binaries.put(job.id, maps, [2, f.maps.length, data.mapHeight, data.mapWidth]);
              ctx.emit({ type: 'job.frame', jobId: job.id, frame: summary, maps: ref, mapInfo: data.mapInfo });
            },
          });
          data.timeline = timeline;
          if (timeline.partial && !job.controller.signal.aborted) throw new ServiceError('internal', 'the analysis stopped early');
        } catch (e) {
          throw toServiceError(e, req.file);
        } finally {
          progress.flush();
        }
      });
      return { jobId: job.id, cached: false };
    },

    async 'video.timeline'({ jobId }) {
      const job = videoJob(jobId);
      const d = job.data;
      const info = media.videoInfo(d.request.file);
      if (!d.view || d.view.count !== d.maps.length) {
        let ref: TimelineView['maps'] = null;
        if (d.maps.length) {
          const per = d.maps[0]!.length;
          const all = new Float32Array(per * d.maps.length);
          d.maps.forEach((m, i) => all.set(m, i * per));
          ref = ctx.binaries.put(job.id, all, [d.maps.length, 2, d.mapInfo.length, d.mapHeight, d.mapWidth]);
        }
        d.view = { count: d.maps.length, ref };
      }
      const t = d.timeline;
      return {
        jobId,
        state: job.state,
        video: t?.video ?? info,
        model: t?.model ?? { id: d.request.model ?? '', layer: d.request.layer ?? '', backend: '' },
        settings: d.request,
        mapInfo: d.mapInfo,
        mapWidth: d.mapWidth,
        mapHeight: d.mapHeight,
        frames: d.frames,
        maps: d.view.ref,
        rawMax: d.rawMax,
        summary: t?.summary ?? null,
        partial: job.state !== 'done' || !!t?.partial,
        // the run's own (the clip changed during it, another job caches it), not media.open's again
        warnings: runWarnings(t?.warnings ?? [], media.openWarnings(d.request.file)),
      };
    },

    async 'video.trace'({ jobId, slot, mapIndex = 0, every }): Promise<TraceResult> {
      const job = videoJob(jobId);
      const d = job.data;
      const frame = d.frames[slot];
      const info = d.mapInfo[mapIndex];
      if (!frame) throw new ServiceError('not-found', `job ${jobId} has no analysed frame ${slot}`);
      if (!info) throw new ServiceError('not-found', `job ${jobId} has no map ${mapIndex}`);
      const base = { method: info.method, width: d.mapWidth, height: d.mapHeight };
      if (info.method === 'gradcam' || info.method === 'cam') {
        return { ...base, solver: info.solver, iterations: 0, steps: [], filters: null, note: `${info.method === 'cam' ? 'CAM' : 'Grad-CAM'} is computed in one step: there is no convergence to replay`, start: null, warm: null, adam: null, stop: null, optimiser: null };
      }
      // A frame whose solves were handed the previous frame's warm starts (its chain's state: that
      // frame's filters and curvature) replays from the same state when the job kept it.
      const { init, warm } = replayStart(d.replay, slot, frame.maps?.[mapIndex]?.start);
      const { model, split } = await models.split(d.request.model, d.request.layer);
      const frameRgb = await decodeFrameAt(d.request.file, frame.timeS, model.inputSize);
      const solve = { ...presetSolveOptions(d.request.preset ?? 'converged', d.request.maxIterations), solver: 'iterative' as const, traceEvery: every ?? 1 };
      const r = await analyzeFrame(model, split, frameRgb, [{ method: info.method, target: d.targets[slot]?.[mapIndex] ?? null }], solve, init);
      const note = info.solver === 'exact' ? exactReplayNote('timeline', d.request.preset) : null;
      return traceResult(r.maps[0]!, solve, warm, (data, shape) => ctx.binaries.put(job.id, data, shape), note);
    },

    async 'export.start'(req) {
      const src = videoJob(req.jobId);
      if (src.data.pipelineFrames.length === 0) throw new ServiceError('bad-arguments', 'nothing to export yet: the analysis has no frames');
      if (req.fromS !== undefined && req.toS !== undefined && req.toS <= req.fromS) throw new ServiceError('bad-arguments', `the export range ends (${req.toS} s) before it starts (${req.fromS} s)`);
      const d = src.data;
      // Rewritten or replaced since it was opened (and analysed): the maps are of other frames.
      const now = d.source && (await identityNow(d.source.path));
      if (d.source && !(now && sameIdentity(now, d.source))) {
        throw new ServiceError('media', `${d.request.file} changed after it was analysed: open it and analyse it again to export it`, d.request.file);
      }
      const data: { request: ExportRequest; result: ExportResult | null } = { request: req, result: null };
      const job = ctx.jobs.start('export', data, async (job) => {
        const out = await newExportPath(ctx.dataDir, d.request.file, '', req.format === 'png' ? '' : `.${req.format}`);
        const evalOfJob = evalOptionsOf(d.request.eval);
        const timeline: Timeline = d.timeline ?? {
          video: media.videoInfo(d.request.file),
          model: { id: d.request.model ?? '', layer: d.request.layer ?? '', backend: '' },
          settings: {
            methods: d.request.methods, classes: d.request.classes, stride: d.request.stride ?? 1, fromS: d.request.fromS ?? null, toS: d.request.toS ?? null,
            preset: d.request.preset ?? 'converged', warmStart: d.request.warmStart ?? true, ...(evalOfJob ? { eval: evalOfJob } : {}),
          },
          frames: d.pipelineFrames,
          summary: {
            framesAnalyzed: d.pipelineFrames.length, meanIterations: 0, meanFlicker: null, fps: 0, wallS: 0,
            // the frames done so far carry their numbers: the sidecars keep them, flagged over what exists
            ...(evalOfJob ? { eval: evalSummary(d.pipelineFrames) } : {}),
          },
          partial: true,
        };
        const progress = throttle((p: { framesDone: number; framesTotal: number }) => {
          ctx.emit({ type: 'job.progress', jobId: job.id, kind: 'export', done: p.framesDone, total: p.framesTotal, fps: null, etaS: null, stage: 'exporting' });
        }, 200);
        try {
          const r = await exportAnnotated({
            file: d.request.file, timeline, out, mapIndex: req.mapIndex, colormap: req.colormap, opacity: req.opacity, threshold: req.threshold,
            scale: req.scale, sideBySide: req.sideBySide, between: req.between, fromS: req.fromS, toS: req.toS,
            signal: job.controller.signal, onProgress: (p) => progress.push(p),
          });
          // a handle for every export (a PNG folder too): the browser downloads files by it,
          // Electron's main process saves or reveals the export by it
          const download = registerDownload(downloads, r.path);
          // The clip carries its numbers (as `l2caf video --out` does): the timeline it was drawn
          // from, cut to the exported range like the clip. Each file has a handle of its own: the
          // browser downloads one file per link.
          const sidecars = await writeTimelineSidecars(r.path, sliceTimeline(timeline, req.fromS, req.toS));
          const sidecarDownloads = { json: registerDownload(downloads, sidecars.json), csv: registerDownload(downloads, sidecars.csv) };
          // (after the sidecars: a PNG folder's size counts them, as its ZIP download holds them)
          data.result = { path: r.path, name: path.basename(r.path), sizeBytes: await diskSize(r.path), download, sidecars, sidecarDownloads };
        } catch (e) {
          throw toServiceError(e, d.request.file);
        } finally {
          progress.flush();
        }
      });
      return { jobId: job.id };
    },
  };
}
