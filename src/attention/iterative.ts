// The iterative L2-CAF solver: Adam on v, learning rate decayed linearly to 0 over maxIterations,
// one head forward + backward per iteration. Everything stays on the backend between the
// read-backs the stop rule and the trace ask for.
import * as tf from '@tensorflow/tfjs-core';
import { TensorAdam } from './adam.js';
import { makeConstraint } from './constraints.js';
import type { Objective } from './objectives.js';
import { filterLossFor } from './filterLoss.js';
import { StopMonitor } from './stopRules.js';
import { throwIfInterrupted } from './interrupt.js';
import type { Head, SolveOptions } from './types.js';

export interface IterativeResult {
  /** The final filter f [S] (normalised by its constraint). */
  filter: Float32Array;
  /** The final parameter v (warm start for the next solve). */
  param: Float32Array;
  /** The objective at the final filter. */
  loss: number;
  /** Adam updates performed. */
  iterations: number;
  /** 'settled': the stop rule ended the solve; 'iteration-limit': maxIterations did */
  stop: 'settled' | 'iteration-limit';
  trace?: { iteration: number; loss: number; filter: Float32Array }[];
}

export function solveIterative(head: Head, features: tf.Tensor, obj: Objective, opts: SolveOptions): IterativeResult {
  const maxIterations = opts.maxIterations;
  if (!(Number.isInteger(maxIterations) && maxIterations >= 0)) throw new Error(`maxIterations must be a non-negative integer, got ${maxIterations}`);
  if (!(opts.learningRate > 0)) throw new Error(`learningRate must be > 0, got ${opts.learningRate}`);
  const traceEvery = opts.traceEvery ?? 0;
  const monitor = new StopMonitor(opts.stop);
  const constraint = makeConstraint(opts.constraint, head.filterShape);
  let v0: Float32Array;
  try {
    v0 = constraint.initial(opts.seed, opts.init); // throws on a warm start of the wrong length
  } catch (e) {
    constraint.dispose();
    throw e;
  }
  const lossFn = filterLossFor(head, features, constraint, obj);
  const adam = new TensorAdam(constraint.paramSize);
  let v: tf.Tensor1D = tf.tensor1d(v0);

  // The filter computed inside the differentiated function escapes its tidy through tf.keep, so the
  // convergence test and the trace reuse it instead of recomputing f from v.
  let fCur: tf.Tensor1D | null = null;
  const valueAndGrad = tf.valueAndGrad((vv: tf.Tensor1D) => {
    const { loss, f } = lossFn(vv);
    fCur = tf.keep(f);
    return loss;
  });

  let fPrev: tf.Tensor1D | null = null;
  let runMax: tf.Scalar | null = null;
  const trace: IterativeResult['trace'] = traceEvery > 0 ? [] : undefined;
  let finalLoss = NaN;
  let iterations = 0;
  let settled = false;
  try {
    for (let i = 0; ; i++) {
      throwIfInterrupted();
      const last = i >= maxIterations;
      let value: tf.Scalar;
      let grad: tf.Tensor1D | null = null;
      if (last) {
        // No update follows, so skip the backward pass.
        value = tf.tidy(() => {
          const { loss, f } = lossFn(v);
          fCur = tf.keep(f);
          return loss;
        });
      } else {
        const r = valueAndGrad(v);
        value = r.value;
        grad = r.grad;
      }
      const f = fCur as unknown as tf.Tensor1D;
      fCur = null;

      if (monitor.needsDelta && fPrev) {
        const prev: tf.Tensor1D = fPrev;
        const old: tf.Scalar | null = runMax;
        runMax = tf.tidy(() => {
          const delta = tf.div(tf.norm(tf.sub(f, prev)), tf.norm(f)) as tf.Scalar;
          return old ? (tf.maximum(old, delta) as tf.Scalar) : delta;
        });
        old?.dispose();
      }
      fPrev?.dispose();
      fPrev = f;

      let lossValue = NaN;
      const readLoss = () => (Number.isNaN(lossValue) ? (lossValue = value.dataSync()[0]!) : lossValue);
      if (monitor.needsLoss(i) && monitor.observeLoss(i, readLoss())) settled = true;
      if (monitor.needsMaxDelta(i) && runMax) {
        const md = runMax.dataSync()[0]!;
        runMax.dispose();
        runMax = null;
        if (monitor.observeMaxDelta(i, md)) settled = true;
      }
      const stop = last || settled;
      if (trace && i % traceEvery === 0) {
        trace.push({ iteration: i, loss: readLoss(), filter: f.dataSync().slice() as Float32Array });
      }
      if (stop) {
        finalLoss = readLoss();
        value.dispose();
        grad?.dispose();
        iterations = i;
        break;
      }
      value.dispose();
      opts.onIteration?.(i, maxIterations);
      const lr = opts.learningRate * (1 - i / maxIterations);
      const next = adam.step(v, grad!, lr);
      grad!.dispose();
      v.dispose();
      v = next;
    }
    const filter = (fPrev as tf.Tensor1D | null)!.dataSync().slice() as Float32Array;
    const param = v.dataSync().slice() as Float32Array;
    return { filter, param, loss: finalLoss, iterations, stop: settled ? 'settled' : 'iteration-limit', ...(trace ? { trace } : {}) };
  } finally {
    (fPrev as tf.Tensor1D | null)?.dispose();
    (runMax as tf.Scalar | null)?.dispose();
    (fCur as tf.Tensor1D | null)?.dispose();
    v.dispose();
    adam.dispose();
    constraint.dispose();
  }
}
