// a [M, K] x a constant W [K, N], with the input gradient dy [M, N] x W^T computed from a stored
// transpose. On wasm, matMul with a transposed operand is ~3x slower than without (measured 143 vs
// 47 ms for 49x1280 by 1280x1000), and the default gradient of matMul transposes W on every call;
// keeping both layouts makes the forward and the backward pass plain products.
import * as tf from '@tensorflow/tfjs-core';

export interface ConstMatrix {
  w: tf.Tensor2D;
  wT: tf.Tensor2D;
}

export function constMatrix(w: tf.Tensor2D): ConstMatrix {
  return { w, wT: tf.transpose(w) };
}

export function matMulConst(a: tf.Tensor2D, m: ConstMatrix): tf.Tensor2D {
  const body = (x: tf.Tensor2D) => ({
    value: tf.matMul(x, m.w),
    gradFunc: (dy: tf.Tensor2D) => tf.matMul(dy, m.wT),
  });
  return tf.customGrad(body as unknown as Parameters<typeof tf.customGrad>[0])(a) as tf.Tensor2D;
}
