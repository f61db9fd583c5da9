// Images of a batch on worker threads: with --workers N, each image's backbone pass and maps run on
// a pool of N workers (the video pipeline's, src/pool), several images in flight, while this thread
// decodes the next ones and writes the finished ones' files. Without it a data set of images ran
// one image at a time on one core, whatever the machine had. The result is the one
// analyzeImageFile gives in this thread (test/batch/imageWorkers.test.ts compares them).
import { currentBackend } from '../engine/backend.js';
import { imageResultOf, type ImageResult } from '../engine/imageAnalysis.js';
import type { ModelFlags } from '../engine/openModel.js';
import { UsageError } from '../engine/targets.js';
import { decodeImage } from '../media/decodeImage.js';
import type { LoadedModel } from '../models/loadModel.js';
import { createBackbonePool, type BackbonePool } from '../pool/backbonePool.js';
import { solveOf, type BatchSettings } from './settings.js';

export interface ImageWorkers {
  /** images worth having in flight: two per worker (one running, one queued in its port) */
  readonly slots: number;
  analyze(file: string, signal: AbortSignal): Promise<ImageResult>;
  close(): Promise<void>;
}

/** A pool of `workers` threads for the batch's images, with the run's settings as their plan. */
export async function openImageWorkers(model: LoadedModel, s: BatchSettings, workers: number, signal: AbortSignal): Promise<ImageWorkers> {
  // As in this thread (analyzeImageFile): an embedding has no top-1 class to explain.
  if (s.methods.some((m) => m !== 'l2caf') && model.outputKind === 'embedding' && s.classes.length === 0) {
    throw new UsageError('this model outputs an embedding: class-specific methods need --class INDEX (an output index)');
  }
  const backend = currentBackend();
  const pool: BackbonePool = await createBackbonePool({
    model: s.model as ModelFlags,
    ...(s.layer ? { layer: s.layer } : {}),
    backend,
    workers,
    signal,
    // every image cold: images of a data set are no neighbours
    plan: { methods: s.methods, classes: s.classes, solve: solveOf(s), warmStart: false },
  });
  const [h, w] = model.inputSize;
  return {
    slots: pool.concurrency * 2,
    async analyze(file, sig) {
      const t0 = performance.now();
      const img = await decodeImage(file, { width: w, height: h, signal: sig });
      sig.throwIfAborted();
      const decodeMs = performance.now() - t0;
      const work = await pool.analyze(img.data, img.width, img.height, sig);
      return imageResultOf({
        file,
        img,
        model,
        layer: pool.layer,
        layerShape: pool.layerShape,
        backend,
        logits: work.logits,
        maps: work.maps,
        decodeMs,
        backboneMs: work.ms?.backbone ?? 0,
        startedAt: t0,
      });
    },
    close: () => pool.close(),
  };
}
