// Small models built in the tests, each a different head shape the engine must handle.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/**
 * The same weights on every run: kernels (rank >= 2) drawn Glorot-uniform from a fixed seed, the
 * rest (biases, batch-norm statistics) at their constant defaults. Unseeded random weights made
 * some assertions pass or fail by luck (a Grad-CAM map of one class all zero on some draws).
 */
export function seeded<M extends tfl.LayersModel>(model: M, seed = 1): M {
  const original = model.getWeights();
  const weights = original.map((w, i) => {
    if (w.rank < 2) return w;
    const receptive = w.shape.slice(0, -2).reduce((a, b) => a * b, 1);
    const fanIn = w.shape[w.rank - 2]! * receptive;
    const fanOut = w.shape[w.rank - 1]! * receptive;
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    return tf.randomUniform(w.shape, -limit, limit, 'float32', seed + i);
  });
  model.setWeights(weights);
  // setWeights assigns (the variables keep their own reference): the drawn tensors can go.
  weights.forEach((w, i) => w !== original[i] && w.dispose());
  return model;
}

/** conv -> conv(1x1, linear) -> GAP -> Dense -> Softmax layer: a gap-affine head ending in a softmax layer. */
export function gapDenseSoftmax(classes = 5, size = 32): tfl.LayersModel {
  const input = tfl.input({ shape: [size, size, 3] });
  let x = tfl.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', name: 'c1' }).apply(input) as tfl.SymbolicTensor;
  x = tfl.layers.maxPooling2d({ poolSize: 2, name: 'p1' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.conv2d({ filters: 12, kernelSize: 3, padding: 'same', activation: 'relu', name: 'c2' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.conv2d({ filters: 6, kernelSize: 1, name: 'c3_linear' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.batchNormalization({ name: 'bn' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.dense({ units: classes, name: 'fc' }).apply(x) as tfl.SymbolicTensor;
  const out = tfl.layers.softmax({ name: 'prob' }).apply(x) as tfl.SymbolicTensor;
  return seeded(tfl.model({ inputs: input, outputs: out }));
}

/** Flatten + Dense with softmax activation: affine but not through GAP (CAM does not apply). */
export function flattenDenseSoftmax(classes = 4, size = 16): tfl.LayersModel {
  return seeded(
    tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [size, size, 3], filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', name: 'c1' }),
        tfl.layers.flatten({ name: 'flat' }),
        tfl.layers.dense({ units: classes, activation: 'softmax', name: 'fc' }),
      ],
    }),
  );
}

/** conv 3x3 + relu after the chosen layer: a nonlinear head. */
export function nonlinearHead(classes = 3, size = 16): tfl.LayersModel {
  return seeded(
    tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [size, size, 3], filters: 6, kernelSize: 3, padding: 'same', activation: 'relu', name: 'c1' }),
        tfl.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', name: 'c2' }),
        tfl.layers.leakyReLU({ alpha: 0.1, name: 'act' }),
        tfl.layers.globalAveragePooling2d({ name: 'gap' }),
        tfl.layers.dense({ units: classes, name: 'fc' }),
      ],
    }),
  );
}

/** A residual block after the chosen layer: the head reads a tensor from before it (a side input). */
export function residualHead(classes = 3, size = 16): tfl.LayersModel {
  const input = tfl.input({ shape: [size, size, 3] });
  const a = tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: 'a' }).apply(input) as tfl.SymbolicTensor;
  const b = tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: 'b' }).apply(a) as tfl.SymbolicTensor;
  const sum = tfl.layers.add({ name: 'sum' }).apply([a, b]) as tfl.SymbolicTensor;
  const g = tfl.layers.globalAveragePooling2d({ name: 'gap' }).apply(sum) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: classes, name: 'fc' }).apply(g) as tfl.SymbolicTensor;
  return seeded(tfl.model({ inputs: input, outputs: out }));
}

/** An embedding network: GAP then a Dense projection, no softmax, no labels. */
export function embeddingNet(dim = 8, size = 16): tfl.LayersModel {
  return seeded(
    tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [size, size, 3], filters: 6, kernelSize: 3, padding: 'same', activation: 'relu', name: 'c1' }),
        tfl.layers.globalAveragePooling2d({ name: 'gap' }),
        tfl.layers.dense({ units: dim, name: 'embed' }),
      ],
    }),
  );
}

/** A 3-D conv model on a (depth, h, w, 3) input: the filter is d x h x w. */
export function conv3dNet(classes = 3, depth = 4, size = 8): tfl.LayersModel {
  return seeded(
    tfl.sequential({
      layers: [
        tfl.layers.conv3d({ inputShape: [depth, size, size, 3], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: 'c3d' }),
        // tfjs-layers has no GlobalAveragePooling3D: a pool over the whole volume then Flatten.
        tfl.layers.averagePooling3d({ poolSize: [depth, size, size], name: 'pool3d' }),
        tfl.layers.flatten({ name: 'flat' }),
        tfl.layers.dense({ units: classes, name: 'fc' }),
      ],
    }),
  );
}
