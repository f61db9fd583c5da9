// Types shared by the attention math (src/attention), the model loaders (src/models) and every
// pipeline that calls them (image, video, volume). Plain data plus the Head abstraction, so the
// same solver runs on a TF.js head, an ONNX head translated to TF.js ops, or a hand-built test head.
import type * as tf from '@tensorflow/tfjs-core';
import type { LbfgsMemory, SphereOracle } from './sphereLbfgs.js';
import type { LossSeed } from './lossSeed.js';

/** How the head's outputs depend on a spatial filter f applied to its input features. */
export type HeadLinearity =
  /** pointwise affine ops, global average pooling, affine ops: out(f) = J f + c, and CAM is defined */
  | 'gap-affine'
  /** affine in f but not through global average pooling (e.g. Flatten + Dense): exact solvers apply, CAM does not */
  | 'affine'
  /** anything else: only iterative L2-CAF and Grad-CAM apply */
  | 'nonlinear';

/**
 * The part of the network from the chosen layer to the logits (or the embedding). The backbone runs
 * once per input; the head is what the solvers iterate on, so it must be cheap and differentiable
 * with respect to its input on every backend in use (wasm has no filter-gradient kernels, so
 * convolutions in a head carry a custom gradient for the input only).
 */
export interface Head {
  /** One input without the batch dimension: [h, w, C] for a 2-D layer, [d, h, w, C] for a 3-D one. */
  readonly featureShape: readonly number[];
  /** The spatial filter's shape: featureShape without its channel axis ([h, w] or [d, h, w]). */
  readonly filterShape: readonly number[];
  /** The layer the head starts after, for error messages (e.g. a non-finite loss). */
  readonly layer?: string;
  /** Number of outputs K (classes, or embedding size). */
  readonly numOutputs: number;
  /** 'logits': a classifier (softmax, if any, already removed); 'embedding': compared by cosine/L2. */
  readonly outputKind: 'logits' | 'embedding';
  readonly linearity: HeadLinearity;
  /**
   * features [B, ...featureShape] -> outputs [B, K]. Must not dispose its input. Differentiable with
   * respect to `features`.
   */
  apply(features: tf.Tensor): tf.Tensor2D;
  /**
   * Only when linearity is not 'nonlinear': for one input's features [1, ...featureShape], the affine
   * map of the filter: out(f) = J vec(f) + c with J [K, S] (S = product of filterShape, row-major)
   * and c [K] = out(0). The caller disposes both.
   */
  affine?(features: tf.Tensor): { J: tf.Tensor2D; c: tf.Tensor1D };
  /**
   * Optional, for speed: the same affine map as plain arrays, built without TF.js from data the
   * engine already holds, for exactly the features this head was made for (null for any other
   * tensor, or when there is no such shortcut). See readAffine.
   */
  affineMap?(features: tf.Tensor): AffineMap | null;
  /**
   * Optional, for speed: f -> outputs for exactly these features (one input, [1, ...featureShape]),
   * with what does not depend on f computed once here (the head's first convolution per kernel
   * offset, models/filteredConv.ts). Same values and gradients as apply(A * f); null when the head
   * has no such shortcut. The caller disposes the result.
   */
  prepareFilter?(features: tf.Tensor): PreparedFilter | null;
  /**
   * Optional, for speed: the iterative solver's oracle (the objective and its gradient with respect
   * to f) run by another engine, for exactly the features this head was made for (null for any
   * other tensor, or when the head has no such engine). Same values as the TF.js pass to float
   * rounding (models/onnx/ortHeadOracle.ts).
   */
  gradOracle?(features: tf.Tensor, loss: LossSeed): SphereOracle | null;
  /**
   * Optional, for speed, with gradOracle: the loss's gradient with respect to the unfiltered
   * features (channels-last, [S * C]) from the same engine, for exactly those features (Grad-CAM).
   */
  featureGradient?(features: tf.Tensor, loss: LossSeed): Float32Array | null;
  /** The prepared form a solve runs through (set by withPreparedFilter, attention/preparedFilter.ts). */
  readonly prepared?: PreparedFilter;
}

