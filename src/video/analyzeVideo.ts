// One clip, every analysed frame: probe, stream frames at the model's input size, backbone passes
// and every map in worker threads (a bounded number in flight, so memory does not grow with the
// clip). Warm-started iterative L2-CAF runs as chains: the frames are cut into contiguous chunks
// (chainLength), each chunk a chain that starts cold (the deterministic start) and goes to one
// worker in order, each frame starting from the previous frame's filter and curvature, so warm
// chains use every worker as cold solves do. Frames are taken back in order, so progress, the
// timeline and the cache see them as before. Results go to the disk cache as they come, so a
// stopped job resumes (its first frame continues the chain from the cached filter) and a finished
// one is served without a model.
//
// Cancellation (opts.signal) is not an error: the timeline comes back with partial: true and the
// frames done so far; ffmpeg and the workers are gone by the time the promise settles.
import { getMaxListeners, setMaxListeners } from 'node:events';
import type { AttentionMap, Method, SolveOptions } from '../attention/types.js';
import { defaultSolveOptions } from '../attention/index.js';
import { carryWarmStarts, requestKey, warmStartsOf, type WarmStart } from '../engine/analyze.js';
import { backboneOnPixels } from '../engine/backboneRunner.js';
import { currentBackend, enginesOf, selectBackend } from '../engine/backend.js';
import { openModel } from '../engine/openModel.js';
import { EtaEstimator } from '../jobs/eta.js';
import { UsageError } from '../engine/targets.js';
import { decodeFrames, selectFrames } from '../media/decodeFrames.js';
import { probeVideo, type VideoInfo } from '../media/probeVideo.js';
import type { LoadedModel } from '../models/loadModel.js';
import type { SplitModel } from '../models/split.js';
import { createBackbonePool, type BackbonePool } from '../pool/backbonePool.js';
import { createFrameSolver, warmStartsFrom, type FramePlan, type FrameWork } from '../engine/frameSolver.js';
import { chainLength, chainRouter, handsWarmStart, inFlight, type WorkerRoute } from '../engine/chains.js';
import { identityNow, sameIdentity } from '../fs/openVerified.js';
import { cacheKey } from './cacheKey.js';
import { sha256File } from './hashFile.js';
import { defaultVideoCacheDir, VideoCache, type CachedFrame } from './videoCache.js';
import { summarise, toTimelineFrame } from './timelineFrame.js';
import { evalSummary } from './evalSummary.js';
import { frameEvaluator, type FrameEvaluator } from './frameEvaluator.js';
import { sentAhead } from '../engine/sentAhead.js';
import type { FramePool, Timeline, TimelineFrame, TimelineVideo, VideoEvalOptions, VideoJobOptions } from './types.js';

const METHODS: readonly Method[] = ['l2caf', 'l2caf-class', 'gradcam', 'cam'];

/** Options with defaults applied, checked before any work: the timeline's settings plus the solver's. */
interface Settings extends Omit<Timeline['settings'], 'eval'> {
  solve: SolveOptions;
  eval: VideoEvalOptions | null;
}

const BASELINES: readonly VideoEvalOptions['baseline'][] = ['blur', 'mean', 'zero'];

function evalSettingsOf(e: VideoEvalOptions | undefined): VideoEvalOptions | null {
  if (!e) return null;
  if (!Number.isInteger(e.steps) || e.steps < 2 || e.steps > 1000) throw new UsageError(`eval steps must be an integer from 2 to 1000, got ${e.steps}`);
  if (!BASELINES.includes(e.baseline)) throw new UsageError(`unknown eval baseline "${e.baseline}" (choose ${BASELINES.join(', ')})`);
  return { steps: e.steps, baseline: e.baseline };
}

