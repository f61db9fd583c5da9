// `analyzeVolume`: a scan in, attention volumes on the scan's exact voxel grid out. Reads the scan
// and loads the model when given paths/flags, windows the intensities once for the whole volume,
// then either slices it (2-D layer: per-slice L2-CAF warm-started across slices) or feeds it whole
// (3-D layer: one d x h x w filter).
import { defaultSolveOptions } from '../attention/index.js';
import type { Method } from '../attention/types.js';
import { inProcessRunner } from '../engine/backboneRunner.js';
import { currentBackend, enginesOf, selectBackend } from '../engine/backend.js';
import { openModel, type ModelFlags } from '../engine/openModel.js';
import { resolveClass, UsageError } from '../engine/targets.js';
import { solveCounts } from '../engine/solveCounts.js';
import type { LoadedModel } from '../models/loadModel.js';
import { createBackbonePool } from '../pool/backbonePool.js';
import type { SplitModel } from '../models/split.js';
import { acquisitionAxis } from '../volume/acquisitionAxis.js';
import { readVolume } from '../volume/readVolume.js';
import type { Axis, Volume } from '../volume/types.js';
import { DEFAULT_WINDOW, windowIntensity } from '../volume/windowIntensity.js';
import { analyzeSlices } from './analyzeSlices.js';
import { analyzeWhole } from './analyzeWhole.js';
import { requestTemplates } from './requests.js';
import type { AnalyzeVolumeOptions, SliceRecord, VolumeAnalysis, VolumeSummary } from './types.js';

/** The summary's solve counts over every slice's maps (nothing without iterative maps). */
function solvesOf(slices: readonly SliceRecord[]): Pick<VolumeSummary, 'solves'> {
  const solves = solveCounts(slices.flatMap((s) => s.maps));
  return solves ? { solves } : {};
}

function isLoadedModel(m: AnalyzeVolumeOptions['model']): m is LoadedModel {
  return !!m && typeof (m as LoadedModel).split === 'function';
}

