// Keras activation names -> TF.js ops. Used by the head translator, which must rebuild every head
// layer from plain ops so that gradients exist on the wasm backend (see layersHead.ts).
import * as tf from '@tensorflow/tfjs-core';

export type Activation = (x: tf.Tensor) => tf.Tensor;

/** True for activations that keep a head affine. */
export function isLinearActivation(name: string | undefined): boolean {
  return name == null || name === 'linear' || name === '';
}

/**
 * Leaky ReLU whose gradient is two kernels, dy x step(x, alpha), instead of tfjs-core's three
 * (Greater, Mul by alpha, Select): a head pass at darknet-tiny leaky_re_lu_13 runs it at every
 * layer, and on the wasm backend each kernel is a full pass over the activations. At x = 0 both
 * give alpha (step is 1 only for x > 0), so results are the same to the bit.
 */
export function leakyRelu(x: tf.Tensor, alpha: number): tf.Tensor {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor;
    (args[1] as tf.GradSaveFunc)([input]);
    return {
      value: tf.leakyRelu(input, alpha),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => tf.mul(dy as tf.Tensor, tf.step(saved[0]!, alpha)),
    };
  });
  return op(x);
}

export function activationFn(name: string | undefined, where: string): Activation {
  switch (name ?? 'linear') {
    case 'linear':
    case '':
      return (x) => x;
    case 'relu':
      return (x) => tf.relu(x);
    case 'relu6':
      return (x) => tf.relu6(x);
    case 'elu':
      return (x) => tf.elu(x);
    case 'selu':
      return (x) => tf.selu(x);
    case 'sigmoid':
      return (x) => tf.sigmoid(x);
    case 'hard_sigmoid':
    case 'hardSigmoid':
      // Keras: clip(0.2 x + 0.5, 0, 1)
      return (x) => tf.clipByValue(tf.add(tf.mul(x, 0.2), 0.5), 0, 1);
    case 'tanh':
      return (x) => tf.tanh(x);
    case 'softplus':
      return (x) => tf.softplus(x);
    case 'softsign':
      return (x) => tf.div(x, tf.add(tf.abs(x), 1));
    case 'swish':
    case 'silu':
      return (x) => tf.mul(x, tf.sigmoid(x));
    case 'gelu':
      // tanh approximation, as tf.keras uses by default in TF.js-exported models
      return (x) =>
        tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3)))))));
    case 'softmax':
      return (x) => tf.softmax(x);
    default:
      throw new Error(`${where}: activation "${name}" is not supported in the head`);
  }
}
