// A backbone worker thread: loads its own copy of the model (one TF.js engine per thread), splits
// it at the layer, then answers 'run' messages with the features as transferred ArrayBuffers.
// Engine neutral: it only calls openModel + split + runBackbone, so whatever openModel loads
// (TF.js today, ONNX soon) runs here unchanged.
import { parentPort, workerData } from 'node:worker_threads';
import { backboneOnPixels, backboneToArrays, type ArrayTensor } from '../engine/backboneRunner.js';
import { selectBackend } from '../engine/backend.js';
import { openModel } from '../engine/openModel.js';
import { createFrameSolver, type FrameWork } from '../engine/frameSolver.js';
import type { LoadedModel } from '../models/loadModel.js';
import type { SplitModel } from '../models/split.js';
import type { FromWorker, ToWorker, WorkerInit } from './protocol.js';
import { isStopMessage } from './stopWorker.js';
import { watchInterrupt } from '../attention/interrupt.js';

if (!parentPort) throw new Error('backboneWorker.js must run as a worker thread (see src/pool/backbonePool.ts)');
const port = parentPort;
const init = workerData as WorkerInit;
if (init.interrupt) watchInterrupt(init.interrupt);

function post(msg: FromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(msg, transfer);
}

/** The buffers of a FrameWork that can be moved instead of copied. */
function workTransfer(w: FrameWork): ArrayBuffer[] {
  const bufs = new Set<ArrayBuffer>();
  const add = (a: Float32Array | undefined): void => {
    if (a && a.buffer instanceof ArrayBuffer && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength) bufs.add(a.buffer);
  };
  add(w.logits);
  for (const m of w.maps) {
    if (!m) continue;
    add(m.raw);
    add(m.values);
    add(m.param);
  }
  return [...bufs];
}

/** A typed array that owns its whole buffer can be transferred; anything else is copied first. */
function transferable(t: ArrayTensor): ArrayTensor {
  const d = t.data;
  const own = d.byteOffset === 0 && d.byteLength === d.buffer.byteLength && d.buffer instanceof ArrayBuffer;
  return { data: own ? d : d.slice(), shape: t.shape };
}

async function start(): Promise<{ model: LoadedModel; split: SplitModel; backend: string }> {
  const backend = await selectBackend(init.backend);
  const model = await openModel({ ...init.model, log: () => {} });
  try {
    return { model, split: model.split(init.layer), backend };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

let ready: Promise<{ model: LoadedModel; split: SplitModel; backend: string }>;
try {
  ready = start();
} catch (e) {
  ready = Promise.reject(e);
}

type Handler = (msg: Extract<ToWorker, { type: 'run' }>) => Promise<void>;
let handler: Handler | null = null;
// Messages that arrive while the model loads wait here, in order, for the handler.
const early: Extract<ToWorker, { type: 'run' }>[] = [];
// Messages are handled one at a time, in order (the pool keeps a second job queued here so the
// worker never waits for the round trip between jobs).
let chain = Promise.resolve();

// One listener from the start, so 'stop' is honoured while the model is still loading too.
port.on('message', (msg: ToWorker) => {
  // A listener runs only on an empty stack: no ONNX Runtime call (a synchronous create or run in a
  // setImmediate) is in progress, so the thread can end here without aborting the process.
  if (isStopMessage(msg)) process.exit(0);
  // Thrown straight from the listener (an uncaught error, as a real crash would be): a
  // setImmediate could wait behind queued jobs, which run back to back in microtasks.
  if (msg.type === 'crash') throw new Error('crash requested (fault injection)');
  if (!handler) {
    early.push(msg);
    return;
  }
  const h = handler;
  chain = chain.then(() => h(msg));
});

ready.then(
  ({ model, split, backend }) => {
    const solver = init.plan ? createFrameSolver(model, split, init.plan) : null;
    handler = async (msg) => {
      const t0 = performance.now();
      try {
        if (msg.work && !solver) throw new Error('this worker has no frame plan');
        const out = await backboneOnPixels(model, split, msg.rgb, msg.width, msg.height);
        if (msg.work && solver) {
          const t1 = performance.now();
          const work = await solver(out, msg.chain);
          work.ms = { backbone: t1 - t0, solve: performance.now() - t1 };
          // The solver's curvature goes to the caller too, copied (the chain here keeps it): a
          // convergence replay of the next frame starts from it, as that frame's solve did.
          post({ type: 'work', id: msg.id, work }, workTransfer(work));
          return;
        }
        const a = await backboneToArrays(out, performance.now() - t0);
        const features = transferable(a.features);
        const side = a.side.map(transferable);
        const perPosition = a.perPosition ? transferable({ data: a.perPosition, shape: [] }).data : undefined;
        const buffers = [features, ...side].map((t) => t.data.buffer as ArrayBuffer);
        if (perPosition) buffers.push(perPosition.buffer as ArrayBuffer);
        post({ type: 'result', id: msg.id, features, side, ...(perPosition ? { perPosition } : {}), ms: a.ms }, buffers);
      } catch (e) {
        post({ type: 'error', id: msg.id, message: (e as Error).message ?? String(e) });
      }
    };
    const h = handler;
    for (const msg of early.splice(0)) chain = chain.then(() => h(msg));
    post({ type: 'ready', layer: split.layer, layerShape: split.layerShape, inputSize: model.inputSize, backend });
  },
  (e: unknown) => {
    post({ type: 'init-error', message: (e as Error).message ?? String(e) });
  },
);
