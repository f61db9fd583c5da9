// Messages between the backbone pool (main thread) and its workers. Plain data only: everything
// here goes through structured clone, and the feature arrays' buffers are transferred, not copied.
import type { ArrayTensor } from '../engine/backboneRunner.js';
import type { ModelFlags } from '../engine/openModel.js';
import type { ChainStep, FramePlan, FrameWork } from '../engine/frameSolver.js';

/** The part of ModelFlags that can cross a thread boundary (no callbacks, no signal). */
export type WorkerModelFlags = Omit<ModelFlags, 'onProgress' | 'signal' | 'log'>;

export interface WorkerInit {
  model: WorkerModelFlags;
  layer?: string;
  /** The backend the main thread runs, so features are computed the same way in every worker. */
  backend?: string;
  /** With a plan, each pass also solves the maps that need only its own input (src/engine/frameSolver.ts) and answers 'work'. */
  plan?: FramePlan;
  /** Raised by the pool before it stops the thread; the thread's head passes look at it (attention/interrupt.ts). */
  interrupt?: SharedArrayBuffer;
}

export type ToWorker =
  /** work: also solve the plan's frame-local maps and answer 'work' (needs WorkerInit.plan) */
  | { type: 'run'; id: number; rgb: Uint8Array; width: number; height: number; work: boolean; chain?: ChainStep }
  /** End the thread between native calls (src/pool/stopWorker.ts). */
  | { type: 'stop' }
  /** Fault injection for the tests of crash handling: the worker throws outside any handler. */
  | { type: 'crash' };

export type FromWorker =
  | { type: 'ready'; layer: string; layerShape: number[]; inputSize: [number, number]; backend: string }
  | { type: 'init-error'; message: string }
  | { type: 'result'; id: number; features: ArrayTensor; side: ArrayTensor[]; perPosition?: Float32Array; ms: number }
  | { type: 'work'; id: number; work: FrameWork }
  | { type: 'error'; id: number; message: string };
