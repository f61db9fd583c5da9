// A worker thread with its own ONNX Runtime session (one intra-op thread: run() blocks the thread
// it runs on, so parallel frames need threads, and one single-threaded session per worker measured
// faster than one session with two threads). Used by the ONNX benchmark until the shared worker
// pool (src/pool) takes over; that pool only needs openModel(flags) in each worker.
//   mode 'backbone': pixels -> the split's backbone (features channels-last + side tensors), as arrays
//   mode 'map':      pixels -> backbone -> one attention map in this worker (TF.js head, wasm)
//   mode 'bare':     pixels -> the whole model in ONNX Runtime (the baseline to compare against)
import { parentPort, workerData } from 'node:worker_threads';
import { readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as ort from 'onnxruntime-node';
import { preprocessPixels, type Preprocessing } from '../preprocess.js';
import { inputTensor } from '../preprocess.js';
import { loadOnnxModel, onnxFilePath } from './loadOnnx.js';
import { analyzeFeatures, type MapRequest } from '../../engine/analyze.js';
import { selectBackend } from '../../engine/backend.js';
import { defaultSolveOptions } from '../../attention/index.js';
import { createSession, ortThreadCount } from './ortSession.js';
import { isStopMessage } from '../../pool/stopWorker.js';
import { watchInterrupt } from '../../attention/interrupt.js';

export interface BackboneWorkerData {
  mode: 'backbone' | 'bare' | 'map';
  location: string;
  preprocessing: Preprocessing;
  layer?: string;
  /** mode 'map': the map to compute per frame */
  request?: MapRequest;
  outputKind?: 'logits' | 'embedding';
  /** raised before the worker is stopped: its map solves end at their next head pass (attention/interrupt.ts) */
  interrupt?: SharedArrayBuffer;
}

export interface FrameRequest {
  id: number;
  rgb: Uint8Array;
  width: number;
  height: number;
}

export interface FrameReply {
  id: number;
  features?: { data: Float32Array; shape: number[] };
  side?: { data: Float32Array; shape: number[] }[];
  /** the head's per-position linear map, when the split computes one (BackboneOutput.perPositionData) */
  perPosition?: Float32Array;
  ms: number;
  error?: string;
}

/** NHWC pixels (preprocessed) -> NCHW, for the bare model. */
function toNchw(x: Float32Array, h: number, w: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let y = 0; y < h; y++) for (let i = 0; i < w; i++) for (let c = 0; c < 3; c++) out[c * h * w + y * w + i] = x[(y * w + i) * 3 + c]!;
  return out;
}

async function main(): Promise<void> {
  const port = parentPort!;
  const d = workerData as BackboneWorkerData;
  if (d.interrupt) watchInterrupt(d.interrupt);
  let handle: (r: FrameRequest) => Promise<FrameReply>;
  if (d.mode === 'bare') {
    const file = await onnxFilePath(d.location);
    const session = await createSession(await readFile(file), ortThreadCount(), file);
    const inputName = session.inputNames[0]!;
    handle = async (r) => {
      const t0 = performance.now();
      const x = toNchw(preprocessPixels(r.rgb, d.preprocessing), r.height, r.width);
      await session.run({ [inputName]: new ort.Tensor('float32', x, [1, 3, r.height, r.width]) });
      return { id: r.id, ms: performance.now() - t0 };
    };
  } else if (d.mode === 'map') {
    await selectBackend();
    const model = await loadOnnxModel({ id: d.location, location: d.location, preprocessing: d.preprocessing, outputKind: d.outputKind ?? null });
    const split = model.split(d.layer);
    const solve = defaultSolveOptions('converged');
    handle = async (r) => {
      const t0 = performance.now();
      const x = inputTensor(r.rgb, r.width, r.height, d.preprocessing);
      const out = await split.runBackbone(x);
      x.dispose();
      try {
        analyzeFeatures(split.head(out), out.features, [d.request!], { solve });
      } finally {
        out.features.dispose();
        for (const s of out.side) s.dispose();
      }
      return { id: r.id, ms: performance.now() - t0 };
    };
  } else {
    await tf.setBackend('cpu'); // only to hold tensors: the work is ONNX Runtime's
    const model = await loadOnnxModel({ id: d.location, location: d.location, preprocessing: d.preprocessing });
    const split = model.split(d.layer);
    handle = async (r) => {
      const t0 = performance.now();
      const x = inputTensor(r.rgb, r.width, r.height, d.preprocessing);
      const out = await split.runBackbone(x);
      x.dispose();
      const read = async (t: tf.Tensor) => ({ data: (await t.data()) as Float32Array, shape: t.shape.slice() });
      const reply: FrameReply = {
        id: r.id,
        features: await read(out.features),
        side: await Promise.all(out.side.map(read)),
        ...(out.perPositionData ? { perPosition: out.perPositionData } : {}),
        ms: performance.now() - t0,
      };
      out.features.dispose();
      for (const s of out.side) s.dispose();
      return reply;
    };
  }
  port.on('message', (r: FrameRequest) => {
    if (isStopMessage(r)) process.exit(0);
    handle(r).then(
      (reply) => port.postMessage(reply, [reply.features?.data.buffer, ...(reply.side ?? []).map((s) => s.data.buffer)].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer)),
      (e: Error) => port.postMessage({ id: r.id, ms: 0, error: e.message } satisfies FrameReply),
    );
  });
  port.postMessage({ ready: true });
}

main().catch((e: Error) => {
  parentPort?.postMessage({ fatal: e.message });
});
