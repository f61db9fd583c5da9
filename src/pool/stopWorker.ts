// Ending a worker thread that may be running ONNX Runtime. worker.terminate() lands wherever the
// thread is, and landing inside an ORT session create or run aborts the whole process
// (onnxruntime-node 1.30 throws a C++ Napi::Error with nowhere to go: "terminate called after
// throwing an instance of 'Napi::Error'"). So the worker is sent STOP_MESSAGE and exits from its own
// message handler, which only runs on an empty stack, between native calls; a flag in shared memory
// raised first ends a long synchronous solve at its next head pass, so that the message is read.
// terminate() stays as the fallback for a worker that has not exited after the grace period.
import type { Worker } from 'node:worker_threads';
import { raiseInterrupt } from '../attention/interrupt.js';

export const STOP_MESSAGE = { type: 'stop' } as const;

/** How long a worker gets to exit after the stop message before it is terminated. */
export const STOP_GRACE_MS = 5000;

/** True for the stop message (workers call process.exit(0) on it). */
export function isStopMessage(m: unknown): m is typeof STOP_MESSAGE {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === STOP_MESSAGE.type;
}

/**
 * Asks a worker to exit and resolves once it has; terminates it after `graceMs`. `interrupt`: the
 * flag the worker's head passes look at (attention/interrupt.ts), raised first, so that a worker in
 * the middle of a long synchronous solve leaves it within a pass and reads the message (without it
 * the grace ran out and terminate() landed inside an ONNX Runtime run: the process aborted).
 */
export function stopWorker(worker: Worker, graceMs = STOP_GRACE_MS, interrupt?: SharedArrayBuffer): Promise<void> {
  if (interrupt) raiseInterrupt(interrupt);
  // Already gone ('exit' was emitted, threadId is then -1): there is nothing to wait for.
  if (worker.threadId === -1) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      worker.terminate().catch(() => undefined);
    }, graceMs);
    worker.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    try {
      worker.postMessage(STOP_MESSAGE);
    } catch {
      // A worker whose port is already closed is on its way out: 'exit' or the timer ends it.
    }
  });
}