export async function analyzeVolume(opts: AnalyzeVolumeOptions): Promise<VolumeAnalysis> {
  // (once each, as a video's settings have them: a caller's pool plans its maps so, and a repeated
  // method would only repeat the same map)
  const methods: Method[] = opts.methods?.length ? [...new Set(opts.methods)] : ['l2caf'];
  const classes = opts.classes ?? [];
  const preset = opts.preset ?? 'converged';
  const warmStart = opts.warmStart ?? true;
  const weighting = opts.weighting ?? 'probability';
  const window = opts.window ?? DEFAULT_WINDOW;
  const t = opts.t ?? 0;
  if (!opts.volume && !opts.file) throw new UsageError('analyzeVolume needs a volume or a file');

  const volume: Volume = opts.volume ?? (await readVolume(opts.file!, { t }));
  const axes: Axis[] = opts.axis === 'all' ? ['x', 'y', 'z'] : [opts.axis ?? acquisitionAxis(volume)];
  // Validates the window before any model work, and is shared by every axis.
  const windowed = { dims: volume.dims, spacing: volume.spacing, data: windowIntensity(volume.data, window) };

  const ownsModel = !isLoadedModel(opts.model);
  let model: LoadedModel;
  if (isLoadedModel(opts.model)) model = opts.model;
  else {
    await selectBackend(opts.backend);
    model = await openModel({ ...(opts.model as ModelFlags | undefined), signal: opts.signal });
  }
  let split: SplitModel | undefined;
  try {
    split = model.split(opts.layer);
    const layerRank = split.layerShape.length === 4 ? 3 : 2;
    const numOutputs = outputCount(model, split);
    const needsTarget = methods.some((m) => m !== 'l2caf');
    if (needsTarget && model.outputKind === 'embedding' && classes.length === 0) {
      throw new UsageError('this model outputs an embedding: class-specific methods need --class INDEX (an output index)');
    }
    const targets = classes.length ? classes.map((c) => resolveClass(c, model.labels, numOutputs, model.id)) : null;
    const templates = requestTemplates(methods, targets);
    const solve = { ...defaultSolveOptions(preset), ...opts.solve };
    const limit = opts.solve?.maxIterations;
    const settings = { axes: layerRank === 3 ? [] : axes, methods, classes, window, t, preset, ...(limit !== undefined ? { maxIterations: limit } : {}), warmStart, weighting };
    const modelInfo = {
      id: model.id,
      layer: split.layer,
      layerShape: split.layerShape,
      backend: currentBackend(),
      engines: enginesOf(model.format),
      outputKind: model.outputKind,
      layerRank,
    } as const;

    if (layerRank === 3) {
      let whole: Awaited<ReturnType<typeof analyzeWhole>>;
      try {
        whole = await analyzeWhole({ model, split, windowed, templates, solve, weighting, signal: opts.signal });
      } catch (e) {
        // Cancellation is not an error (as for video jobs): an empty, partial result.
        if (!opts.signal?.aborted) throw e;
        return {
          volume,
          model: modelInfo,
          settings,
          attention: [],
          slices: [],
          summary: { slicesAnalyzed: 0, meanIterations: 0, fps: 0, wallS: 0 },
          partial: true,
        };
      }
      const { attention, record, wallS } = whole;
      opts.onProgress?.({ slicesDone: 1, slicesTotal: 1, fps: 1 / wallS, etaS: 0 });
      const iters = record.maps.map((m) => m.iterations);
      return {
        volume,
        model: modelInfo,
        settings,
        attention,
        slices: [],
        whole: record,
        summary: { slicesAnalyzed: 1, meanIterations: mean(iters), fps: 1 / wallS, wallS },
      };
    }

    // A worker pool splits its own model copy: it must be at the same layer, or the features
    // it returns do not fit this head.
    for (const [what, p] of [['backbone runner', opts.runner], ['pool', opts.pool]] as const) {
      const poolLayer = (p as { layer?: unknown } | undefined)?.layer;
      if (typeof poolLayer === 'string' && poolLayer !== split.layer) {
        throw new UsageError(`the ${what} splits at layer "${poolLayer}" but the analysis uses "${split.layer}"`);
      }
    }
    // Workers of this call's own (opts.workers): each slice's backbone pass and its maps run there,
    // the warm chains cut into contiguous chunks, one worker each (analyzeSlices), so the solves use
    // every core as a video's do. A caller's pool is used the same way.
    const flags = opts.workerModel ?? (isLoadedModel(opts.model) ? undefined : opts.model);
    const workers = opts.runner || opts.pool ? 0 : (opts.workers ?? 0);
    if (workers > 0 && !flags) throw new UsageError('analyzeVolume: workers need workerModel (how they load the model) when given a loaded model');
    const pool =
      workers > 0
        ? await createBackbonePool({ model: flags!, layer: split.layer, workers, backend: currentBackend(), signal: opts.signal, plan: { methods, classes, solve, warmStart } })
        : null;
    const solver = opts.pool ?? pool;
    // (with a solver the runner is not asked for anything)
    const runner = opts.runner ?? pool ?? inProcessRunner(model, split);
    try {
      const job = await analyzeSlices({
        model,
        split,
        runner,
        ...(solver ? { solver } : {}),
        windowed,
        axes,
        templates,
        solve,
        warmStart,
        weighting,
        // (a job that fails takes its slices sent ahead off the caller's pool: analyzeSlices)
        signal: opts.signal,
        onProgress: opts.onProgress,
        onSlice: opts.onSlice,
        resume: opts.resume,
      });
      const result: VolumeAnalysis = {
        volume,
        model: modelInfo,
        settings,
        attention: job.attention,
        slices: job.slices,
        summary: {
          slicesAnalyzed: job.slices.length,
          meanIterations: mean(job.slices.map((s) => s.iterations)),
          fps: job.wallS > 0 ? job.computed / job.wallS : 0,
          wallS: job.wallS,
          ...solvesOf(job.slices),
        },
      };
      if (job.partial) result.partial = true;
      return result;
    } finally {
      if (!opts.runner) await runner.close();
    }
  } finally {
    split?.dispose();
    if (ownsModel) model.dispose();
  }
}

/**
 * The number of outputs, to check --class indices before any slice is run: the label count when
 * there are labels, else the head's (layers heads bind their backbone tensors lazily, so a head
 * made without them can be asked its size).
 */
function outputCount(model: LoadedModel, split: SplitModel): number {
  if (model.labels) return model.labels.length;
  try {
    return split.head({ features: null as never, side: [] }).numOutputs;
  } catch {
    return Number.MAX_SAFE_INTEGER;
  }
}

function mean(a: readonly number[]): number {
  return a.length ? a.reduce((s, v) => s + v, 0) / a.length : 0;
}
