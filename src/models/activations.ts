// Keras activation names -> TF.js ops. Used by the head translator, which must rebuild every head
// layer from plain ops so that gradients exist on the wasm backend (see layersHead.ts).
import * as tf from '@tensorflow/tfjs-core';

export type Activation = (x: tf.Tensor) => tf.Tensor;

/** True for activations that keep a head affine. */
export function isLinearActivation(name: string | undefined): boolean {
  return name == null || name === 'linear' || name === '';
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
