// A run whose iterative maps ended at their pass or iteration limit with nothing certifying them
// (src/contract/solveStop.ts endedAtLimit): their maps are what the budget found, not an optimum,
// and the summary line's count alone ("3 stopped at their limit") does not say what to do about it.

/** Pure: the one-line note, or null when no map ended at its limit. `unit`: frame | slice, null for an image's maps. */
export function budgetNote(solves: { warm: number; cold: number; atLimit?: number } | null | undefined, unit: 'frame' | 'slice' | null, preset: string): string | null {
  const n = solves?.atLimit ?? 0;
  if (!solves || n === 0) return null;
  const total = solves.warm + solves.cold;
  return `${n} of ${total} ${unit ? `${unit} ` : ''}map${total === 1 ? '' : 's'} ended at the iteration limit before a stop test passed: ${raise(preset)}`;
}

/**
 * Pure: the note at the end of a batch (runBatch's counts over the items done in the run), or null.
 * Items mix frames, slices and images, so it counts maps and names how many items had any.
 */
export function batchBudgetNote(solves: { maps: number; atLimit: number; items: number }, preset: string): string | null {
  if (solves.atLimit === 0) return null;
  const items = `${solves.items} item${solves.items === 1 ? '' : 's'}`;
  return `${solves.atLimit} of ${solves.maps} map${solves.maps === 1 ? '' : 's'} (in ${items}) ended at the iteration limit before a stop test passed (the item lines above say which): ${raise(preset)}`;
}

function raise(preset: string): string {
  return preset === 'paper'
    ? "raise --max-iterations (the paper's Adam decays its learning rate to 0 at the limit, so a larger one also changes the steps)"
    : 'raise --max-iterations';
}
