// ONNX Runtime figures for `npm run bench`: per image (backbone, Grad-CAM, L2-CAF) in this thread,
// and per video frame with two worker threads (one single-threaded ONNX Runtime session each):
// bare ONNX Runtime (the whole model), the backbone alone, and the backbone + the map on this
// thread, with the ratio to bare. Frames are decoded once up front (decoding is not timed).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { defaultSolveOptions } from '../attention/index.js';
import { analyzeFeatures, type MapRequest } from '../engine/analyze.js';
import { selectBackend } from '../engine/backend.js';
import { openModel } from '../engine/openModel.js';
import { loadOnnxModel } from '../models/onnx/loadOnnx.js';
import { decodeImage } from '../media/decodeImage.js';
import { ffmpegBinary } from '../media/ffmpegPath.js';
import type { LoadedModel } from '../models/loadModel.js';
import type { BackboneWorkerData, FrameReply, FrameRequest } from '../models/onnx/onnxBackboneWorker.js';
import { inputTensor } from '../models/preprocess.js';
import type { SplitModel } from '../models/split.js';
import { median, round } from './stats.js';
import type { Method } from '../attention/types.js';
import type { FramePlan } from '../engine/frameSolver.js';
import type { ModelFlags } from '../engine/openModel.js';
import { createBackbonePool } from '../pool/backbonePool.js';
import { stopWorker } from '../pool/stopWorker.js';
import { newInterruptFlag } from '../attention/interrupt.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const fixtures = path.resolve(root, '..', 'shared', 'fixtures');
const WORKER = fileURLToPath(new URL('../models/onnx/onnxBackboneWorker.js', import.meta.url));

interface BenchModel {
  label: string;
  open: () => Promise<LoadedModel>;
  /** how `l2caf video` would open it, for the product pool's line */
  flags: ModelFlags;
}

/**
 * The random MobileNetV2 as a user's classifier: the fixture's model.onnx (linked, not copied) in a
 * temporary folder with a labels.txt of 1000 classes, so openModel takes its outputs as logits.
 */
function mobilenetAsClassifier(file: string): { dir: string; dispose: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'l2caf-bench-mobilenet-'));
  symlinkSync(file, path.join(dir, 'model.onnx'));
  writeFileSync(path.join(dir, 'labels.txt'), Array.from({ length: 1000 }, (_, i) => `class ${i}`).join('\n') + '\n');
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

async function perImage(model: LoadedModel, split: SplitModel, rgb: Uint8Array, requests: Record<string, MapRequest>, repeats: number) {
  const [h, w] = model.inputSize;
  const times: Record<string, number[]> = { backbone: [] };
  for (const k of Object.keys(requests)) times[k] = [];
  for (let i = 0; i < repeats + 2; i++) {
    const x = inputTensor(rgb, w, h, model.preprocessing);
    const t0 = performance.now();
    const bb = await split.runBackbone(x);
    await bb.features.data();
    const t1 = performance.now();
    x.dispose();
    const head = split.head(bb);
    for (const [k, r] of Object.entries(requests)) {
      const s = performance.now();
      analyzeFeatures(head, bb.features, [r], { solve: defaultSolveOptions('converged') });
      if (i >= 2) times[k]!.push(performance.now() - s);
    }
    if (i >= 2) times.backbone!.push(t1 - t0);
    bb.features.dispose();
    for (const s of bb.side) s.dispose();
  }
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, round(median(v))]));
}

/** Each bench worker's interrupt flag (its map solves may run on ONNX Runtime: stopWorker raises it first). */
const flags = new WeakMap<Worker, SharedArrayBuffer>();
const stopBenchWorker = (wk: Worker): Promise<void> => stopWorker(wk, undefined, flags.get(wk));

function startWorker(data: BackboneWorkerData): Promise<Worker> {
  return new Promise((resolve, reject) => {
    const interrupt = newInterruptFlag();
    const wk = new Worker(WORKER, { workerData: { ...data, interrupt } satisfies BackboneWorkerData });
    flags.set(wk, interrupt);
    const onMsg = (m: { ready?: boolean; fatal?: string }) => {
      wk.off('message', onMsg);
      if (m.ready) resolve(wk);
      else {
        void stopBenchWorker(wk);
        reject(new Error(`worker: ${m.fatal ?? 'did not start'}`));
      }
    };
    wk.on('message', onMsg);
    wk.once('error', reject);
  });
}