export interface PreparedFilter {
  /** The features it was prepared for: any other tensor goes through apply. */
  readonly features: tf.Tensor;
  /** f (the S filter values, one filter) -> outputs [1, K] */
  apply(f: tf.Tensor): tf.Tensor2D;
  dispose(): void;
}

export type Method = 'l2caf' | 'l2caf-class' | 'gradcam' | 'cam';
export type Constraint = 'l2' | 'softmax' | 'gaussian';
export type SolverChoice = 'auto' | 'iterative' | 'exact';

/**
 * When the iterative solver stops.
 * 'paper': the reference code's rule (Adam): every `every` iterations, stop when |loss - loss at the
 *   previous check| < tol.
 * 'optimal': L-BFGS on the sphere (the 'l2' constraint), stopped by a measure of optimality: the
 *   quasi-Newton model's predicted step ||H g|| <= stepTol (radians) and predicted decrease
 *   -g.Hg/2 <= lossTol x |loss|; `maxPasses` head passes at most, `adamPasses` of them (at most half)
 *   kept for annealed Adam after L-BFGS when L-BFGS ends without that test passing. Other constraints fall back to
 *   Adam with the 'converged' rule.
 * 'converged' (Adam, the other constraints): stop as soon as the filter has settled: the relative
 *   change of the normalised filter, max over the last `window` iterations, is below `relTol`.
 */
export type StopRule =
  | { kind: 'paper'; every: number; tol: number }
  | {
      kind: 'optimal';
      stepTol: number;
      lossTol: number;
      maxPasses: number;
      /** the Adam phase's passes (default 60, at most half of maxPasses; a warm-started solve's phase a third of it, sphereSolve.ts WARM_PHASE_SHARE; 0: L-BFGS alone) */
      adamPasses?: number;
    }
  | { kind: 'converged'; window: number; relTol: number; minIterations: number };

/**
 * Where a cold solve starts. 'deterministic': class-oblivious from the uniform filter, class-specific
 * from the exact optimum of the head linearised at f = 1 (one head pass) and, on a non-linear head
 * with the default solver, also from the uniform filter, the better answer kept: no seed is
 * involved, so the answer does not depend on one. 'random': N(0,1) from `seed` (the reference code).
 * 'also-random' (the CLI's --seed): the random start next to the deterministic ones, each scouted
 * and the lowest finished, where the default solver runs on a non-linear head; elsewhere (Adam, a
 * head linear in f, where every start ends in the same optimum) the same as 'random'. So a seed can
 * add an optimum the deterministic starts miss, but seeds do not move the answer otherwise.
 */
export type StartChoice = 'deterministic' | 'random' | 'also-random';

/**
 * Which start a solve used: 'warm' = from `init` (the previous frame or slice); 'neighbour' = from
 * `neighbour`, the previous frame's or slice's filter for another class.
 */
export type StartKind = 'warm' | 'neighbour' | 'uniform' | 'linearised' | 'random' | 'exact';

/**
 * Why an iterative solve ended. L-BFGS (the default): 'optimal' its optimality test passed (the
 * quasi-Newton model predicts a step < stepTol and a decrease < lossTol); 'stalled' the loss stopped
 * falling over its last steps (a kink of a piecewise-linear head); 'line-search' no lower point
 * along its direction; 'pass-limit' its share of the pass budget ran out. Any but 'optimal' is
 * followed by the Adam phase while budget is left (`adamPasses` says where it ran), and L-BFGS
 * then finishes from the phase's lowest point: `stop` stays the first run's reason. Adam (`--preset
 * paper`, the softmax and gaussian constraints): 'settled' its stop rule was met; 'iteration-limit'
 * it ran all maxIterations.
 */
export type SolveStop = 'optimal' | 'stalled' | 'line-search' | 'pass-limit' | 'settled' | 'iteration-limit';
export const SOLVE_STOPS: readonly SolveStop[] = ['optimal', 'stalled', 'line-search', 'pass-limit', 'settled', 'iteration-limit'];

