// The convergence replay's answer from a solve with a trace, for video.trace and volume.trace
// alike: the steps (with the head passes spent where the solver counts them), |f| at each step as
// one binary [steps, h, w], where the Adam phase began, and what the replay started from.
import type { AttentionMap, SolveOptions } from '../attention/types.js';
import { usesSphereLbfgs } from '../attention/solve.js';
import { absValues, normalise01 } from '../attention/normalise.js';
import type { BinaryRef, TraceResult } from '../contract/index.js';

/**
 * `put` stores the filters for the caller's job; `exactNote`: where the job used the exact solver,
 * the note saying the replay is the iterative solve of the same optimum (null otherwise).
 */
export function traceResult(
  map: AttentionMap,
  solve: SolveOptions,
  warm: TraceResult['warm'],
  put: (data: Float32Array, shape: number[]) => BinaryRef,
  note: string | null,
): TraceResult {
  const trace = map.trace ?? [];
  // where the Adam phase ran in the trace (L-BFGS's finish from its lowest point follows it)
  const span = map.adamPasses ? map.adamIterations : undefined;
  const adam = span ? { fromIteration: span[0], toIteration: span[1], passes: map.adamPasses! } : null;
  const [height, width] = map.shape as [number, number];
  const n = width * height;
  const filters = new Float32Array(trace.length * n);
  trace.forEach((t, i) => filters.set(normalise01(absValues(t.filter)), i * n));
  return {
    method: map.method,
    width,
    height,
    solver: 'iterative',
    iterations: map.iterations,
    steps: trace.map((t) => ({ iteration: t.iteration, loss: t.loss, ...(t.passes !== undefined ? { passes: t.passes } : {}) })),
    filters: trace.length ? put(filters, [trace.length, height, width]) : null,
    note,
    start: map.start ?? null,
    warm,
    adam,
    stop: map.stop ?? null,
    optimiser: usesSphereLbfgs(solve) ? 'lbfgs' : 'adam',
  };
}

/** The note of a replay whose job used the exact solver. */
export function exactReplayNote(what: 'timeline' | 'job', preset: string | undefined): string {
  return `the ${what} used the exact solver (same optimum, one step); this replays the iterative solve (${(preset ?? 'converged') === 'paper' ? 'Adam, the paper' : 'L-BFGS, the default'})`;
}