function settingsOf(opts: VideoJobOptions): Settings {
  if (!opts.methods?.length) throw new UsageError('analyzeVideo: give at least one method');
  for (const m of opts.methods) if (!METHODS.includes(m)) throw new UsageError(`unknown method "${m}" (choose ${METHODS.join(', ')})`);
  const stride = opts.stride ?? 1;
  if (!Number.isInteger(stride) || stride < 1) throw new UsageError(`stride must be a positive integer, got ${stride}`);
  const preset = opts.preset ?? 'converged';
  if (opts.workers !== undefined && !(Number.isInteger(opts.workers) && opts.workers >= 0)) {
    throw new UsageError(`workers must be a non-negative integer, got ${opts.workers}`);
  }
  return {
    methods: [...new Set(opts.methods)],
    classes: opts.classes ?? [],
    stride,
    fromS: opts.fromS ?? null,
    toS: opts.toS ?? null,
    preset,
    warmStart: opts.warmStart ?? true,
    solve: { ...defaultSolveOptions(preset), ...opts.solve },
    eval: evalSettingsOf(opts.eval),
  };
}

function isAbort(e: unknown, signal: AbortSignal | undefined): boolean {
  return !!signal?.aborted || (e as Error)?.name === 'AbortError' || (e as { code?: string })?.code === 'aborted';
}

function videoOf(file: string, info: VideoInfo): TimelineVideo {
  // The exact rate when constant (webm timestamps in ms make the average 15.0026 for 15 fps).
  const fps = info.fpsRational && !info.variableFrameRate ? info.fpsRational.num / info.fpsRational.den : info.fps;
  return { path: file, width: info.width, height: info.height, fps, durationS: info.durationS, frameCount: info.frameCount };
}

/** The frame runner when there are no workers: backbone and frame-local solves on this thread. */
function localRunner(model: LoadedModel, split: SplitModel, plan: FramePlan): FramePool {
  const solver = createFrameSolver(model, split, plan);
  return {
    concurrency: 1,
    async analyze(rgb, w, h, signal, route) {
      signal?.throwIfAborted();
      return solver(await backboneOnPixels(model, split, rgb, w, h), route?.chain);
    },
    close: async () => {},
  };
}

function paramsOf(maps: readonly AttentionMap[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const m of maps) if (m.param) out[requestKey({ method: m.method, target: m.target })] = Array.from(m.param);
  return out;
}

