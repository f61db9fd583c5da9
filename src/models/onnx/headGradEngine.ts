// Whether and how a head's gradient passes run on ONNX Runtime: the forward+backward graph
// (gradModel.ts; from an ONNX head, onnxGradGraph.ts, or a TF.js layers head, layersOnnx.ts) in a
// synchronous session (ortSync.ts), built once per split on first use.
// L2CAF_HEAD_ENGINE=tfjs keeps every pass on TF.js (for A/B measurements and as a way out).
import type * as tf from '@tensorflow/tfjs-core';
import type { SphereOracle } from '../../attention/sphereLbfgs.js';
import type { Head } from '../../attention/types.js';
import type { LossSeed } from '../../attention/lossSeed.js';
import type { GradGraph, GradGraphResult } from './gradModel.js';
import type { OnnxLayout } from './onnxLayout.js';
import { openSyncSession, type SyncSession } from './ortSync.js';
import { ortFeatureGradient, ortHeadOracle, type HeadInput } from './ortHeadOracle.js';

export const HEAD_ENGINE_ENV = 'L2CAF_HEAD_ENGINE';

export interface HeadGradEngine {
  /** why the head stays on TF.js, or null when it runs on ONNX Runtime */
  readonly refused: string | null;
  /** an oracle for one input's channels-last features, or null (refused) */
  oracle(features: Float32Array, S: number, side: readonly tf.Tensor[], seed: LossSeed): SphereOracle | null;
  /** the loss gradient with respect to the unfiltered features (channels-last), or null (refused) */
  featureGradient(features: Float32Array, S: number, side: readonly tf.Tensor[], seed: LossSeed): Float32Array | null;
  dispose(): void;
}

/** The engine the environment asks for: 'tfjs', or 'auto' (ONNX Runtime when the head allows). */
export function headEngineChoice(env: NodeJS.ProcessEnv = process.env): 'auto' | 'tfjs' {
  const v = env[HEAD_ENGINE_ENV];
  if (v === undefined || v === '' || v === 'auto') return 'auto';
  if (v === 'tfjs') return 'tfjs';
  throw new Error(`${HEAD_ENGINE_ENV} must be auto or tfjs, got ${JSON.stringify(v)}`);
}

/** `layout`: the graph input's (the oracle puts channels-last features in it). */
export function headGradEngine(build: () => GradGraphResult, layout: OnnxLayout, threads: number): HeadGradEngine {
  let refused: string | null = null;
  let graph: GradGraph | null = null;
  let session: SyncSession | null = null;
  if (headEngineChoice() === 'tfjs') refused = `${HEAD_ENGINE_ENV}=tfjs`;
  else {
    const built = build();
    if (!built.ok) refused = built.reason;
    else {
      graph = built.graph;
      try {
        session = openSyncSession(graph.bytes, threads);
        if (!session) refused = 'the ONNX Runtime binding cannot run synchronously';
      } catch (e) {
        // a graph ONNX Runtime will not load is our bug, not the user's: the head stays on TF.js
        refused = `ONNX Runtime refused the gradient graph: ${(e as Error).message.split('\n')[0]}`;
      }
    }
  }
  const input = (features: Float32Array, S: number, side: readonly tf.Tensor[]): HeadInput | null => {
    if (!session || !graph || side.some((t) => t.dtype !== 'float32')) return null;
    return { session, graph, layout, features, S, side: side.map((t) => t.dataSync() as Float32Array) };
  };
  return {
    refused,
    oracle(features, S, side, seed) {
      const h = input(features, S, side);
      return h && ortHeadOracle(h, seed);
    },
    featureGradient(features, S, side, seed) {
      const h = input(features, S, side);
      return h && ortFeatureGradient(h, seed);
    },
    dispose() {
      session?.dispose();
      session = null;
    },
  };
}

/**
 * Gives a head the engine's passes (Head.gradOracle, Head.featureGradient) for exactly the
 * features it was made for; `data` reads them (once, on first use); `live` is false once the
 * split is disposed. A refused engine leaves the head on TF.js.
 */
export function attachEngine(head: Head, engine: HeadGradEngine, features: tf.Tensor, data: () => Float32Array, S: number, side: readonly tf.Tensor[], live: () => boolean): void {
  if (engine.refused) return;
  let values: Float32Array | null = null;
  const mine = (f: tf.Tensor) => f === features && live();
  head.gradOracle = (f, seed) => (mine(f) ? engine.oracle((values ??= data()), S, side, seed) : null);
  head.featureGradient = (f, seed) => (mine(f) ? engine.featureGradient((values ??= data()), S, side, seed) : null);
}