/** Frames per second through the workers, two frames in flight per worker; `onFrame` runs here. */
function throughput(workers: Worker[], frames: Uint8Array[], w: number, h: number, onFrame?: (r: FrameReply) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    let next = 0;
    let done = 0;
    const t0 = performance.now();
    const handlers = new Map<Worker, (r: FrameReply) => void>();
    const finish = (err?: Error) => {
      for (const [wk, fn] of handlers) wk.off('message', fn);
      if (err) reject(err);
      else resolve(frames.length / ((performance.now() - t0) / 1000));
    };
    const send = (wk: Worker) => {
      if (next >= frames.length) return;
      const id = next++;
      wk.postMessage({ id, rgb: frames[id]!, width: w, height: h } satisfies FrameRequest);
    };
    for (const wk of workers) {
      const fn = (r: FrameReply) => {
        if (r.error) return finish(new Error(r.error));
        try {
          onFrame?.(r);
        } catch (e) {
          return finish(e as Error);
        }
        done++;
        if (done === frames.length) finish();
        else send(wk);
      };
      handlers.set(wk, fn);
      wk.on('message', fn);
      send(wk);
      send(wk);
    }
  });
}

/**
 * Frames per second through the product's worker pool (src/pool), the way analyzeVideo drives it:
 * `plan` null = backbone passes only, else backbone + the plan's frame-local solves in the workers.
 */
