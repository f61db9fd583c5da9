// Where a cold L2-CAF solve starts. The reference code starts from N(0,1) noise, so its answer
// depends on the seed: on non-linear heads different seeds end in different optima (class-specific
// on darknet-tiny leaky_re_lu_13, chelsea.png: seeds 0 and 1 differ by r = 0.96). The default start
// is deterministic instead:
// - class-oblivious: the uniform filter (the unfiltered input, scaled onto the sphere), where the
//   objective is smallest among "no preference" filters and the optimum is usually near;
// - class-specific: the exact optimum of the head linearised at f = 1, -g/||g|| with g the
//   objective's gradient there (the closed form the exact solver uses on affine heads, where it is
//   the optimum itself; one head pass here).
// - class-specific on a non-linear head: both of these, the lower loss kept (coldStarts below; how
//   they are compared: SCOUT_TOLERANCE in sphereSolve.ts). Neither start is better everywhere: on
//   car-detection 0-2 s at darknet-tiny leaky_re_lu_13, from the linearised start alone 3 of 25
//   frames ended more than 1e-3 above the best loss known (worst 1.4e-3), from the uniform one alone
//   none did (worst 9.2e-4); at leaky_re_lu_12, 2 frames (worst 2.1e-3) against none (8.0e-4); yet
//   on coffee.png at leaky_re_lu_12 the linearised start is better (+9.2e-3 against +1.5e-2 relative
//   to a 3000-iteration reference). With both, every one of those frames is within 8.4e-4.
//   (Scratch runs of the default solve against the paper's Adam and a 300-pass polish, as
//   scripts/nonlinear-frames.mjs measures.)
import type { SphereOracle } from './sphereLbfgs.js';
import { randn } from './rng.js';
import type { StartChoice, StartKind } from './types.js';

export interface ColdStart {
  x0: Float64Array;
  kind: Exclude<StartKind, 'warm' | 'exact'>;
  /** head passes spent finding it */
  passes: number;
}

/**
 * The cold starts a solve tries, best kept: on a non-linear head, the uniform filter after a
 * linearised start (class-specific, deterministic; see the header); else coldStart's one.
 */
export function coldStarts(oracle: SphereOracle, S: number, classSpecific: boolean, choice: StartChoice, seed: number, nonlinear: boolean, neighbour?: Float32Array): ColdStart[] {
  if (choice === 'also-random') {
    const random = coldStart(oracle, S, classSpecific, 'random', seed);
    // The deterministic starts first: of equal losses the scouts keep the first.
    return nonlinear ? [...coldStarts(oracle, S, classSpecific, 'deterministic', seed, nonlinear, neighbour), random] : [random];
  }
  const first = coldStart(oracle, S, classSpecific, choice, seed);
  if (!(nonlinear && first.kind === 'linearised')) return [first];
  const both: ColdStart[] = [first, { x0: new Float64Array(S).fill(1 / Math.sqrt(S)), kind: 'uniform', passes: 0 }];
  // The previous frame's or slice's answer for another class (its argmax changed): a third start
  // (NEIGHBOUR_START below says what it is worth).
  if (neighbour?.length === S && neighbour.every(Number.isFinite) && neighbour.some((v) => v !== 0)) both.push({ x0: Float64Array.from(neighbour), kind: 'neighbour', passes: 0 });
  return both;
}

export function coldStart(oracle: SphereOracle, S: number, classSpecific: boolean, choice: StartChoice, seed: number): ColdStart {
  // (one start only: Adam's, where 'also-random' is 'random'; see StartChoice)
  if (choice === 'random' || choice === 'also-random') return { x0: Float64Array.from(randn(S, seed)), kind: 'random', passes: 0 };
  if (choice !== 'deterministic') throw new Error(`unknown start "${String(choice)}": choose deterministic, random or also-random`);
  const uniform = new Float64Array(S).fill(1 / Math.sqrt(S));
  if (!classSpecific) return { x0: uniform, kind: 'uniform', passes: 0 };
  // Linearised at f = 1, the unfiltered network, where the head's activations are at the scale it
  // was trained for. (At the uniform unit filter, features scaled by 1/sqrt(S), the linearisation
  // led into a worse optimum on darknet-tiny leaky_re_lu_13: chelsea.png -10.614 against -10.632.)
  const { grad } = oracle(new Float64Array(S).fill(1));
  const x0 = Float64Array.from(grad, (g) => -g);
  // A zero gradient says nothing about where to go (the solver reports why); start uniform then.
  return x0.some((v) => v !== 0) && x0.every(Number.isFinite) ? { x0, kind: 'linearised', passes: 1 } : { x0: uniform, kind: 'uniform', passes: 1 };
}