export interface SolveOptions {
  constraint: Constraint;
  solver: SolverChoice;
  /** Adam's initial learning rate; decays linearly to 0 at maxIterations (reference: 0.5, 1000). */
  learningRate: number;
  maxIterations: number;
  stop: StopRule;
  /** Seed for the N(0,1) initial v when start is 'random'. */
  seed: number;
  /** How a cold solve starts (default 'deterministic'). */
  start?: StartChoice;
  /** Warm start: the raw parameter v of a previous solve with the same filter shape and constraint. */
  init?: Float32Array;
  /** With init, for the 'optimal' rule: the previous solve's curvature (L-BFGS pairs, step scale). */
  initMemory?: LbfgsMemory;
  /**
   * Without init, class-specific, 'optimal' rule on a non-linear head: the previous frame's or
   * slice's filter for another class, tried as one more cold start (start.ts).
   */
  neighbour?: Float32Array;
  /**
   * Called after every iteration (Adam) or accepted step (L-BFGS) with its number and the limit
   * (iterationLimit): for progress on long solves. Not for options that cross a thread boundary.
   */
  onIteration?: (iteration: number, limit: number) => void;
  /** Record the normalised filter every `traceEvery` iterations (0 or undefined: no trace). */
  traceEvery?: number;
}

/** One attention map, whatever the method. */
export interface AttentionMap {
  method: Method;
  /** Target output index for class-specific methods; null for class-oblivious L2-CAF. */
  target: number | null;
  /** 'iterative' | 'exact' for L2-CAF; 'gradient' for Grad-CAM; 'weights' for CAM. */
  solver: 'iterative' | 'exact' | 'gradient' | 'weights';
  iterations: number;
  /** Final objective value (NaN for Grad-CAM/CAM). */
  loss: number;
  ms: number;
  /** Filter shape ([h, w] or [d, h, w]); `raw` and `values` are row-major over it. */
  shape: number[];
  /** Unnormalised map: |f| for L2-CAF, the ReLU'd weighted sum for Grad-CAM/CAM. */
  raw: Float32Array;
  /** raw min-max normalised to 0..1 (all zeros when raw is constant). */
  values: Float32Array;
  /** L2-CAF only: the raw parameter v at the end, to warm-start the next solve. */
  param?: Float32Array;
  /** L2-CAF with the 'optimal' rule: the solver's curvature at the end, to warm-start the next solve. */
  memory?: LbfgsMemory;
  /** L2-CAF only: where the solve started. */
  start?: StartKind;
  /** L2-CAF: head passes of the Adam phase after L-BFGS, only where it ran (L-BFGS ended unconverged); included in iterations */
  adamPasses?: number;
  /** with a trace, where the Adam phase ran: the trace iterations it began and ended at (L-BFGS finishes after it) */
  adamIterations?: [number, number];
  /** L2-CAF iterative solves only: why the solve (L-BFGS, or Adam where it ran alone) ended. */
  stop?: SolveStop;
  /**
   * L2-CAF only, when traceEvery > 0: the normalised filter every traceEvery iterations. `passes`
   * (the default L-BFGS solve): head passes spent when the point was reached, every start's and
   * line-search trial's included, so the last one is the map's `iterations`.
   */
  trace?: { iteration: number; loss: number; filter: Float32Array; passes?: number }[];
  /** Whether the solve started from `init`. */
  warmStarted: boolean;
}

/** A head's outputs as an affine function of the filter: out(f) = J f + c (src/attention/affine.ts). */
export interface AffineMap {
  /** K x S, row-major; S x K (row s = position s's effect on every output) when `transposed`. */
  J: Float32Array;
  /** J stored as S x K: what a head's per-position pass gives without a transpose. */
  transposed?: boolean;
  /** J = scale x the stored values (default 1): lets a map share an array it does not own. */
  scale?: number;
  /** K: out(0). */
  c: Float32Array;
  K: number;
  S: number;
}
