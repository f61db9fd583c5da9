// Why an iterative L2-CAF solve ended (src/attention/types.ts SolveStop), in the words the app and
// the command line use, so that a map's record can be read as "certified" or "best found": data
// only (the renderer bundles the contract), one table for every surface.

/** L-BFGS's reasons (the default solver), then Adam's (`--preset paper`, the softmax and gaussian constraints). */
export const SOLVE_STOP_WORDS: Readonly<Record<string, string>> = {
  optimal: 'optimality test passed',
  stalled: 'stalled at a kink',
  'line-search': 'line search found no lower point',
  'pass-limit': 'pass budget spent',
  settled: 'loss settled',
  'iteration-limit': 'iteration limit reached',
};

/** The words for a stop reason; null for none (exact solver, Grad-CAM, CAM, older records) or one this build does not know. */
export function stopWords(stop: string | null | undefined): string | null {
  return stop ? (SOLVE_STOP_WORDS[stop] ?? null) : null;
}

/**
 * Whether a map's solve ended at its budget with neither a stop test passed nor the Adam phase
 * after it (which the budget keeps passes for): a budget set too low, or Adam that did not settle.
 */
export function endedAtLimit(m: { stop?: string | null; adamPasses?: number | null }): boolean {
  return m.stop === 'iteration-limit' || (m.stop === 'pass-limit' && !m.adamPasses);
}

/** Adam's own reasons; the others are L-BFGS's. */
const ADAM_STOPS = new Set(['settled', 'iteration-limit']);

/**
 * "L-BFGS: stalled at a kink, then 60 Adam passes", "Adam: loss settled": who stopped and why, and
 * the Adam phase where it ran after L-BFGS; null where the record has no reason.
 */
export function stopClause(m: { stop?: string | null; adamPasses?: number | null }): string | null {
  const words = stopWords(m.stop);
  if (!words) return null;
  const who = ADAM_STOPS.has(m.stop!) ? 'Adam' : 'L-BFGS';
  return `${who}: ${words}${m.adamPasses ? `, then ${m.adamPasses} Adam pass${m.adamPasses === 1 ? '' : 'es'}` : ''}`;
}

/**
 * A run's solve counts (src/engine/solveCounts.ts) as every surface says them: "25 warm, 13 cold,
 * the Adam phase on 2, 3 stopped at their limit"; '' without iterative maps.
 */
export function solveCountsWords(c: { warm: number; cold: number; adamPhase: number; atLimit?: number } | null | undefined): string {
  if (!c) return '';
  const phase = c.adamPhase ? `, the Adam phase on ${c.adamPhase}` : '';
  const limit = c.atLimit ? `, ${c.atLimit} stopped at ${c.atLimit === 1 ? 'its' : 'their'} limit` : '';
  return `${c.warm} warm, ${c.cold} cold${phase}${limit}`;
}
