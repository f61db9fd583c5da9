// A warning before an L2-CAF solve that will take long: a filter larger than 100 x 100 (an early
// layer, or the input itself) on a head the exact solver cannot take. Each iteration then runs
// the whole rest of the network forwards and backwards over that map, for up to maxIterations
// iterations (`image --layer input_1`: 1000 iterations on 224 x 224 ran 10 minutes, silently).
// The estimate uses the head pass just measured: a backward pass costs about two forward passes.
import type { HeadLinearity, Method, SolverChoice } from '../attention/types.js';

/** Positions above which a filter counts as large (100 x 100). */
export const LARGE_FILTER = 100 * 100;

export interface SolvePlan {
  layer: string;
  /** the layer's [h, w, c] (or [d, h, w, c]) */
  shape: readonly number[];
  linearity: HeadLinearity;
  /** one forward pass of the head, just measured */
  headMs: number;
  maxIterations: number;
  solver: SolverChoice;
  methods: readonly Method[];
}

function duration(ms: number): string {
  const s = ms / 1000;
  if (s < 90) return `${Math.max(1, Math.round(s))} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/** Pure: the one-line warning for a plan, or null when the solve is small or exact. */
export function largeSolveWarning(p: SolvePlan): string | null {
  const spatial = p.shape.slice(0, -1);
  const positions = spatial.reduce((a, b) => a * b, 1);
  const l2caf = p.methods.filter((m) => m === 'l2caf' || m === 'l2caf-class').length;
  if (positions <= LARGE_FILTER || l2caf === 0) return null;
  // a GAP + affine head is solved exactly from one affine map: fast at any size
  if (p.linearity === 'gap-affine' && p.solver !== 'iterative') return null;
  const each = p.maxIterations * 3 * p.headMs;
  return (
    `layer ${p.layer} gives a ${spatial.join('x')} filter (${positions} positions): each L2-CAF iteration runs the rest of the network ` +
    `forwards and backwards (${p.headMs.toFixed(0)} ms forwards here), up to ${p.maxIterations} iterations: up to about ${duration(each)} per map` +
    `${l2caf > 1 ? ` (${l2caf} maps)` : ''}; a deeper layer (see l2caf layers) takes seconds`
  );
}
