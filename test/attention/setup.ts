// Shared test setup: the backend the app would pick (wasm here; L2CAF_BACKEND=cpu overrides).
import type * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll } from 'vitest';
import { selectBackend } from '../../src/engine/backend.js';
import { makeFeatures, nonlinearHead, type TestHead } from './heads.js';

export async function useBackend(): Promise<string> {
  return selectBackend();
}

/**
 * A test file's non-linear head and its features (nonlinearHead, makeFeatures), on the app's
 * backend: made before the file's tests, disposed after them. Read `head` and `X` inside tests.
 */
export function useNonlinearHead(filterShape: readonly [number, number], C: number, C2: number, K: number, seed: number, featureSeed: number): { readonly head: TestHead; readonly X: tf.Tensor } {
  let head: TestHead | null = null;
  let X: tf.Tensor | null = null;
  beforeAll(async () => {
    await useBackend();
    head = nonlinearHead(filterShape, C, C2, K, seed);
    X = makeFeatures(head.filterShape, head.C, featureSeed);
  });
  afterAll(() => {
    X?.dispose();
    head?.dispose();
  });
  return {
    get head() {
      if (!head) throw new Error('useNonlinearHead: read head inside a test');
      return head;
    },
    get X() {
      if (!X) throw new Error('useNonlinearHead: read X inside a test');
      return X;
    },
  };
}
