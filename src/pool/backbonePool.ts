// A BackboneRunner backed by worker threads: N workers, each with its own model instance and TF.js
// engine, run backbone passes in parallel while the main thread does the ordered head solves.
// With a FramePlan the workers also solve every map (analyze()); a job may name its worker, so the
// frames of one warm chain go to one worker in order (that worker keeps the chain's filters). Jobs
// queue here and go to their worker, or else the least busy one, up to PER_WORKER each (so a worker
// never idles for the round trip between jobs); results come back as transferred ArrayBuffers.
//
// Failure handling: a worker that cannot load the model fails createBackbonePool with its message;
// a worker that dies afterwards (uncaught error, out of memory) breaks the pool: its job, all
// queued jobs and every later run() reject with an error naming the worker and the cause, and the
// other workers are stopped. close() stops every worker and rejects what was pending, so no thread
// outlives the pool.
//
// Workers are stopped with a message, not worker.terminate(): terminating a thread inside an ONNX
// Runtime call aborts the whole process, so a cancelled ONNX video job could take the app down
// (src/pool/stopWorker.ts).
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { BackboneArrays, BackboneRunner } from '../engine/backboneRunner.js';
import type { ModelFlags } from '../engine/openModel.js';
import type { WorkerRoute } from '../engine/chains.js';
import type { FramePlan, FrameWork } from '../engine/frameSolver.js';
import type { FromWorker, ToWorker, WorkerInit, WorkerModelFlags } from './protocol.js';
import { stopWorker } from './stopWorker.js';
import { newInterruptFlag } from '../attention/interrupt.js';
import { resolveWorkerScript } from './workerScript.js';

export interface BackbonePoolOptions {
  model: ModelFlags;
  layer?: string;
  /** TF.js backend for the workers; default: env L2CAF_BACKEND, else the usual order. */
  backend?: string;
  /** Worker count; default os.availableParallelism(). */
  workers?: number;
  signal?: AbortSignal;
  /** With a plan, analyze() is available: workers solve what needs only their frame. */
  plan?: FramePlan;
}

export interface BackbonePool extends BackboneRunner {
  /** The layer the workers split at, and its shape (from the first worker). */
  readonly layer: string;
  readonly layerShape: number[];
  readonly inputSize: [number, number];
  readonly backend: string;
  /** Thread ids of live workers (tests check none remain after close). */
  liveWorkers(): number[];
  /** Passes run so far (tests check cache hits run none). */
  readonly passes: number;
  /** Fault injection for tests: makes worker `i` throw an uncaught error. */
  crashWorkerForTest(i: number): void;
  /**
   * Backbone pass and the plan's maps (needs `plan`); rejects with an AbortError like run(). `route`:
   * run on worker `worker % concurrency` (without one, the least busy), at this step of its warm
   * chain (jobs routed to one worker run in the order they were submitted).
   */
  analyze(rgb: Uint8Array, width: number, height: number, signal?: AbortSignal, route?: WorkerRoute): Promise<FrameWork>;
}

/** Jobs a worker holds at once: one running, one queued in its message port. */
const PER_WORKER = 2;

