// Images of a batch on worker threads: with --workers N, each image's backbone pass and maps run on
// a pool of N workers (the video pipeline's, src/pool), several images in flight, while this thread
// decodes the next ones and writes the finished ones' files. Without it a data set of images ran
// one image at a time on one core, whatever the machine had. The result is the one
// analyzeImageFile gives in this thread, errors included (test/batch/imageWorkers.test.ts).
import { imageResultOf, type ImageResult } from '../engine/imageAnalysis.js';
import type { ModelFlags } from '../engine/openModel.js';
import { UsageError } from '../engine/targets.js';
import { decodeImage } from '../media/decodeImage.js';
import type { LoadedModel } from '../models/loadModel.js';
import { createBackbonePool } from '../pool/backbonePool.js';
import { solveOf, type BatchSettings } from './settings.js';

/** Images in flight per worker: one running, one queued in its port (so none idles for a round trip). */
export const IMAGES_PER_WORKER = 2;

export interface ImageWorkers {
  analyze(file: string, signal: AbortSignal): Promise<ImageResult>;
  /** a worker died (out of memory, a crash): every later image would fail; open another pool */
  readonly broken: boolean;
  close(): Promise<void>;
}

/** A pool of `workers` threads for the batch's images, with the run's settings as their plan. */
export async function openImageWorkers(model: LoadedModel, s: BatchSettings, workers: number, signal: AbortSignal): Promise<ImageWorkers> {
  // As in this thread (analyzeImageFile), each image fails with it: an embedding has no top-1
  // class to explain. (No workers load a model for that.)
  if (s.methods.some((m) => m !== 'l2caf') && model.outputKind === 'embedding' && s.classes.length === 0) {
    const refusal = 'this model outputs an embedding: class-specific methods need --class INDEX (an output index)';
    return { analyze: () => Promise.reject(new UsageError(refusal)), broken: false, close: async () => {} };
  }
  const pool = await createBackbonePool({
    model: s.model as ModelFlags,
    ...(s.layer ? { layer: s.layer } : {}),
    workers,
    signal,
    // every image cold: images of a data set are no neighbours
    plan: { methods: s.methods, classes: s.classes, solve: solveOf(s), warmStart: false },
  });
  const [h, w] = model.inputSize;
  return {
    async analyze(file, sig) {
      const t0 = performance.now();
      const img = await decodeImage(file, { width: w, height: h, signal: sig });
      sig.throwIfAborted();
      const decodeMs = performance.now() - t0;
      const work = await pool.analyze(img.data, img.width, img.height, sig);
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
    get broken() {
      return pool.liveWorkers().length < pool.concurrency;
    },
    close: () => pool.close(),
  };
}
