// How the optimised parameter v becomes the spatial filter f (flattened, row-major over the filter
// shape). The three constraints of the paper:
//   'l2'       f = v / ||v||             (the default; scale-free, so v's norm only sets Adam's step)
//   'softmax'  f = softmax(v)            (non-negative, sums to 1)
//   'gaussian' f = N(x; mu, I) / sum     (a single bump; v = mu, its coordinates in grid units)
import * as tf from '@tensorflow/tfjs-core';
import { randn } from './rng.js';
import type { Constraint } from './types.js';

export interface FilterConstraint {
  readonly kind: Constraint;
  /** Length of v: S for 'l2'/'softmax', the number of grid axes (2 or 3) for 'gaussian'. */
  readonly paramSize: number;
  /** v [paramSize] -> f [S]. Differentiable in v. */
  apply(v: tf.Tensor1D): tf.Tensor1D;
  /** The starting v: a copy of `init` when given (warm start), else N(0,1) from `seed` / the grid centre. */
  initial(seed: number, init?: Float32Array): Float32Array;
  /** Frees the constant tensors the constraint holds (the Gaussian's grid). */
  dispose(): void;
}

export function makeConstraint(kind: Constraint, filterShape: readonly number[]): FilterConstraint {
  const S = filterShape.reduce((a, b) => a * b, 1);
  switch (kind) {
    case 'l2':
      return {
        kind,
        paramSize: S,
        apply: (v) => l2Normalise(v) as tf.Tensor1D,
        initial: (seed, init) => initialOrRandom(init, S, seed, kind),
        dispose: () => {},
      };
    case 'softmax':
      return {
        kind,
        paramSize: S,
        apply: (v) => tf.softmax(v),
        initial: (seed, init) => initialOrRandom(init, S, seed, kind),
        dispose: () => {},
      };
    case 'gaussian':
      return gaussianConstraint(filterShape);
    default:
      throw new Error(`unknown constraint "${String(kind)}": choose l2, softmax or gaussian`);
  }
}

/**
 * f = v / ||v|| with a hand-written vector-Jacobian product, (g - f (f . g)) / ||v||: 5 ops instead
 * of the ~15 autodiff makes of tf.norm + tf.div (measured ~50 us less per iteration on wasm, where
 * every tiny op costs 4-10 us).
 */
const l2Normalise = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const v = args[0] as tf.Tensor;
  const save = args[1] as tf.GradSaveFunc;
  const n = tf.sqrt(tf.sum(tf.square(v)));
  const f = tf.div(v, n);
  save([f, n]);
  return {
    value: f,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [fs, ns] = saved as [tf.Tensor, tf.Tensor];
      return tf.div(tf.sub(dy, tf.mul(fs, tf.sum(tf.mul(fs, dy)))), ns);
    },
  };
});

function initialOrRandom(init: Float32Array | undefined, n: number, seed: number, kind: Constraint): Float32Array {
  if (init) {
    if (init.length !== n) {
      throw new Error(`warm start has ${init.length} values but the '${kind}' constraint needs ${n} for this filter shape`);
    }
    return Float32Array.from(init);
  }
  return randn(n, seed);
}

/**
 * Identity covariance in grid units: f(x) proportional to exp(-||x - mu||^2 / 2). Written as a
 * softmax of the log-density, which normalises to sum 1 and cannot underflow to an all-zero filter
 * when mu wanders off the grid.
 */
function gaussianConstraint(filterShape: readonly number[]): FilterConstraint {
  const D = filterShape.length;
  const S = filterShape.reduce((a, b) => a * b, 1);
  const coords = new Float32Array(S * D);
  for (let s = 0; s < S; s++) {
    let rem = s;
    for (let d = D - 1; d >= 0; d--) {
      coords[s * D + d] = rem % filterShape[d]!;
      rem = Math.floor(rem / filterShape[d]!);
    }
  }
  const grid = tf.tensor2d(coords, [S, D]);
  const centre = Float32Array.from(filterShape, (n) => (n - 1) / 2);
  return {
    kind: 'gaussian',
    paramSize: D,
    apply: (mu) => {
      const d2 = tf.sum(tf.square(tf.sub(grid, tf.reshape(mu, [1, D]))), 1);
      return tf.softmax(tf.mul(d2, -0.5)) as tf.Tensor1D;
    },
    // The mean is deterministic (the centre), so the seed is unused here.
    initial: (_seed, init) => (init ? initialOrRandom(init, D, 0, 'gaussian') : Float32Array.from(centre)),
    dispose: () => grid.dispose(),
  };
}
