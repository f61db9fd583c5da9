// The solver's head passes on ONNX Runtime (Head.gradOracle, the head's forward+backward graph)
// against the same passes through TF.js autodiff of the translated head: losses and gradients
// with respect to the filter at several filters, for both objectives.
import { expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { headOracle } from '../../src/attention/headOracle.js';
import { makeObjective, disposeObjective } from '../../src/attention/objectives.js';
import type { Head } from '../../src/attention/types.js';
import { defaultSolveOptions, gradCam, OPTIMAL_RULE, pearson, solveL2caf } from '../../src/attention/index.js';
import { argmax } from '../../src/engine/analyze.js';
import { openModel } from '../../src/engine/openModel.js';
import { decodeImage } from '../../src/media/decodeImage.js';
import { inputTensor } from '../../src/models/preprocess.js';
import { mulberry32 } from '../../src/attention/rng.js';

export interface EngineAgreement {
  /** per objective, max |loss ORT - loss TF.js| over the filters / max |loss TF.js| (a loss is 0 at f = 1, class-oblivious) */
  loss: number;
  /** worst Pearson r of the two gradients */
  r: number;
  /**
   * worst ||g ORT - g TF.js|| / ||g TF.js|| (an element-wise bound would not hold: a pre-activation
   * within rounding of a ReLU kink can fall on either side in the two engines)
   */
  grad: number;
}

/** The filters compared: uniform, f = 1 (the linearised start's point) and two seeded random ones. */
export function probeFilters(S: number, seed = 3): Float64Array[] {
  const r = mulberry32(seed);
  return [new Float64Array(S).fill(1 / Math.sqrt(S)), new Float64Array(S).fill(1), Float64Array.from({ length: S }, () => r() * 2 - 1), Float64Array.from({ length: S }, () => r())];
}

export function compareEngines(head: Head, features: tf.Tensor, target: number): EngineAgreement {
  if (!head.gradOracle) throw new Error('the head has no ONNX Runtime passes');
  const S = head.filterShape.reduce((a, b) => a * b, 1);
  const out: EngineAgreement = { loss: 0, r: 1, grad: 0 };
  for (const t of [null, target]) {
    const obj = makeObjective(head, features, t);
    try {
      const ort = headOracle(head, features, obj);
      const tfjs = headOracle({ ...head, gradOracle: undefined }, features, obj);
      let lossDiff = 0;
      let lossMax = 0;
      for (const f of probeFilters(S)) {
        const a = ort(f);
        const b = tfjs(f);
        lossDiff = Math.max(lossDiff, Math.abs(a.loss - b.loss));
        lossMax = Math.max(lossMax, Math.abs(b.loss));
        let d2 = 0;
        let b2 = 0;
        for (let i = 0; i < S; i++) {
          d2 += (a.grad[i]! - b.grad[i]!) ** 2;
          b2 += b.grad[i]! ** 2;
        }
        if (b2 === 0) continue; // class-oblivious at f = 1: both zero (checked by the loss)
        out.r = Math.min(out.r, pearson(Array.from(a.grad), Array.from(b.grad)));
        out.grad = Math.max(out.grad, Math.sqrt(d2 / b2));
      }
      out.loss = Math.max(out.loss, lossDiff / lossMax);
    } finally {
      disposeObjective(obj);
    }
  }
  return out;
}

/** Opens a model, splits it at `layer`, runs the backbone on a fixture image and hands over the head. */
export async function onImage(modelLocation: string, layer: string, image: string, run: (head: Head, features: tf.Tensor, target: number) => void): Promise<void> {
  const model = await openModel({ model: modelLocation });
  try {
    const split = model.split(layer);
    const [h, w] = model.inputSize;
    const img = await decodeImage(image, { width: w, height: h });
    const x = inputTensor(img.data, img.width, img.height, model.preprocessing);
    const bb = await split.runBackbone(x);
    x.dispose();
    try {
      const head = split.head(bb);
      const target = argmax(tf.tidy(() => head.apply(bb.features).dataSync() as Float32Array));
      run(head, bb.features, target);
    } finally {
      bb.features.dispose();
      for (const s of bb.side) s.dispose();
    }
  } finally {
    model.dispose();
  }
}

/** The default solves, both methods, on ONNX Runtime passes and on TF.js passes: map r, relative loss gap. */
export function solveBothEngines(head: Head, features: tf.Tensor, target: number): { r: number; loss: number } {
  // L-BFGS alone: the Adam phase after it starts only where L-BFGS ends unconverged, a decision that
  // rounding can flip at a kink (darknet-tiny leaky_re_lu_12, chelsea.png, class-specific: on ONNX
  // Runtime L-BFGS stalled after 41 passes and the phase went on to a 1.4e-3 lower optimum, map
  // r 0.954; on TF.js it passed its test at 39 passes). What is checked here is that the passes lead
  // the solver the same way.
  const opts = { ...defaultSolveOptions('converged'), stop: { ...OPTIMAL_RULE, adamPasses: 0 } };
  const out = { r: 1, loss: 0 };
  for (const t of [null, target]) {
    const a = solveL2caf(head, features, t, opts);
    const b = solveL2caf({ ...head, gradOracle: undefined }, features, t, opts);
    out.r = Math.min(out.r, pearson(a.values, b.values));
    out.loss = Math.max(out.loss, Math.abs(a.loss - b.loss) / Math.abs(b.loss));
  }
  return out;
}

/** Grad-CAM through the head's ONNX Runtime gradient against TF.js autodiff: Pearson r of the maps. */
export function gradCamBothEngines(head: Head, features: tf.Tensor, target: number): number {
  if (!head.featureGradient) throw new Error('the head has no ONNX Runtime passes');
  const a = gradCam(head, features, target);
  const b = gradCam({ ...head, featureGradient: undefined }, features, target);
  return pearson(a.values, b.values);
}

/**
 * A real model's head on ONNX Runtime agrees with TF.js: gradients r >= 0.9999 and within 1e-2
 * relative (2.1e-3 seen at darknet-tiny's leaky_re_lu_12 on a random positive filter: leaky ReLUs
 * whose input is within rounding of 0 fall on different sides in the two engines), losses within
 * 1e-4, Grad-CAM maps r >= 0.9999.
 */
export function expectRealHeadAgrees(head: Head, features: tf.Tensor, target: number): void {
  expect(head.gradOracle).toBeTypeOf('function');
  const agree = compareEngines(head, features, target);
  expect(agree.r).toBeGreaterThanOrEqual(0.9999);
  expect(agree.grad).toBeLessThan(1e-2);
  expect(agree.loss).toBeLessThan(1e-4);
  expect(gradCamBothEngines(head, features, target)).toBeGreaterThanOrEqual(0.9999);
}
