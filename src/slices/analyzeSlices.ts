// The per-slice loop for models whose chosen layer is 2-D: each slice through the backbone (in
// this thread or a worker pool, a few slices ahead), then every map from the head alone, L2-CAF
// filters warm-started from the neighbouring slice, each map put back on the slice's voxel grid
// and stacked into one attention volume per axis and map. With a `solver` (workers that solve the
// maps too), the slices are cut into warm chains as a video's frames are (engine/chains.ts):
// contiguous chunks, each on one worker in order, a new chain at each axis, so the solves use
// every core.
import { getMaxListeners, setMaxListeners } from 'node:events';
import type { AttentionMap, SolveOptions } from '../attention/types.js';
import { analyzeFeatures, argmax, carryWarmStarts, unfilteredLogits, warmStartsOf, type ChainLink, type WarmStart } from '../engine/analyze.js';
import type { FrameWork } from '../engine/frameSolver.js';
import { chainLength, chainRouter, handsWarmStart, inFlight, type WorkerRoute } from '../engine/chains.js';
import { failIfNonFinite, failIfNonFiniteMaps } from '../engine/finiteChecks.js';
import { arraysToBackbone, disposeBackbone, type BackboneArrays, type BackboneRunner } from '../engine/backboneRunner.js';
import { softmax, topK } from '../engine/predictions.js';
import { labelOf } from '../engine/targets.js';
import type { LoadedModel } from '../models/loadModel.js';
import type { SplitModel } from '../models/split.js';
import { insertSlice, sliceCount } from '../volume/slice.js';
import type { Axis, Volume } from '../volume/types.js';
import { mapRecord } from './mapRecord.js';
import { mapToSlice } from './mapToSlice.js';
import { progressTracker } from './progressRate.js';
import { concreteRequest, type RequestTemplate } from './requests.js';
import { sliceInput, type SliceInput } from './sliceInput.js';
import type { AttentionVolume, SliceMapRecord, SliceRecord, SliceWeighting, VolumeJobProgress } from './types.js';
import { sliceWeight } from './weighting.js';
import type { JournalMap, JournalSlice, SliceResume } from './sliceJournal.js';
import type { BoxFit } from '../volume/fitToSquare.js';
import { sentAhead } from '../engine/sentAhead.js';

/** Workers that run a slice's backbone and its maps (a pool created with the job's FramePlan). */
export interface SliceSolver {
  readonly concurrency: number;
  analyze(rgb: Uint8Array, width: number, height: number, signal?: AbortSignal, route?: WorkerRoute): Promise<FrameWork>;
}

export interface SliceJob {
  model: LoadedModel;
  split: SplitModel;
  runner: BackboneRunner;
  /** when given, slices go there instead of to `runner`, maps and all (its plan must be this job's) */
  solver?: SliceSolver;
  /** intensities already windowed to 0..1, on the scan's grid */
  windowed: Pick<Volume, 'dims' | 'spacing' | 'data'>;
  axes: Axis[];
  templates: RequestTemplate[];
  solve: SolveOptions;
  warmStart: boolean;
  weighting: SliceWeighting;
  signal?: AbortSignal;
  onProgress?: (p: VolumeJobProgress) => void;
  /** each slice in order; `link` (warm starts on, slices solved in this run): its place in the warm chain */
  onSlice?: (r: SliceRecord, link?: ChainLink) => void;
  /** slices finished by an earlier run of the same job, and where to record new ones */
  resume?: SliceResume;
}

export interface SliceJobResult {
  attention: AttentionVolume[];
  slices: SliceRecord[];
  /** slices solved by this run (the rest came from the journal) */
  computed: number;
  partial: boolean;
  wallS: number;
}

/** A slice through the backbone (the maps to solve here), or solved by a worker (`work`, on `route`). */
interface Prepared {
  input: SliceInput;
  arrays?: BackboneArrays;
  work?: FrameWork;
  route?: WorkerRoute;
}

/** One slice's maps, wherever they were solved. */
interface SliceWork {
  logits: Float32Array;
  maps: AttentionMap[];
  ms: { backbone: number; solve: number };
}

function isAbort(e: unknown, signal?: AbortSignal): boolean {
  return !!signal?.aborted || (e as Error)?.name === 'AbortError';
}

