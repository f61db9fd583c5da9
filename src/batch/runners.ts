// One item of each kind through the existing pipelines (src/video, src/slices, src/engine), with
// the process's one loaded model. Each writes its result files into the item's folder (every file
// by atomic rename) and returns the summary; the caller writes status.json after that.
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { analyzeImageFile } from '../engine/imageAnalysis.js';
import type { ModelFlags } from '../engine/openModel.js';
import { decodeImage } from '../media/decodeImage.js';
import { renderOverlay, writePng } from '../media/overlay.js';
import type { LoadedModel } from '../models/loadModel.js';
import { analyzeVolume } from '../slices/analyzeVolume.js';
import { openSliceJournal } from '../slices/sliceJournal.js';
import { fourDNote, volumeJson } from '../slices/volumeJson.js';
import { writeAttentionVolumes } from '../slices/writeAttention.js';
import { analyzeVideo } from '../video/analyzeVideo.js';
import { exportAnnotated } from '../video/exportAnnotated.js';
import { writeTimelineCsv, writeTimelineJson } from '../video/timelineWriters.js';
import { readVolume } from '../volume/readVolume.js';
import { writeJsonAtomic } from '../fs/writeJson.js';
import type { BatchWorkers } from './batchWorkers.js';
import { hashForKind, solveOf, solveOverrides, type BatchSettings } from './settings.js';
import { settingsHash } from './settingsHash.js';
import { scanIdentity } from './scanIdentity.js';
import { summariseImage, summariseTimeline, summariseVolume } from './summarise.js';
import type { BatchItem, ItemSummary } from './types.js';

export interface RunContext {
  model: LoadedModel;
  /** the model files' hash (status.json's modelSha): cached partial results belong to these weights */
  modelSha?: string | null;
  settings: BatchSettings;
  signal: AbortSignal;
  /** frames or slices done within the item, for the progress line */
  onUnits?: (done: number, total: number) => void;
  /** with --workers: the run's worker threads, for images, clips and scans */
  workers?: BatchWorkers;
}

/** Thrown when the run's signal stopped an item: not a failure of the item. */
export class ItemStopped extends Error {}

/** The video cache lives in the item's folder: per item, so shards never share a lock or a file. */
export const VIDEO_CACHE = '.cache';

export async function runVideo(item: BatchItem, dir: string, ctx: RunContext): Promise<ItemSummary> {
  const s = ctx.settings;
  const v = s.video;
  const timeline = await analyzeVideo({
    file: item.path,
    model: s.model as ModelFlags,
    loadedModel: ctx.model,
    layer: s.layer,
    methods: s.methods,
    classes: s.classes,
    stride: v.stride,
    fromS: v.fromS,
    toS: v.toS,
    preset: s.preset,
    solve: solveOverrides(s),
    warmStart: s.warmStart,
    ...(v.eval ? { eval: v.eval } : {}),
    workers: v.workers,
    ...(ctx.workers?.frames ? { pool: ctx.workers.frames } : {}),
    cacheDir: path.join(dir, VIDEO_CACHE),
    signal: ctx.signal,
    onProgress: (p) => ctx.onUnits?.(p.framesDone, p.framesTotal),
  });
  // cancelled: the cache keeps the frames done, the rerun resumes mid-clip
  if (timeline.partial) throw new ItemStopped(`${item.rel}: stopped after ${timeline.frames.length} frame(s)`);
  const files = ['timeline.json', 'timeline.csv'];
  await writeTimelineJson(path.join(dir, files[0]!), timeline);
  await writeTimelineCsv(path.join(dir, files[1]!), timeline);
  if (v.export) {
    const r = await exportAnnotated({
      file: item.path,
      timeline,
      out: path.join(dir, `annotated.${v.export}`),
      colormap: v.colormap,
      opacity: v.opacity,
      ...(v.threshold !== undefined ? { threshold: v.threshold } : {}),
      ...(v.blend ? { blend: v.blend } : {}),
      signal: ctx.signal,
    });
    files.push(path.basename(r.path));
  }
  return summariseTimeline(timeline, files);
}

