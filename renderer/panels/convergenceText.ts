// Pure: what the convergence panel says about the map on screen before any replay, and about a
// replay. A map with no iterations (the exact solver, Grad-CAM, CAM) has no curve to plot, so the
// panel says why instead of showing empty canvases. An iterative map says how it was solved: from
// which start, by which optimiser, and whether the annealed Adam phase ran after L-BFGS (it runs
// where L-BFGS could not certify an optimum, src/attention/sphereSolve.ts).
import { endedAtLimit, stopWords, type TraceResult } from '../../src/contract/index.js';

export interface ShownMap {
  /** MapInfo.solver: iterative | exact | gradient | weights */
  solver: string;
  iterations: number;
  /** where the solve started (FrameMapSummary.start); absent in older caches */
  start?: string;
  /** head passes of the Adam phase after L-BFGS, where it ran */
  adamPasses?: number;
  /** why the solve ended (FrameMapSummary.stop); absent in older caches */
  stop?: string;
  /** the iterative optimiser: L-BFGS (the default preset) or Adam (--preset paper) */
  optimiser?: 'lbfgs' | 'adam';
}

export interface ConvergenceState {
  /** the map has iterations whose convergence a replay can draw as they were solved */
  plottable: boolean;
  text: string;
}

/** What the inputs are: a video's frames or a scan's slices (the sentences name them). */
export type ReplayUnit = 'frame' | 'slice';

/** How a sentence names a solve's start ("L-BFGS from ..."). */
export const startName = (start: string, unit: ReplayUnit): string =>
  ({
    // (the frame or slice before, or the one before that where its class was away for one: CARRY_INPUTS)
    warm: `a previous ${unit}'s optimum for its class (warm start)`,
    uniform: 'the uniform filter',
    linearised: "the linearised head's optimum",
    neighbour: `the previous ${unit}'s answer for its own class`,
    random: 'random noise (--seed)',
  })[start] ?? `the ${start} start`;

const count = (n: number, one: string, many = `${one}es`) => `${n} ${n === 1 ? one : many}`;

/** One sentence on how an iterative solve ran; null when the map does not say (older caches). */
export function solveSentence(
  s: { optimiser?: 'lbfgs' | 'adam' | null; start?: string | null; iterations: number; adamPasses?: number | null; stop?: string | null },
  unit: ReplayUnit = 'frame',
): string | null {
  if (!s.optimiser || !s.start) return null;
  const from = startName(s.start, unit);
  // why it ended (older caches do not say): "optimality test passed", "stalled at a kink", ...
  const why = stopWords(s.stop);
  // a solve the budget cut short is what the budget found, not an optimum: say what to do (the
  // panel's Iteration limit, the volume viewer's limit: the CLI's --max-iterations)
  const cut = endedAtLimit(s) ? ' Not an optimum: the iteration limit cut it short (raise the limit).' : '';
  if (s.optimiser === 'adam') return `Adam (the paper's settings) from ${from}: ${count(s.iterations, 'iteration', 'iterations')}${why ? `, ${why}` : ''}.${cut}`;
  if (s.adamPasses) {
    // L-BFGS's finish takes the passes the phase left; where L-BFGS spent its whole share (its
    // budget, stop 'pass-limit') the phase spent the rest, and no finish ran (sphereSolve.ts)
    const finish = s.stop === 'pass-limit' ? '' : " and L-BFGS finished from Adam's lowest point";
    return `L-BFGS from ${from} could not certify an optimum${why ? ` (${why})` : ''}, so annealed Adam went on from its answer${finish}: ${count(s.iterations, 'head pass')}, ${s.adamPasses} of them Adam.`;
  }
  return `L-BFGS from ${from}: ${count(s.iterations, 'head pass')}${why ? `, ${why}` : ''}.${cut}`;
}

export function convergenceState(m: ShownMap | null, unit: ReplayUnit = 'frame'): ConvergenceState {
  if (!m) return { plottable: false, text: `Replays the solve of the ${unit} on screen once it is analysed.` };
  const steps = (n: number) => `${n} iteration${n === 1 ? '' : 's'}`;
  switch (m.solver) {
    case 'exact':
      return { plottable: false, text: `exact solver: optimum in 1 step (no iterations to plot). Replay solves this ${unit} iteratively to compare.` };
    case 'gradient':
      return { plottable: false, text: 'Grad-CAM: one backward pass (no iterations to plot).' };
    case 'weights':
      return { plottable: false, text: 'CAM: the head\'s weights (no iterations to plot).' };
    default: {
      const how = solveSentence(m, unit);
      if (!how) return { plottable: true, text: `${m.solver} solver: ${steps(m.iterations)}. Replay to watch the filter converge.` };
      // (a warm-started frame replays from the state the job kept for it, else cold: the replay says which)
      return { plottable: true, text: `${how} Replay solves it again to watch the filter converge.` };
    }
  }
}

/** What the panel says once a replay has been solved. */
export function replayText(r: Pick<TraceResult, 'note' | 'steps' | 'iterations' | 'start' | 'warm' | 'adam' | 'optimiser' | 'stop'>, unit: ReplayUnit = 'frame'): string {
  // nothing was solved (Grad-CAM, CAM): the service's note says why
  if (r.note && !r.optimiser) return r.note;
  const drawn = `${r.steps.length} step${r.steps.length === 1 ? '' : 's'} drawn`;
  const how = solveSentence({ optimiser: r.optimiser, start: r.start, iterations: r.iterations, adamPasses: r.adam?.passes, stop: r.stop }, unit);
  // A warm-started frame replays from the job's kept state (as it ran) or, without it, cold.
  const lead =
    r.note ? '' : r.warm === 'cold' ? `Replayed cold: the previous ${unit}'s answers its solve was handed were not kept (${unit}s read from the cache, or past the job's replay memory). ` : 'Replayed as it ran. ';
  const body = how ? `${lead}${how} (${drawn}${r.adam ? '; the Adam phase in orange' : ''})` : `${drawn} over ${r.iterations} iterations`;
  // (the exact solver's map: the note says the replay is the iterative solve of the same optimum)
  return r.note ? `${r.note}. ${body}` : body;
}