export async function analyzeSlices(job: SliceJob): Promise<SliceJobResult> {
  const { model, runner, windowed, axes, templates, signal } = job;
  const nvox = windowed.data.length;
  const attention: AttentionVolume[] = [];
  for (const axis of axes) {
    for (const t of templates) {
      attention.push({
        axis,
        method: t.method,
        target: t.target == null ? null : { index: t.target, label: labelOf(t.target, model.labels) },
        perSliceTop1: t.perSliceTop1,
        weighting: job.weighting,
        data: new Float32Array(nvox),
      });
    }
  }
  const order = axes.flatMap((axis) => Array.from({ length: sliceCount(windowed, axis) }, (_, index) => ({ axis, index })));
  const slices: SliceRecord[] = [];
  const t0 = performance.now();
  const progressOf = progressTracker();
  const pending = new Map<number, Promise<Prepared>>();
  // (filled in below, once the slices a journal already holds are known)
  const routes: (WorkerRoute | undefined)[] = [];
  // (a slice that fails takes the others sent ahead off the runner at once: engine/sentAhead.ts)
  const queued = sentAhead(signal);
  const sliceSignal = queued.signal;
  const start = (n: number) => {
    if (n >= order.length || pending.has(n) || signal?.aborted) return;
    const { axis, index } = order[n]!;
    const p = (async (): Promise<Prepared> => {
      const input = sliceInput(windowed, axis, index, model.inputSize);
      if (job.solver) {
        const route = routes[n];
        return { input, work: await job.solver.analyze(input.rgb, input.width, input.height, sliceSignal, route), ...(route ? { route } : {}) };
      }
      const arrays = await runner.run(input.rgb, input.width, input.height, sliceSignal);
      return { input, arrays };
    })();
    p.catch(() => {}); // awaited in order below; never an unhandled rejection meanwhile
    pending.set(n, p);
  };
  let partial = false;
  let warm = new Map<string, WarmStart>();
  let prevAxis: Axis | null = null;
  // An earlier run's slices: stacked again from their stored maps, the chain continued from the
  // last one's filters. Only a prefix of this job's order is trusted.
  const done = resumablePrefix(job.resume?.done ?? [], order, templates.length);
  for (const d of done) {
    const fit = sliceInput(windowed, d.axis, d.index, model.inputSize).fit;
    d.maps.forEach((m, r) => stackMap(job, attention, d.axis, d.index, r, Float32Array.from(m.values), m.width, m.height, fit, d.record.maps[r]!.weight));
    slices.push(d.record);
    job.onSlice?.(d.record);
  }
  if (done.length) {
    const last = done[done.length - 1]!;
    prevAxis = last.axis;
    for (const [k, v] of Object.entries(last.params)) warm.set(k, { param: Float32Array.from(v) });
  }
  const chain = job.solver && job.warmStart ? chainLength(order.length - done.length, job.solver.concurrency) : 0;
  if (job.solver && chain) {
    // (the first slice continues the journal's last one, when on the same axis)
    const last = done.at(-1);
    const next = chainRouter(chain, job.solver.concurrency, last && { key: last.axis, init: last.params });
    for (let n = done.length; n < order.length; n++) routes[n] = next(order[n]!.axis);
  }
  // Slices sent ahead (inFlight: a whole chunk per worker with chains, else two per worker; one
  // would sit idle while this thread solves).
  const ahead = inFlight((job.solver ?? runner).concurrency, chain, order.length - done.length);
  // Each slice in flight listens to the job's signal: more than Node's default of 10, which it
  // reports as a leak ("MaxListenersExceededWarning"), as analyzeVideo says too.
  if (signal) setMaxListeners(Math.max(getMaxListeners(signal), ahead + 10), signal);
  setMaxListeners(ahead + 10, sliceSignal);
  try {
    for (let n = done.length; n < order.length; n++) {
      // Let timers and signals (Ctrl-C) run between slices: the in-thread backbone never yields.
      await new Promise<void>((r) => setImmediate(r));
      if (signal?.aborted) {
        partial = true;
        break;
      }
      // As video does: with only one slice per worker in flight, a worker sits idle while this
      // thread solves the slice at the head (measured: workers idle ~40% of the time).
      for (let k = n; k < n + ahead; k++) start(k);
      let prepared: Prepared;
      try {
        prepared = await pending.get(n)!;
      } catch (e) {
        if (isAbort(e, signal)) {
          partial = true;
          break;
        }
        throw e;
      } finally {
        pending.delete(n);
      }
      const { axis, index } = order[n]!;
      if (axis !== prevAxis) warm = new Map();
      prevAxis = axis;
      // (the axis's or the chain's first slice, or warm starts off: its solves are given nothing)
      const handed = job.warmStart && (prepared.work ? handsWarmStart(prepared.route) : warm.size > 0);
      const work: SliceWork = prepared.work ? { ...prepared.work, ms: prepared.work.ms ?? { backbone: 0, solve: 0 } } : solveLocal(job, prepared.arrays!, warm);
      const { record, maps } = recordSlice(job, prepared.input, axis, index, work, attention);
      // As the worker's chain does (frameSolver): this slice's filters, and recent ones of classes
      // it did not target, which a returning top-1 starts from; a chain's first slice carries none.
      const own = warmStartsOf(work.maps);
      warm = handed ? carryWarmStarts(warm, own) : own;
      if (job.resume) {
        // This slice's own filters only, as a video's cache keeps a frame's: a resumed chain starts
        // from them without the filters it carried (whose age the journal does not keep: restored
        // as new they would be carried a slice too far) nor curvature.
        const params = Object.fromEntries([...own].map(([k, w]) => [k, Array.from(w.param)]));
        await job.resume.append({ axis, index, record, maps, params });
      }
      slices.push(record);
      // (a copy: the caller may keep it while the next slices run)
      job.onSlice?.(record, job.warmStart ? { handed, leaves: new Map(warm) } : undefined);
      job.onProgress?.(progressOf(n + 1, order.length, (performance.now() - t0) / 1000, n + 1 - done.length));
    }
  } finally {
    // Nothing left running behind the caller's back: the slices sent ahead are called off (after a
    // failure or a stop; a finished job has none) and awaited.
    queued.end();
    await Promise.allSettled(pending.values());
  }
  return { attention, slices, computed: slices.length - done.length, partial, wallS: (performance.now() - t0) / 1000 };
}

