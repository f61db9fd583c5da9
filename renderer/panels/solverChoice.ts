// Pure: the model panel's solver choices and the request fields each stands for. Four, not three:
// "iterative" covers two optimisers of the paper's objective, and a researcher comparing with the
// paper wants its own (Adam, lr 0.5, its stopping rule: --preset paper), not only the default
// L-BFGS that solves to the optimum. (The choice used to read "iterative (the paper)" while it ran
// L-BFGS.)
import { ITERATION_LIMIT_RANGE, PRESET_ITERATION_LIMITS, type PresetName, type SolverName } from '../../src/contract/index.js';

export type SolverChoice = 'auto' | 'iterative' | 'paper' | 'exact';

export const SOLVER_CHOICES: readonly { value: SolverChoice; label: string; title: string }[] = [
  { value: 'auto', label: 'auto: exact if linear, else L-BFGS', title: 'The exact optimum in one step where the head is linear in the filter; elsewhere L-BFGS on the sphere to the optimum (the default)' },
  { value: 'iterative', label: 'iterative: L-BFGS to the optimum', title: 'L-BFGS on the sphere, stopped by an optimality test, on any head (the CLI\'s --solver iterative)' },
  { value: 'paper', label: "iterative: Adam, the paper's settings", title: "Adam with the paper's learning rate 0.5 and stopping rule (the CLI's --solver iterative --preset paper): slower, and it can stop short of the optimum" },
  { value: 'exact', label: 'exact (linear heads only)', title: 'The closed-form optimum; an error on a head that is not linear in the filter' },
];

/** The job request's solver fields for a choice (the preset only where it is not the default). */
export function solverRequest(choice: SolverChoice): { solver: SolverName; preset?: PresetName } {
  switch (choice) {
    case 'paper':
      return { solver: 'iterative', preset: 'paper' };
    case 'auto':
    case 'iterative':
    case 'exact':
      return { solver: choice };
    default:
      throw new Error(`unknown solver choice "${String(choice)}"`);
  }
}

/**
 * The iteration-limit field (the CLI's --max-iterations): empty = the preset's own limit (null);
 * else a whole number in ITERATION_LIMIT_RANGE. Throws a sentence for the banner otherwise.
 */
export function parseIterationLimit(text: string): number | null {
  const t = text.trim();
  if (t === '') return null;
  const n = Number(t);
  const [lo, hi] = ITERATION_LIMIT_RANGE;
  if (!/^\d+$/.test(t) || n < lo || n > hi) throw new Error(`the iteration limit must be a whole number from ${lo} to ${hi}, or empty for the solver's own (got "${t}")`);
  return n;
}

/**
 * The limit field's state for a choice (assigned to the input by the video panel and the volume
 * viewer alike): what an empty limit means, and disabled for the exact solver, which does not iterate.
 */
export function iterationLimitHint(choice: SolverChoice): { placeholder: string; title: string; disabled: boolean } {
  const preset = solverRequest(choice).preset ?? 'converged';
  const n = PRESET_ITERATION_LIMITS[preset];
  return preset === 'paper'
    ? { placeholder: `${n} steps`, title: `Adam steps at most (empty: ${n}, the paper's); its learning rate decays to 0 at the limit, so a larger limit also changes the steps`, disabled: false }
    : {
        placeholder: `${n} passes`,
        title: `Head passes at most for each iterative solve (empty: ${n}; L-BFGS, and annealed Adam after it where L-BFGS stops at a kink, half each). Solves that end at it with no stop test passed are drawn red in the iterations track.${choice === 'exact' ? ' (The exact solver does not iterate.)' : ''}`,
        disabled: choice === 'exact',
      };
}

/** The request's limit field: absent for the preset's own, and for the exact solver (no iterations to bound). */
export function limitRequest(choice: SolverChoice, limit: number | null): { maxIterations?: number } {
  return limit === null || choice === 'exact' ? {} : { maxIterations: limit };
}
