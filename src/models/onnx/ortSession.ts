// ONNX Runtime sessions with the thread settings that measured fastest here. run() blocks the
// thread it runs on, so parallel frames use worker threads with one single-threaded session each
// (faster than one session with two threads); the main thread uses every core. With more than one
// intra-op thread, spinning is turned off: spinning threads of several sessions fight for the cores
// and halve the speed.
import os from 'node:os';
import { isMainThread } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { ModelFileError } from '../fileHandler.js';

export const ORT_THREADS_ENV = 'L2CAF_ORT_THREADS';
/** More intra-op threads than this is a typo, not a machine (and ORT would start them all). */
export const MAX_ORT_THREADS = 64;

/** Validates a thread count; `source` names where it came from (the flag or the env variable). */
export function checkOrtThreads(n: unknown, source: string): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_ORT_THREADS) {
    throw new Error(`${source} must be an integer from 1 to ${MAX_ORT_THREADS}, got ${JSON.stringify(n)}`);
  }
  return n;
}

/**
 * Intra-op threads: the explicit value (--ort-threads), else env L2CAF_ORT_THREADS, else 1 inside a
 * worker thread and the core count in the main thread.
 */
export function ortThreadCount(explicit?: number, env: NodeJS.ProcessEnv = process.env, mainThread = isMainThread): number {
  if (explicit !== undefined) return checkOrtThreads(explicit, '--ort-threads');
  const e = env[ORT_THREADS_ENV];
  if (e !== undefined && e !== '') {
    const n = Number(e);
    if (!Number.isInteger(n)) throw new Error(`${ORT_THREADS_ENV} must be an integer from 1 to ${MAX_ORT_THREADS}, got ${JSON.stringify(e)}`);
    return checkOrtThreads(n, ORT_THREADS_ENV);
  }
  return mainThread ? Math.max(1, os.availableParallelism()) : 1;
}

export function sessionOptions(threads: number): ort.InferenceSession.SessionOptions {
  return {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // session.intra_op.allow_spinning (onnxruntime_session_options_config_keys.h)
    extra: threads > 1 ? { session: { intra_op: { allow_spinning: '0' } } } : {},
  };
}

export async function createSession(bytes: Uint8Array, threads: number, where: string): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(bytes, sessionOptions(threads));
  } catch (e) {
    throw new ModelFileError(`${where}: ONNX Runtime cannot load the model: ${(e as Error).message.split('\n')[0]}`);
  }
}