export async function runImage(item: BatchItem, dir: string, ctx: RunContext): Promise<ItemSummary> {
  const s = ctx.settings;
  const result = ctx.workers
    ? await ctx.workers.analyzeImage(item.path, ctx.signal)
    : (await analyzeImageFile(ctx.model, ctx.model.split(s.layer), item.path, { methods: s.methods, classes: s.classes, solve: solveOf(s), signal: ctx.signal })).result;
  const files = ['map.json'];
  await writeJsonAtomic(path.join(dir, 'map.json'), result);
  const m = result.maps[0];
  if (m && m.depth === undefined) {
    const image = await decodeImage(item.path, { signal: ctx.signal });
    const img = renderOverlay({
      image,
      map: { width: m.width, height: m.height, values: Float32Array.from(m.values) },
      colormap: s.image.colormap,
      opacity: s.image.opacity,
      ...(s.image.threshold !== undefined ? { threshold: s.image.threshold } : {}),
      ...(s.image.blend ? { blend: s.image.blend } : {}),
    });
    ctx.signal.throwIfAborted();
    await writePng(path.join(dir, 'overlay.png'), img);
    files.push('overlay.png');
  }
  return summariseImage(result, files);
}

export async function runVolume(item: BatchItem, dir: string, ctx: RunContext): Promise<ItemSummary> {
  const s = ctx.settings;
  const volume = await readVolume(item.path);
  ctx.signal.throwIfAborted();
  // A journal in the item's cache folder: a run stopped mid-scan resumes at its next slice. The key
  // names the settings (with the solver options the preset resolves to), the model's weights and
  // the scan as it is now, so a change to any of them starts over.
  const key = settingsHash({ settings: hashForKind(s, 'volume'), solve: solveOf(s), model: ctx.modelSha ?? null, scan: await scanIdentity(item.path) });
  const resume = await openSliceJournal(path.join(dir, VIDEO_CACHE, 'slices.jsonl'), key);
  const result = await analyzeVolume({
    resume,
    volume,
    model: ctx.model,
    // --workers serves scans as it serves clips: each slice's backbone pass and maps on the run's
    // worker threads (without the run's pool, e.g. a runItem hook's, on a pool of the scan's own)
    workers: s.video.workers,
    ...(ctx.workers?.frames ? { pool: ctx.workers.frames } : {}),
    workerModel: s.model as ModelFlags,
    layer: s.layer,
    methods: s.methods,
    classes: s.classes,
    axis: s.volume.axis,
    window: s.volume.window,
    preset: s.preset,
    solve: solveOverrides(s),
    warmStart: s.warmStart,
    weighting: s.volume.weight ? 'probability' : 'none',
    signal: ctx.signal,
    onProgress: (p) => ctx.onUnits?.(p.slicesDone, p.slicesTotal),
  });
  if (result.partial) throw new ItemStopped(`${item.rel}: stopped after ${result.slices.length} slice(s)`);
  const written = await writeAttentionVolumes(path.join(dir, 'attention.nii.gz'), result);
  const warnings = [fourDNote(volume.frames, false)].filter((w): w is string => w !== null);
  await writeJsonAtomic(path.join(dir, 'volume.json'), volumeJson(result, written.map((f) => path.basename(f)), warnings));
  return summariseVolume(result, [...written.map((f) => path.basename(f)), 'volume.json']);
}

/**
 * The names the runners above write in an item's folder: a clip's timeline and annotated export,
 * an image's map and overlay, a scan's attention volumes (outputNames: attention[-axis][-method[-class|-top1]])
 * and volume.json.
 */
export const ITEM_OUTPUT_RE = /^(timeline\.(json|csv)|annotated\.(mp4|webm|gif)|map\.json|overlay\.png|volume\.json|attention(-[a-z0-9-]+)?\.nii\.gz)$/;

/**
 * After an item is redone: the result files an earlier run wrote that this one did not (`keep`:
 * the files it wrote; none when it failed) are removed, so that the folder holds this run's results
 * only (an --export mp4 run, then an --export gif run, left annotated.mp4 beside the new timeline;
 * --axis all, then one axis, left attention-x/y/z.nii.gz). Returns the names removed.
 */
export async function dropStaleOutputs(dir: string, keep: readonly string[]): Promise<string[]> {
  const kept = new Set(keep);
  const gone: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    if (!e.isFile() || kept.has(e.name) || !ITEM_OUTPUT_RE.test(e.name)) continue;
    await rm(path.join(dir, e.name), { force: true });
    gone.push(e.name);
  }
  return gone;
}

/** After status done: the video cache has served its purpose (the timeline is in the folder). */
export async function dropItemCache(dir: string): Promise<void> {
  await rm(path.join(dir, VIDEO_CACHE), { recursive: true, force: true });
}
