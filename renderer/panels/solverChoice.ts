// Pure: the model panel's solver choices and the request fields each stands for. Four, not three:
// "iterative" covers two optimisers of the paper's objective, and a researcher comparing with the
// paper wants its own (Adam, lr 0.5, its stopping rule: --preset paper), not only the default
// L-BFGS that solves to the optimum. (The choice used to read "iterative (the paper)" while it ran
// L-BFGS.)
import type { PresetName, SolverName } from '../../src/contract/index.js';

export type SolverChoice = 'auto' | 'iterative' | 'paper' | 'exact';

export const SOLVER_CHOICES: readonly { value: SolverChoice; label: string; title: string }[] = [
  { value: 'auto', label: 'auto: exact on linear heads, else L-BFGS', title: 'The exact optimum in one step where the head is linear in the filter; elsewhere L-BFGS on the sphere to the optimum (the default)' },
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