export async function analyzeVideo(opts: VideoJobOptions): Promise<Timeline> {
  const started = performance.now();
  const s = settingsOf(opts);
  const signal = opts.signal;
  // The clip as it is before anything reads it: frames decoded after it changed (rewritten in place,
  // replaced) may be of the new content, and must not be cached under the old content's hash, where
  // a later run would take them as its own. (Device, inode, size and change time: any write moves
  // the change time, even one that keeps the size and the modification time.)
  const identity = await identityNow(opts.file);
  const info = await probeVideo(opts.file, { signal });
  const planned = selectFrames(info, opts.fromS, opts.toS, s.stride).indices;
  const video = videoOf(opts.file, info);
  const settings: Timeline['settings'] = {
    methods: s.methods,
    classes: s.classes,
    stride: s.stride,
    fromS: s.fromS,
    toS: s.toS,
    preset: s.preset,
    ...(opts.solve?.maxIterations !== undefined ? { maxIterations: opts.solve.maxIterations } : {}),
    warmStart: s.warmStart,
  };
  if (s.eval) settings.eval = s.eval;

  // The cache, before any model work.
  const cacheDir = opts.cacheDir === undefined ? defaultVideoCacheDir() : opts.cacheDir;
  const cache = cacheDir === null ? null : new VideoCache(cacheDir);
  let key = '';
  let done: CachedFrame[] = [];
  let owner = true;
  // Until the model is loaded: the model and layer as asked for.
  let modelInfo: Timeline['model'] = { id: opts.model.model ?? '(default)', layer: opts.layer ?? '(default)', backend: '' };
  if (cache) {
    let fileSha256: string;
    try {
      fileSha256 = await sha256File(opts.file, signal);
    } catch (e) {
      if (!isAbort(e, signal)) throw e;
      // Cancelled while hashing a long clip: like any cancel, a partial (here empty) timeline.
      const wallS = (performance.now() - started) / 1000;
      return { video, model: modelInfo, settings, frames: [], summary: summarise([], wallS, 0), warnings: info.warnings, cache: null, partial: true };
    }
    // Everything the timeline's settings say, plus what else changes the result.
    key = cacheKey({
      ...settings,
      fileSha256,
      model: opts.model.model ?? '(default)',
      layer: opts.layer ?? '(default)',
      solve: s.solve,
      inputSize: opts.model.inputSize ?? null,
      scale: opts.model.scale ?? null,
      offset: opts.model.offset ?? null,
      mean: opts.model.mean,
      std: opts.model.std,
      labels: opts.model.labels,
      output: opts.model.output,
    });
    const finished = await cache.readFinished(key);
    if (finished) {
      for (const f of finished.frames) opts.onFrame?.(f);
      const n = finished.frames.length;
      opts.onProgress?.({ framesDone: n, framesTotal: n, fps: 0, etaS: 0 });
      return { ...finished, video: { ...finished.video, path: opts.file }, cache: { key, hit: 'finished' } };
    }
    done = await cache.readPartial(key);
    // Keep it only when it is a prefix of the plan (anything else means the entry is not what we think it is).
    if (done.length > planned.length || !done.every((c, i) => c.frame.index === planned[i])) done = [];
    owner = await cache.open(key, done.length === 0);
  }

  try {
    const frames: TimelineFrame[] = done.map((c) => c.frame);
    for (const f of frames) opts.onFrame?.(f);
    // A resumed job's first frame continues the chain from the last cached frame's filters.
    const resumeFrom = s.warmStart && done.length ? done[done.length - 1]!.params : undefined;
    const remaining = planned.slice(done.length);
    let computed = 0;
    let partial = false;

    const eta = new EtaEstimator();
    const report = (): void => {
      const elapsedS = (performance.now() - started) / 1000;
      const fps = elapsedS > 0 ? computed / elapsedS : 0;
      opts.onProgress?.({ framesDone: frames.length, framesTotal: planned.length, fps, etaS: eta.update(frames.length, planned.length, elapsedS) });
    };

    if (remaining.length > 0) {
      let model: LoadedModel | null = null;
      let runner: FramePool | null = null;
      // The frames sent ahead also listen to this job's end (see finally: engine/sentAhead.ts).
      const queued = sentAhead(signal);
      const frameSignal = queued.signal;
      try {
        // A model that takes any size gets the clip's aspect ratio; the workers must choose the same.
        const flags = { ...opts.model, sourceSize: opts.model.sourceSize ?? { width: info.width, height: info.height } };
        // A caller's loaded model (batch runs: one load serves every clip) is used as is and kept.
        if (opts.loadedModel) model = opts.loadedModel;
        else {
          await selectBackend(opts.backend);
          model = await openModel({ ...flags, signal });
        }
        const split = model.split(opts.layer);
        modelInfo = { id: model.id, layer: split.layer, backend: currentBackend(), engines: enginesOf(model.format) };
        const needsTarget = s.methods.some((m) => m !== 'l2caf');
        if (needsTarget && model.outputKind === 'embedding' && s.classes.length === 0) {
          throw new UsageError('this model outputs an embedding: class-specific methods need --class INDEX (an output index)');
        }
        const plan: FramePlan = { methods: s.methods, classes: s.classes, solve: s.solve, warmStart: s.warmStart };
        const [h, w] = model.inputSize;
        runner =
          opts.pool ??
          (opts.workers === 0
            ? localRunner(model, split, plan)
            : await createBackbonePool({ model: flags, layer: split.layer, backend: modelInfo.backend, workers: opts.workers, signal, plan }));
        // Warm chains: one chunk per worker at a time, in order (see engine/chains.ts).
        const chain = s.warmStart ? chainLength(remaining.length, runner.concurrency) : 0;
        // Enough in flight to keep every worker busy while the head of the queue is awaited (inFlight).
        const maxInFlight = inFlight(runner.concurrency, chain, remaining.length);
        // Each frame in flight listens to the job's signal (it can be cancelled on its own), and
        // so do ffmpeg and the pool: more than Node's default of 10, which it reports as a leak
        // ("MaxListenersExceededWarning") on every warm-chained non-linear video.
        if (signal) setMaxListeners(Math.max(getMaxListeners(signal), maxInFlight + 10), signal);
        setMaxListeners(maxInFlight + 10, frameSignal);
        // handed: the frame's solves get its chain's previous warm starts (not a chunk's first frame,
        // unless a resumed job's first, which continues from the cache's filters)
        const inflight: { index: number; timeS: number; rgb: Uint8Array | null; handed: boolean; p: Promise<FrameWork> }[] = [];
        const evaluator: FrameEvaluator | null = s.eval ? frameEvaluator(model, split, s.eval) : null;
        const r = runner;
        // (a resumed job's chain starts from the cached filters, as the worker's does)
        let leaves: Map<string, WarmStart> | undefined = resumeFrom ? warmStartsFrom(resumeFrom) : undefined;

        const processNext = async (): Promise<void> => {
          const job = inflight.shift()!;
          const work = await job.p;
          signal?.throwIfAborted();
          const maps = work.maps;
          const logits = work.logits;
          const frame = toTimelineFrame({
            index: job.index,
            timeS: job.timeS,
            logits,
            maps,
            labels: model!.labels,
            outputKind: model!.outputKind,
            previous: frames[frames.length - 1] ?? null,
          });
          if (evaluator && job.rgb) await evaluator(frame, { data: job.rgb, width: w, height: h }, logits);
          const params = paramsOf(maps);
          frames.push(frame);
          computed++;
          if (cache) await cache.append(key, { frame, params });
          // what the worker's chain hands the next frame (frameSolver), for replays of it
          const own = warmStartsOf(maps);
          leaves = job.handed ? carryWarmStarts(leaves, own) : own;
          opts.onFrame?.(frame, s.warmStart ? { handed: job.handed, leaves } : undefined);
          report();
        };

        const fromS = done.length ? info.frameTimesS[remaining[0]!]! : opts.fromS;
        const nextRoute = chain ? chainRouter(chain, r.concurrency, resumeFrom && { key: '', init: resumeFrom }) : null;
        for await (const fr of decodeFrames(opts.file, { width: w, height: h, fromS, toS: opts.toS, stride: s.stride, signal, info })) {
          const route: WorkerRoute | undefined = nextRoute?.();
          const p = r.analyze(fr.data, fr.width, fr.height, frameSignal, route);
          p.catch(() => {}); // awaited in order by processNext; this only stops "unhandled" reports
          // The decoded frame is kept only when --eval scores it (the curves perturb the input itself).
          inflight.push({ index: fr.index, timeS: fr.timeS, rgb: s.eval ? fr.data : null, handed: handsWarmStart(route), p });
          while (inflight.length >= maxInFlight) await processNext();
        }
        while (inflight.length) await processNext();
      } catch (e) {
        if (!isAbort(e, signal)) throw e;
        partial = true;
      } finally {
        // (the frames still queued are called off first: a caller's pool stays open for its next job)
        queued.end();
        if (runner !== opts.pool) await runner?.close();
        if (!opts.loadedModel) model?.dispose();
      }
    }

    const now = computed > 0 ? await identityNow(opts.file) : identity;
    const changed = !(identity && now && sameIdentity(identity, now));
    // (only this run's own entry is dropped: another job's is not ours to judge)
    const discard = changed && !!cache && owner;
    const warnings = [...info.warnings];
    if (!owner) warnings.push('another job is analysing this clip with the same settings: this run was not cached');
    if (changed) {
      warnings.push(discard
        ? `${opts.file} changed while it was analysed: these results were not cached (analyse it again for the new content)`
        : `${opts.file} changed while it was analysed: analyse it again for the new content`);
    }
    const wallS = (performance.now() - started) / 1000;
    const timeline: Timeline = {
      video,
      model: modelInfo,
      settings,
      frames,
      summary: s.eval ? { ...summarise(frames, wallS, computed), eval: evalSummary(frames) } : summarise(frames, wallS, computed),
      warnings,
      cache: cache && !discard ? { key, hit: done.length ? 'resumed' : 'miss' } : null,
    };
    if (partial) timeline.partial = true;
    if (discard) await cache!.discard(key);
    else if (cache && !partial) await cache.finish(key, { ...timeline, cache: null });
    report();
    return timeline;
  } finally {
    // Finished, cancelled or failed: the key is free for the next job (finish() released it already).
    if (cache) await cache.release(key);
  }
}
