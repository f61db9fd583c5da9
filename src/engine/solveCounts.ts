// Pure: how a run's iterative L2-CAF maps were solved, counted: warm-started (from the previous
// frame's or slice's answer), cold (any other start), and those where annealed Adam went on after
// L-BFGS (L-BFGS could not certify an optimum: at kinks of a piecewise-linear head). The per-frame
// and per-slice records say it map by map; this is the line a researcher reads first after a run
// on a non-linear head (how much of it warm starts carried, how often the phase was needed).

export interface SolveCounts {
  warm: number;
  cold: number;
  /** of warm + cold: the maps whose solve ran the Adam phase */
  adamPhase: number;
}

/** Maps solved by the exact solver, Grad-CAM or CAM are not counted; null when none was iterative. */
export function solveCounts(maps: Iterable<{ solver: string; start?: string; adamPasses?: number }>): SolveCounts | null {
  const c: SolveCounts = { warm: 0, cold: 0, adamPhase: 0 };
  for (const m of maps) {
    if (m.solver !== 'iterative' || !m.start) continue;
    if (m.start === 'warm') c.warm++;
    else c.cold++;
    if (m.adamPasses) c.adamPhase++;
  }
  return c.warm + c.cold > 0 ? c : null;
}

/** " (6 warm, 1 cold; the Adam phase on 1)" for the CLI's summary line; '' without iterative maps. */
export function solveCountsText(c: SolveCounts | null | undefined): string {
  if (!c) return '';
  return ` (${c.warm} warm, ${c.cold} cold${c.adamPhase ? `; the Adam phase on ${c.adamPhase}` : ''})`;
}
