// A batch's worker threads (--workers N): one pool for the run (the video pipeline's, src/pool).
// Images run on it several at once, two in flight per worker, while this thread decodes the next
// ones and writes the finished ones' files; each clip's frames run on it as `video --workers` runs
// them (analyzeVideo's `pool`), and so do each scan's slices (analyzeVolume's `pool`). Before, a
// folder of images ran one image at a time on one core, and every clip and scan started a pool of
// its own (a model load per worker per item). Results and errors are the ones in this thread, or
// of the item's own pool (test/batch/batchWorkers.test.ts).
import { currentBackend } from '../engine/backend.js';
import { imageResultOf, type ImageResult } from '../engine/imageAnalysis.js';
import type { ModelFlags } from '../engine/openModel.js';
import { UsageError } from '../engine/targets.js';
import { decodeImage } from '../media/decodeImage.js';
import type { LoadedModel } from '../models/loadModel.js';
import type { SplitModel } from '../models/split.js';
import { createBackbonePool } from '../pool/backbonePool.js';
import type { FramePool } from '../video/types.js';
import { solveOf, type BatchSettings } from './settings.js';

/** Images in flight per worker: one running, one queued in its port (so none idles for a round trip). */
export const IMAGES_PER_WORKER = 2;

export interface BatchWorkers {
  analyzeImage(file: string, signal: AbortSignal): Promise<ImageResult>;
  /** what a clip's frames and a scan's slices run on (null: they start their own, as without a shared pool) */
  readonly frames: FramePool | null;
  /** a worker died (out of memory, a crash): every later item would fail; open another pool */
  readonly broken: boolean;
  close(): Promise<void>;
}

/**
 * Whether a scan's slices run on the run's workers at `layer`: a 2-D layer's do; a 3-D layer takes
 * the whole volume in this thread (analyzeVolume), so a folder of scans then loads no workers. A
 * layer that does not split is the scan's own error to report: no workers for it either.
 */
export function scansUseWorkers(model: LoadedModel, layer: string | undefined): boolean {
  let split: SplitModel | undefined;
  try {
    split = model.split(layer);
    return split.layerShape.length !== 4;
  } catch {
    return false;
  } finally {
    split?.dispose();
  }
}

/** A pool of `workers` threads for the batch, with the run's settings as its plan. */
export async function openBatchWorkers(model: LoadedModel, s: BatchSettings, workers: number, signal: AbortSignal): Promise<BatchWorkers> {
  // As in this thread (analyzeImageFile, analyzeVideo), an embedding has no top-1 class to explain:
  // each image fails with it (the clips say it themselves). No worker loads a model for that.
  if (s.methods.some((m) => m !== 'l2caf') && model.outputKind === 'embedding' && s.classes.length === 0) {
    const refusal = 'this model outputs an embedding: class-specific methods need --class INDEX (an output index)';
    return { analyzeImage: () => Promise.reject(new UsageError(refusal)), frames: null, broken: false, close: async () => {} };
  }
  // The plan a clip's job would give its own pool (analyzeVideo: the preset's solver options, then
  // the flags, as solveOf resolves them; warm chains as asked).
  const pool = await createBackbonePool({
    model: s.model as ModelFlags,
    ...(s.layer ? { layer: s.layer } : {}),
    backend: currentBackend(),
    workers,
    signal,
    // (methods once each, as analyzeVideo's settings have them: a repeated --method would repeat maps)
    plan: { methods: [...new Set(s.methods)], classes: s.classes, solve: solveOf(s), warmStart: s.warmStart },
  });
  const [h, w] = model.inputSize;
  // Every image starts a chain of its own (images of a data set are no neighbours), on the least busy
  // worker: none continues the filters a clip or another image left there.
  return {
    async analyzeImage(file, sig) {
      const t0 = performance.now();
      const img = await decodeImage(file, { width: w, height: h, signal: sig });
      sig.throwIfAborted();
      const decodeMs = performance.now() - t0;
      const route = s.warmStart ? { chain: { start: true } } : undefined;
      const work = await pool.analyze(img.data, img.width, img.height, sig, route);
      const backboneMs = work.ms?.backbone ?? 0;
      return imageResultOf({
        file,
        img,
        model,
        layer: pool.layer,
        layerShape: pool.layerShape,
        backend: pool.backend,
        logits: work.logits,
        maps: work.maps,
        decodeMs,
        backboneMs,
        // the image's own work, not its wait in the pool's queue behind the other images in flight
        totalMs: decodeMs + backboneMs + (work.ms?.solve ?? 0),
      });
    },
    frames: pool,
    get broken() {
      return pool.liveWorkers().length < pool.concurrency;
    },
    close: () => pool.close(),
  };
}
