// A synchronous ONNX Runtime session, for the head's gradient pass (ortHeadOracle.ts): the sphere
// solver calls its oracle synchronously, many times a frame, and onnxruntime-node's public run()
// is a promise around a synchronous native call (dist/backend.js: setImmediate, then
// binding.run). The native binding is used directly, as the public API does, so a pass costs the
// native call alone. Checked with onnxruntime-node 1.30; if the binding's shape ever changes,
// openSyncSession returns null and the head stays on TF.js.
import { createRequire } from 'node:module';
import * as ort from 'onnxruntime-node';
import { sessionOptions } from './ortSession.js';
import { throwIfInterrupted } from '../../attention/interrupt.js';

const require = createRequire(import.meta.url);

interface NativeSession {
  loadModel(buffer: ArrayBufferLike, byteOffset: number, byteLength: number, options: object): void;
  run(feeds: Record<string, ort.Tensor>, fetches: Record<string, null>, options: object): Record<string, { data: unknown; dims: readonly number[] }>;
  dispose(): void;
}
interface Binding {
  binding: { InferenceSession: new () => NativeSession };
  initOrt(): void;
}

let binding: Binding | null | undefined;

function loadBinding(): Binding | null {
  if (binding !== undefined) return binding;
  try {
    const b = require('onnxruntime-node/dist/binding.js') as Binding;
    binding = typeof b.initOrt === 'function' && typeof b.binding?.InferenceSession === 'function' ? b : null;
  } catch {
    binding = null;
  }
  return binding;
}

export interface SyncSession {
  /** float32 outputs by name */
  run(feeds: Record<string, ort.Tensor>, outputs: readonly string[]): Float32Array[];
  dispose(): void;
}

/** A session on `bytes`, or null when the native binding is not usable; load errors throw. */
export function openSyncSession(bytes: Uint8Array, threads: number): SyncSession | null {
  const b = loadBinding();
  if (!b) return null;
  b.initOrt();
  const s = new b.binding.InferenceSession();
  s.loadModel(bytes.buffer, bytes.byteOffset, bytes.byteLength, sessionOptions(threads));
  let disposed = false;
  return {
    run(feeds, outputs) {
      // (a closing pool's worker must leave between runs: terminating it inside one aborts the process)
      throwIfInterrupted();
      const fetches: Record<string, null> = {};
      for (const o of outputs) fetches[o] = null;
      const res = s.run(feeds, fetches, {});
      return outputs.map((o) => {
        const d = res[o]?.data;
        if (!(d instanceof Float32Array)) throw new Error(`ONNX Runtime gave no float32 output "${o}"`);
        return d;
      });
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      s.dispose();
    },
  };
}
