// Picks the TF.js backend: native TensorFlow (tfjs-node, when its binary could be installed) > wasm
// (SIMD, the fast one here) > cpu. Overridable with --backend or env L2CAF_BACKEND. The backend in
// use is reported in every result, because timings and tiny numeric differences depend on it.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
// Registers gradients for the layers ops and the Keras layer classes used by the model loader.
import '@tensorflow/tfjs-layers';
import { createRequire } from 'node:module';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export const BACKEND_ORDER: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

const require = createRequire(import.meta.url);

/**
 * The cpu backend prints a banner on its first use in Node ("Hi, looks like you are running
 * TensorFlow.js in Node.js ... install our node backend"): tfjs-node is an optional dependency here
 * (README), so the advice is noise in the CLI's and the tests' output. Marking the backend used
 * silences it and changes nothing else.
 */
function quietCpuBackend(): void {
  const cpu = tf.findBackend('cpu') as { firstUse?: boolean } | null;
  if (cpu && 'firstUse' in cpu) cpu.firstUse = false;
}
quietCpuBackend();
let nativeTried = false;
let nativeLoaded = false;

/** Loads @tensorflow/tfjs-node once if it is installed and its native binary works. */
function tryLoadNative(): boolean {
  if (nativeTried) return nativeLoaded;
  nativeTried = true;
  try {
    // tfjs-node registers the 'tensorflow' backend on import. It is an optional dependency whose
    // install downloads libtensorflow; where that failed it is absent and we fall through.
    require('@tensorflow/tfjs-node');
    nativeLoaded = tf.findBackend('tensorflow') != null || tf.engine().registryFactory['tensorflow'] != null;
  } catch {
    nativeLoaded = false;
  }
  return nativeLoaded;
}

/** A backend name that is none of BACKEND_ORDER: a bad flag or environment value (exit 2 on the command line). */
export class UnknownBackendError extends Error {}

export function isBackendName(s: string): s is BackendName {
  return (BACKEND_ORDER as readonly string[]).includes(s);
}

/**
 * Selects and initialises a backend. `requested` (flag) wins over env L2CAF_BACKEND; with neither,
 * the first of tensorflow > wasm > cpu that initialises. A requested backend that cannot start is an
 * error (the user asked for it), not a silent fallback.
 */
export async function selectBackend(requested?: string): Promise<BackendName> {
  const wanted = requested ?? process.env.L2CAF_BACKEND ?? '';
  if (wanted) {
    if (!isBackendName(wanted)) {
      throw new UnknownBackendError(`unknown backend "${wanted}"${requested === undefined ? ' (L2CAF_BACKEND)' : ''}: choose one of ${BACKEND_ORDER.join(', ')}`);
    }
    if (wanted === 'tensorflow' && !tryLoadNative()) {
      throw new Error('backend "tensorflow" is not available: @tensorflow/tfjs-node is not installed or its native library failed to load');
    }
    if (tf.getBackend() === wanted) return wanted;
    if (!(await tf.setBackend(wanted))) throw new Error(`backend "${wanted}" failed to initialise`);
    await tf.ready();
    return wanted;
  }
  for (const name of BACKEND_ORDER) {
    if (name === 'tensorflow' && !tryLoadNative()) continue;
    if (tf.getBackend() === name) return name;
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        return name;
      }
    } catch {
      // try the next one
    }
  }
  throw new Error('no TF.js backend could be initialised');
}

export function currentBackend(): BackendName {
  const b = tf.getBackend();
  if (!isBackendName(b)) throw new Error(`unexpected TF.js backend ${b}`);
  return b;
}

/**
 * What runs the model, for JSON and console: an ONNX model's backbone runs on ONNX Runtime and only
 * its head on TF.js, so the TF.js backend alone ("wasm") would misreport where the time goes.
 */
export function enginesOf(format: string, backend: string = currentBackend()): string {
  return format === 'onnx' ? `onnxruntime backbone + tfjs-${backend} head` : `tfjs-${backend}`;
}
