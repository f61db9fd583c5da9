// The paper's solver (Adam, lr 0.5, stop when |delta loss| < tol every 50 iterations) is not
// scale-free: Adam's epsilon (1e-8) and the absolute tolerance presume outputs of order 1. On a
// head whose outputs are ~1e-9 (the MobileNetV2 fixture with random weights: class-oblivious losses
// ~1e-20, gradients ~1e-20) Adam did not move, the rule stopped at its first check, and
// `--preset paper` returned the start: an all-zero map, silently. Scaling the outputs by a constant
// moves no minimiser of either objective, so Adam runs on outputs scaled to max |output| = 1 when
// they are that small, and reports the loss in the head's own units. Outputs of order 1e-3 and up
// (every trained classifier and normalised embedding we have) run exactly as the reference does.
import * as tf from '@tensorflow/tfjs-core';
import type { Head } from './types.js';

/** Below this largest |output| Adam runs on scaled outputs. */
export const TINY_OUTPUTS = 1e-3;

/** 1 / max |output| when that is below TINY_OUTPUTS (and above zero), else 1. */
export function adamOutputScale(outputs: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < outputs.length; i++) m = Math.max(m, Math.abs(outputs[i]!));
  return m > 0 && m < TINY_OUTPUTS ? 1 / m : 1;
}

/**
 * The head with its outputs times k. Plain TF.js: the engines' shortcuts (prepared filters, ONNX
 * Runtime oracles) compute unscaled outputs, so they are left out.
 */
export function scaledHead(head: Head, k: number): Head {
  return {
    featureShape: head.featureShape,
    filterShape: head.filterShape,
    ...(head.layer !== undefined ? { layer: head.layer } : {}),
    numOutputs: head.numOutputs,
    outputKind: head.outputKind,
    linearity: head.linearity,
    apply: (x) => tf.tidy(() => tf.mul(head.apply(x), k)),
  };
}

/** A loss of the scaled outputs in the head's units: class-oblivious is quadratic in them, class-specific linear. */
export function unscaleLoss(loss: number, k: number, classSpecific: boolean): number {
  return classSpecific ? loss / k : loss / (k * k);
}