async function poolFps(model: ModelFlags, frames: Uint8Array[], w: number, h: number, workers: number, plan: FramePlan | null): Promise<number> {
  const pool = await createBackbonePool({ model, workers, ...(plan ? { plan } : {}) });
  try {
      const pass = (rgb: Uint8Array): Promise<unknown> => (plan ? pool.analyze(rgb, w, h) : pool.run(rgb, w, h));
      await Promise.all(frames.slice(0, 4 * workers).map(pass)); // warm-up
      const inflight: Promise<unknown>[] = [];
      const t0 = performance.now();
      for (const f of frames) {
        inflight.push(pass(f));
        // as analyzeVideo: enough in flight to fill every worker's queue
        while (inflight.length >= pool.concurrency * 3) await inflight.shift();
      }
      await Promise.all(inflight);
      return frames.length / ((performance.now() - t0) / 1000);
    } finally {
      await pool.close();
    }
  }

  function decodeVideoFrames(file: string, n: number, w: number, h: number): Uint8Array[] {
    const raw = execFileSync(ffmpegBinary().path, ['-v', 'error', '-i', file, '-frames:v', String(n), '-vf', `scale=${w}:${h}`, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], {
      maxBuffer: n * w * h * 3 + 1024,
    });
    const size = w * h * 3;
    return Array.from({ length: Math.floor(raw.length / size) }, (_, i) => new Uint8Array(raw.subarray(i * size, (i + 1) * size)));
  }

  export async function onnxBench(opts: { repeats?: number; frames?: number; workers?: number } = {}): Promise<void> {
    const repeats = opts.repeats ?? 10;
    const nFrames = opts.frames ?? 200;
    const nWorkers = opts.workers ?? 2;
    if (!process.env.L2CAF_MODEL_MIRROR && existsSync(path.join(fixtures, 'models'))) process.env.L2CAF_MODEL_MIRROR = path.join(fixtures, 'models');
    const image = path.join(fixtures, 'images', 'chelsea.png');
    const video = path.join(fixtures, 'videos', 'car-detection.mp4');
    const mobilenet = path.join(fixtures, 'models', 'mobilenet-v2-random-onnx');
    for (const f of [image, video, mobilenet]) if (!existsSync(f)) throw new Error(`${f}: fixture missing (the ONNX benchmark needs ../shared/fixtures)`);
    const backend = await selectBackend();
    const classifier = mobilenetAsClassifier(path.join(mobilenet, 'model.onnx'));
    const imagenet = { mean: [0.485, 0.456, 0.406] as [number, number, number], std: [0.229, 0.224, 0.225] as [number, number, number] };
    const models: BenchModel[] = [
      { label: 'darknet-tiny-onnx', open: () => openModel({ model: 'darknet-tiny-onnx' }), flags: { model: 'darknet-tiny-onnx' } },
      // random weights and no labels: loaded as a 1000-class classifier so that the exact solvers
      // apply as they would to the real MobileNetV2 (as an embedding it would take the iterative path)
      {
        label: 'mobilenet-v2-random-onnx',
        open: () =>
          loadOnnxModel({ id: 'mobilenet-v2-random-onnx', location: mobilenet, outputKind: 'logits', preprocessing: { scale: 1 / 255, offset: 0, channelOrder: 'rgb', ...imagenet } }),
        flags: { model: classifier.dir, ...imagenet },
      },
    ];
    try {
    console.log(`ONNX Runtime backbone, TF.js ${backend} head; ${repeats} repeats (median ms); video: ${nFrames} frames of ${path.basename(video)}, ${nWorkers} workers x 1 ORT thread`);
    for (const bm of models) {
      const model = await bm.open();
      const split = model.split();
      const [h, w] = model.inputSize;
      const img = await decodeImage(image, { width: w, height: h });
      // class-specific maps need a class; the random MobileNet has no labels, so output 0 is used
      const requests: Record<string, MapRequest> = { gradcam: { method: 'gradcam', target: 0 }, 'l2caf': { method: 'l2caf', target: null }, 'l2caf-class': { method: 'l2caf-class', target: 0 } };
      const t = await perImage(model, split, img.data, requests, repeats);
      const linearity = (() => {
        const bb = tf.zeros([1, ...split.layerShape]);
        const hd = split.head({ features: bb, side: [] });
        bb.dispose();
        return hd.linearity;
      })();
      console.log(`${bm.label} (layer ${split.layer} [${split.layerShape.join('x')}], head ${linearity}, main thread):`);
      console.log(`  per image ms: backbone ${t.backbone}, gradcam ${t.gradcam}, l2caf ${t.l2caf}, l2caf-class ${t['l2caf-class']}`);

      const frames = decodeVideoFrames(video, nFrames, w, h);
      const location = model.location;
      const data = (mode: BackboneWorkerData['mode'], request?: MapRequest): BackboneWorkerData => ({ mode, location, preprocessing: model.preprocessing, request, outputKind: model.outputKind });
      const run = async (mode: BackboneWorkerData['mode'], onFrame?: (r: FrameReply) => void, request?: MapRequest) => {
        const started = await Promise.allSettled(Array.from({ length: nWorkers }, () => startWorker(data(mode, request))));
        const workers = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
        const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed) {
          await Promise.all(workers.map((wk) => stopBenchWorker(wk)));
          throw failed.reason as Error;
        }
        try {
          await throughput(workers, frames.slice(0, 4 * nWorkers), w, h, onFrame); // warm-up
          return await throughput(workers, frames, w, h, onFrame);
        } finally {
          await Promise.all(workers.map((wk) => stopBenchWorker(wk)));
        }
      };
      const withMap = (req: MapRequest) => (r: FrameReply) => {
        const features = tf.tensor(r.features!.data, r.features!.shape);
        const side = r.side!.map((s) => tf.tensor(s.data, s.shape));
        try {
          analyzeFeatures(split.head({ features, side, ...(r.perPosition ? { perPositionData: r.perPosition } : {}) }), features, [req], { solve: defaultSolveOptions('converged') });
        } finally {
          features.dispose();
          for (const s of side) s.dispose();
        }
      };
      // bare is measured first and last and averaged: the machine's load drifts during the runs
      const bareFirst = await run('bare');
      const backbone = await run('backbone');
      const l2caf = await run('backbone', withMap(requests.l2caf!));
      const gradcam = await run('backbone', withMap(requests.gradcam!));
      const l2cafInWorker = await run('map', undefined, requests.l2caf!);
      const gradcamInWorker = await run('map', undefined, requests.gradcam!);
      const bareLast = await run('bare');
      const bare = (bareFirst + bareLast) / 2;
      const fps = (x: number) => `${round(x, 1)} frames/s (${round(x / bare)}x bare)`;
      console.log(`  video, ${nWorkers} workers: bare ORT ${round(bare, 1)} frames/s (first ${round(bareFirst, 1)}, last ${round(bareLast, 1)}); backbone only ${fps(backbone)}`);
      console.log(`    maps on the main thread: l2caf ${fps(l2caf)}; gradcam ${fps(gradcam)}`);
      console.log(`    maps in the workers:     l2caf ${fps(l2cafInWorker)}; gradcam ${fps(gradcamInWorker)}`);
      // The product's path: the generic worker pool with the frame plan (what `l2caf video` runs).
      {
        const flags = bm.flags;
        const solve = defaultSolveOptions('converged');
        const planOf = (method: Method): FramePlan => ({ methods: [method], classes: [], solve, warmStart: true });
        const poolBare = await poolFps(flags, frames, w, h, nWorkers, null);
        const poolL2 = await poolFps(flags, frames, w, h, nWorkers, planOf('l2caf'));
        const poolGrad = await poolFps(flags, frames, w, h, nWorkers, planOf('gradcam'));
        const poolBare2 = await poolFps(flags, frames, w, h, nWorkers, null);
        const pb = (poolBare + poolBare2) / 2;
        console.log(
          `    product pool (src/pool, maps in the workers): backbone ${round(pb, 1)} frames/s; l2caf ${round(poolL2, 1)} (${round(poolL2 / pb)}x pool backbone, ${round(poolL2 / bare)}x bare ORT); ` +
            `gradcam ${round(poolGrad, 1)} (${round(poolGrad / pb)}x, ${round(poolGrad / bare)}x)`,
        );
      }
      split.dispose();
      model.dispose();
    }
  } finally {
    classifier.dispose();
  }
}
