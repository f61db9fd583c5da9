// A worker thread's "stop now", readable in the middle of a synchronous solve. A solve runs head
// passes back to back without returning to the event loop (an Adam solve with the paper's settings
// can take many seconds), so a stop message waits behind it, and terminating the thread instead can
// land inside an ONNX Runtime run, which aborts the whole process (src/pool/stopWorker.ts). The pool
// raises a flag in memory shared with the thread; every head pass looks at it first (headOracle.ts,
// the ONNX Runtime session in models/onnx/ortSync.ts, the paper solver's loop) and throws, so the
// solve unwinds within one pass and the stop message is read. Threads that were given no flag (the
// main thread) never stop here.

let flag: Int32Array | null = null;

/** Stopped by the flag: an AbortError, as a cancelled job's other errors are. */
export class InterruptedError extends Error {
  constructor() {
    super('stopped: the worker thread is being closed');
    this.name = 'AbortError';
  }
}

/** A flag to share with one thread (4 bytes: SharedArrayBuffer passes through workerData uncopied). */
export function newInterruptFlag(): SharedArrayBuffer {
  return new SharedArrayBuffer(4);
}

/** In the thread: the flag this thread's passes look at. */
export function watchInterrupt(buffer: SharedArrayBuffer): void {
  flag = new Int32Array(buffer, 0, 1);
}

/** From the owner: raise the flag (for good: a stopped thread takes no more work). */
export function raiseInterrupt(buffer: SharedArrayBuffer): void {
  Atomics.store(new Int32Array(buffer, 0, 1), 0, 1);
}

/** Throws InterruptedError when this thread's flag is raised. */
export function throwIfInterrupted(): void {
  if (flag !== null && Atomics.load(flag, 0) !== 0) throw new InterruptedError();
}
