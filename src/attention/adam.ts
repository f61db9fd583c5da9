// Adam on plain tensors. tf.train.adam needs tf.Variables and walks a name->variable map every
// step; for one small parameter vector a dozen element-wise ops are cheaper and leave nothing
// registered in the engine. The update is TensorFlow 1's AdamOptimizer, which the reference code
// used: lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t); v -= lr_t * m / (sqrt(s) + eps).
import * as tf from '@tensorflow/tfjs-core';

export interface AdamConfig {
  beta1: number;
  beta2: number;
  epsilon: number;
}

export const ADAM_DEFAULTS: AdamConfig = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };

export class TensorAdam {
  private m: tf.Tensor1D;
  private s: tf.Tensor1D;
  private t = 0;
  private readonly c: { b1: tf.Scalar; nb1: tf.Scalar; b2: tf.Scalar; nb2: tf.Scalar; eps: tf.Scalar };
  private readonly cfg: AdamConfig;

  constructor(size: number, cfg: AdamConfig = ADAM_DEFAULTS) {
    this.cfg = cfg;
    this.m = tf.zeros([size]);
    this.s = tf.zeros([size]);
    // Scalars made once: passing JS numbers to ops would upload a new scalar tensor per op per step.
    this.c = {
      b1: tf.scalar(cfg.beta1),
      nb1: tf.scalar(1 - cfg.beta1),
      b2: tf.scalar(cfg.beta2),
      nb2: tf.scalar(1 - cfg.beta2),
      eps: tf.scalar(cfg.epsilon),
    };
  }

  /** Returns the updated parameter (a new tensor; the caller disposes the old one and `grad`). */
  step(param: tf.Tensor1D, grad: tf.Tensor1D, learningRate: number): tf.Tensor1D {
    this.t += 1;
    const { beta1, beta2 } = this.cfg;
    const lrT = (learningRate * Math.sqrt(1 - beta2 ** this.t)) / (1 - beta1 ** this.t);
    const c = this.c;
    const [m, s, next] = tf.tidy(() => {
      const m = tf.add(tf.mul(this.m, c.b1), tf.mul(grad, c.nb1));
      const s = tf.add(tf.mul(this.s, c.b2), tf.mul(tf.square(grad), c.nb2));
      const stepDir = tf.div(m, tf.add(tf.sqrt(s), c.eps));
      const next = tf.sub(param, tf.mul(stepDir, tf.scalar(lrT)));
      return [m, s, next] as [tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
    });
    this.m.dispose();
    this.s.dispose();
    this.m = m;
    this.s = s;
    return next;
  }

  dispose(): void {
    this.m.dispose();
    this.s.dispose();
    for (const t of Object.values(this.c)) t.dispose();
  }
}
