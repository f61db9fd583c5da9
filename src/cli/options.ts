// Flag parsing helpers shared by the commands: numbers, enumerations, repeatable flags.
import { InvalidArgumentError } from 'commander';
import { UsageError } from '../engine/targets.js';
import { colormapNames, getColormap } from '../media/colormaps.js';
import type { Constraint, Method, SolverChoice } from '../attention/types.js';
import { ITERATION_LIMIT_RANGE, PRESET_NAMES, PRESET_ITERATION_LIMITS, SOLVER_NAMES, type PresetName } from '../contract/types.js';

export const METHODS: readonly Method[] = ['l2caf', 'l2caf-class', 'gradcam', 'cam'];
// (the app's lists: the command line takes the same solvers and presets)
export const SOLVERS: readonly SolverChoice[] = SOLVER_NAMES;
export const CONSTRAINTS: readonly Constraint[] = ['l2', 'softmax', 'gaussian'];
export const PRESETS: readonly PresetName[] = PRESET_NAMES;
export type Preset = PresetName;

export function oneOf<T extends string>(values: readonly T[], what: string) {
  return (v: string): T => {
    if (!(values as readonly string[]).includes(v)) throw new InvalidArgumentError(`unknown ${what} "${v}" (choose ${values.join(', ')})`);
    return v as T;
  };
}

/** --colormap: checked while parsing (a typo would otherwise surface only at the writing, after the whole analysis). */
export function colormapArg(v: string): string {
  try {
    getColormap(v);
  } catch {
    throw new InvalidArgumentError(`unknown colour map "${v}" (choose ${colormapNames.join(', ')})`);
  }
  return v;
}

export function repeatable<T>(parse: (v: string) => T) {
  return (v: string, prev: T[] | undefined): T[] => [...(prev ?? []), parse(v)];
}

export function intArg(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected an integer in ${min}..${max}, got "${v}"`);
    return n;
  };
}

export function numberArg(min = -Infinity, max = Infinity) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`expected a number in ${min}..${max}, got "${v}"`);
    return n;
  };
}

/** --max-iterations' help, the same for image, video, volume and batch (attention/solve.ts withIterationLimit). */
export const MAX_ITERATIONS_HELP = `iteration limit: head passes for converged (default ${PRESET_ITERATION_LIMITS.converged}: L-BFGS, and Adam after it where L-BFGS stops at kinks, half each), Adam steps for paper (default ${PRESET_ITERATION_LIMITS.paper}; its learning rate decays to 0 there)`;

/** --max-iterations' parser: the range the service's jobs take too (contract ITERATION_LIMIT_RANGE). */
export const maxIterationsArg = intArg(ITERATION_LIMIT_RANGE[0], ITERATION_LIMIT_RANGE[1]);

/**
 * --seed's help, the same for every command that starts solves cold (image, volume, batch): a random
 * start next to the deterministic ones ('also-random', attention/types.ts), not instead of them, so
 * that seeds do not move the answer unless one finds a lower optimum.
 */
export const SEED_HELP =
  'also try a start from N(0,1) noise of this seed: the default solver keeps the start that ends lowest (the JSON\'s "start" says which); --preset paper starts from the noise, as the reference code';

/** --solver exact with a constraint it does not solve: refused before any work (the solve said it after the model loaded, exit 1). */
export function checkSolverConstraint(solver: string | undefined, constraint: string | undefined): void {
  if (solver === 'exact' && constraint && constraint !== 'l2') {
    throw new UsageError(`--solver exact works only with --constraint l2 (got ${constraint}): use --solver iterative or auto`);
  }
}
