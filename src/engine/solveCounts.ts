// Pure: how a run's iterative L2-CAF maps were solved, counted: warm-started (from the previous
// frame's or slice's answer), cold (any other start), those where annealed Adam went on after
// L-BFGS (L-BFGS could not certify an optimum: at kinks of a piecewise-linear head), and those
// that ended at their pass or iteration limit with nothing certifying them (a budget set too low,
// or Adam's --preset paper / softmax / gaussian solves that did not settle). The per-frame and
// per-slice records say it map by map; this is the line a researcher reads first after a run on a
// non-linear head (how much of it warm starts carried, how often the phase was needed, whether
// the budget cut solves short).
import { endedAtLimit } from '../contract/solveStop.js';

export interface SolveCounts {
  warm: number;
  cold: number;
  /** of warm + cold: the maps whose solve ran the Adam phase */
  adamPhase: number;
  /** of warm + cold: the maps whose solve ended at its limit (stop 'iteration-limit', or 'pass-limit' with no Adam phase after it); only when there are some */
  atLimit?: number;
}

/** Maps solved by the exact solver, Grad-CAM or CAM are not counted; null when none was iterative. */
export function solveCounts(maps: Iterable<{ solver: string; start?: string; adamPasses?: number; stop?: string }>): SolveCounts | null {
  const c: SolveCounts = { warm: 0, cold: 0, adamPhase: 0 };
  let atLimit = 0;
  for (const m of maps) {
    if (m.solver !== 'iterative' || !m.start) continue;
    if (m.start === 'warm') c.warm++;
    else c.cold++;
    if (m.adamPasses) c.adamPhase++;
    if (endedAtLimit(m)) atLimit++;
  }
  if (atLimit) c.atLimit = atLimit;
  return c.warm + c.cold > 0 ? c : null;
}