interface Job {
  id: number;
  rgb: Uint8Array;
  width: number;
  height: number;
  /** true: answer with a FrameWork (analyze), false: with the features (run) */
  work: boolean;
  route?: WorkerRoute;
  resolve: (a: BackboneArrays | FrameWork) => void;
  reject: (e: Error) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

interface Slot {
  worker: Worker;
  index: number;
  jobs: Job[];
  exited: boolean;
  lastError: Error | null;
  /** raised when the worker is stopped (attention/interrupt.ts) */
  interrupt: SharedArrayBuffer;
}

function abortError(what: string): Error {
  const e = new Error(what);
  e.name = 'AbortError';
  return e;
}

function cloneableFlags(f: ModelFlags): WorkerModelFlags {
  const { onProgress: _p, signal: _s, log: _l, ...plain } = f;
  return plain;
}

export async function createBackbonePool(opts: BackbonePoolOptions): Promise<BackbonePool> {
  const n = opts.workers ?? os.availableParallelism();
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new Error(`workers must be an integer from 1 to 64, got ${n}`);
  const script = resolveWorkerScript(import.meta.url);
  const init: WorkerInit = { model: cloneableFlags(opts.model), layer: opts.layer, backend: opts.backend ?? process.env.L2CAF_BACKEND, plan: opts.plan };
  const slots: Slot[] = [];
  const queue: Job[] = [];
  let nextId = 1;
  let passes = 0;
  let closed = false;
  let broken: Error | null = null;
  let info: Extract<FromWorker, { type: 'ready' }> | null = null;

  const stopAll = async (): Promise<void> => {
    await Promise.all(slots.map((s) => (s.exited ? undefined : stopWorker(s.worker, undefined, s.interrupt))));
  };

  const failAll = (err: Error): void => {
    for (const s of slots) for (const j of s.jobs.splice(0)) finish(j, () => j.reject(err));
    for (const j of queue.splice(0)) finish(j, () => j.reject(err));
  };

  const finish = (j: Job, settle: () => void): void => {
    if (j.onAbort) j.signal?.removeEventListener('abort', j.onAbort);
    settle();
  };

  const dispatch = (): void => {
    if (broken || closed) return;
    // In queue order; a routed job whose worker is full waits, and so (in order) do the later jobs
    // routed there, while jobs for other workers go on.
    for (let q = 0; q < queue.length; ) {
      const j = queue[q]!;
      let s: Slot | null = null;
      const pinned = j.route?.worker !== undefined;
      if (pinned) {
        const x = slots[j.route!.worker! % slots.length]!;
        if (!x.exited && x.jobs.length < PER_WORKER) s = x;
      } else {
        // The least busy live worker with room.
        for (const x of slots) if (!x.exited && x.jobs.length < PER_WORKER && (!s || x.jobs.length < s.jobs.length)) s = x;
      }
      if (!s) {
        if (!pinned) return;
        q++;
        continue;
      }
      queue.splice(q, 1);
      s.jobs.push(j);
      passes++;
      // A copy: the caller keeps its frame, and 150 kB per 224x224 frame costs nothing.
      const rgb = new Uint8Array(j.rgb); // (Buffer.slice would share memory, and transfer would detach it)
      const msg: ToWorker = { type: 'run', id: j.id, rgb, width: j.width, height: j.height, work: j.work, ...(j.route ? { chain: j.route.chain } : {}) };
      s.worker.postMessage(msg, [rgb.buffer]);
    }
  };

  const ready = await new Promise<Extract<FromWorker, { type: 'ready' }>>((resolveReady, rejectReady) => {
    let pendingReady = n;
    let settled = false;
    const fail = (e: Error): void => {
      if (settled) return;
      settled = true;
      void stopAll().then(() => rejectReady(e));
    };
    const onAbort = (): void => fail(abortError('backbone pool start cancelled'));
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    for (let i = 0; i < n; i++) {
      const interrupt = newInterruptFlag();
      const worker = new Worker(script, { workerData: { ...init, interrupt } satisfies WorkerInit });
      const slot: Slot = { worker, index: i, jobs: [], exited: false, lastError: null, interrupt };
      slots.push(slot);
      worker.on('message', (msg: FromWorker) => {
        switch (msg.type) {
          case 'ready':
            info ??= msg;
            if (--pendingReady === 0 && !settled) {
              settled = true;
              opts.signal?.removeEventListener('abort', onAbort);
              resolveReady(msg);
            }
            return;
          case 'init-error':
            opts.signal?.removeEventListener('abort', onAbort);
            fail(new Error(msg.message));
            return;
          case 'result':
          case 'work':
          case 'error': {
            const at = slot.jobs.findIndex((j) => j.id === msg.id);
            if (at < 0) return; // aborted meanwhile
            const j = slot.jobs.splice(at, 1)[0]!;
            if (msg.type === 'result') finish(j, () => j.resolve({ features: msg.features, side: msg.side, ...(msg.perPosition ? { perPosition: msg.perPosition } : {}), ms: msg.ms }));
            else if (msg.type === 'work') finish(j, () => j.resolve(msg.work));
            // (the worker's own words: they name what failed, e.g. an unknown class or a non-finite loss)
            else finish(j, () => j.reject(new Error(msg.message)));
            dispatch();
            return;
          }
        }
      });
      worker.on('error', (e) => {
        slot.lastError = e;
      });
      worker.on('exit', (code) => {
        slot.exited = true;
        if (closed || broken) return;
        const why = slot.lastError ? slot.lastError.message : `exit code ${code}`;
        const err = new Error(`backbone worker ${i} stopped unexpectedly (${why})`);
        if (!settled) {
          fail(err);
          return;
        }
        broken = err;
        failAll(err);
        void stopAll();
      });
    }
  });

  function submit<T extends BackboneArrays | FrameWork>(rgb: Uint8Array, width: number, height: number, work: boolean, signal?: AbortSignal, route?: WorkerRoute): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (broken) return reject(broken);
      if (closed) return reject(new Error('backbone pool is closed'));
      if (signal?.aborted) return reject(abortError('backbone pass cancelled'));
      const job: Job = { id: nextId++, rgb, width, height, work, ...(route ? { route } : {}), resolve: resolve as Job['resolve'], reject, signal };
      if (signal) {
        job.onAbort = () => {
          const q = queue.indexOf(job);
          if (q >= 0) queue.splice(q, 1);
          // A running pass finishes in its worker; its result is dropped (the id no longer matches).
          for (const s of slots) {
            const at = s.jobs.indexOf(job);
            if (at >= 0) s.jobs.splice(at, 1);
          }
          dispatch();
          reject(abortError('backbone pass cancelled'));
        };
        signal.addEventListener('abort', job.onAbort, { once: true });
      }
      queue.push(job);
      dispatch();
    });
  }

  return {
    concurrency: n,
    layer: ready.layer,
    layerShape: ready.layerShape,
    inputSize: ready.inputSize,
    backend: ready.backend,
    get passes() {
      return passes;
    },
    liveWorkers: () => slots.filter((s) => !s.exited).map((s) => s.worker.threadId),
    crashWorkerForTest(i: number) {
      slots[i]?.worker.postMessage({ type: 'crash' } satisfies ToWorker);
    },
    run: (rgb, width, height, signal) => submit<BackboneArrays>(rgb, width, height, false, signal),
    analyze(rgb, width, height, signal, route) {
      if (!opts.plan) return Promise.reject(new Error('analyze() needs a pool created with a plan'));
      return submit<FrameWork>(rgb, width, height, true, signal, route);
    },
    async close() {
      if (closed) return;
      closed = true;
      failAll(new Error('backbone pool closed'));
      await stopAll();
    },
  };
}
