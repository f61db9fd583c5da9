// `--preset paper` sets the iterative solver (the paper's Adam and its stopping rule), but with the
// default `--solver auto` a head that is linear in the filter (darknet-tiny's default layer) is
// solved exactly instead: the optimum the paper's Adam approaches, in one step. Right, but a
// researcher who asked for the paper's solver would otherwise not learn that it did not run.
import type { SolverChoice } from '../attention/types.js';

/** Pure: the one-line notice, or null when the preset's solver ran (or was not asked for). */
export function paperPresetNotice(preset: string, solver: SolverChoice, mapSolvers: Iterable<string>): string | null {
  if (preset !== 'paper' || solver !== 'auto') return null;
  for (const s of mapSolvers) {
    if (s === 'exact') {
      return "--preset paper sets the iterative solver, but this head is linear in the filter, so --solver auto solved it exactly (the optimum the paper's Adam approaches, in one step); add --solver iterative to run the paper's Adam";
    }
  }
  return null;
}