/** Head-only work for one slice in this thread, its L2-CAF solves warm-started from `warm`. */
function solveLocal(job: SliceJob, arrays: BackboneArrays, warm: ReadonlyMap<string, WarmStart>): SliceWork {
  const { model, split, templates } = job;
  const bb = arraysToBackbone(arrays);
  try {
    const head = split.head(bb);
    const logits = unfilteredLogits(head, bb.features);
    const top1 = argmax(logits);
    const requests = templates.map((t) => concreteRequest(t, top1));
    const s0 = performance.now();
    failIfNonFinite(model.id, `the outputs of the head after ${split.layer}`, logits);
    const { maps } = analyzeFeatures(head, bb.features, requests, { solve: job.solve, init: job.warmStart ? warm : undefined, logits });
    failIfNonFiniteMaps(model.id, maps);
    return { logits, maps, ms: { backbone: arrays.ms, solve: performance.now() - s0 } };
  } finally {
    disposeBackbone(bb);
  }
}

/** One slice's record and journal maps from its solved maps; writes them into `attention`. */
function recordSlice(
  job: SliceJob,
  input: SliceInput,
  axis: Axis,
  index: number,
  { logits, maps, ms }: SliceWork,
  attention: AttentionVolume[],
): { record: SliceRecord; maps: JournalMap[] } {
  const { model } = job;
  const isLogits = model.outputKind === 'logits';
  const probs = isLogits ? softmax(logits) : null;
  const journal: JournalMap[] = [];
  const records: SliceMapRecord[] = maps.map((m, r) => {
    const weight = sliceWeight(job.weighting, probs, m.target);
    const [mh, mw] = m.shape as [number, number];
    stackMap(job, attention, axis, index, r, m.values, mw, mh, input.fit, weight);
    journal.push({ width: mw, height: mh, values: Array.from(m.values) });
    return mapRecord(m, model.labels, logits, probs, weight);
  });
  const first = records[0]!;
  const record: SliceRecord = {
    axis,
    index,
    predictions: isLogits ? topK(logits, model.labels, 5) : [],
    targetScore: records.find((r) => r.targetScore != null)?.targetScore ?? null,
    iterations: first.iterations,
    loss: first.loss,
    warmStarted: first.warmStarted,
    maps: records,
    ms,
  };
  return { record, maps: journal };
}

/** One slice's 0..1 map (over the model input) weighted and put into its attention volume. */
function stackMap(
  job: SliceJob,
  attention: AttentionVolume[],
  axis: Axis,
  index: number,
  r: number,
  values: Float32Array,
  mw: number,
  mh: number,
  fit: Omit<BoxFit, 'data'>,
  weight: number,
): void {
  const t = job.templates[r]!;
  const onSlice = mapToSlice(values, mw, mh, fit);
  if (weight !== 1) for (let i = 0; i < onSlice.length; i++) onSlice[i]! *= weight;
  const vol = attention.find((a) => a.axis === axis && a.method === t.method && sameTemplate(a, t))!;
  insertSlice({ dims: job.windowed.dims, data: vol.data }, axis, index, { width: fit.sourceWidth, height: fit.sourceHeight, data: onSlice });
}

/** The leading entries that are this job's slices in this job's order, with one map per request. */
function resumablePrefix(done: readonly JournalSlice[], order: readonly { axis: Axis; index: number }[], maps: number): JournalSlice[] {
  let n = 0;
  while (n < done.length && n < order.length && done[n]!.axis === order[n]!.axis && done[n]!.index === order[n]!.index && done[n]!.maps.length === maps) n++;
  return done.slice(0, n);
}

function sameTemplate(a: AttentionVolume, t: RequestTemplate): boolean {
  return a.perSliceTop1 === t.perSliceTop1 && (a.target?.index ?? null) === t.target;
}
