// Pure: the iterations track's bar for a frame, coloured by how its map was solved, so the spikes
// explain themselves: warm-started L-BFGS (a previous frame's optimum for the class), a cold start (the first
// frame of a worker's chunk, a class change, or warm start off), and a solve where annealed Adam
// went on after L-BFGS, and one that ended at its pass or iteration limit with nothing certifying
// it (a budget set too low). Maps without that information (exact solver, Grad-CAM, older caches)
// keep the track's own colour.
import { endedAtLimit, type FrameSummary } from '../../src/contract/index.js';

export type IterationKind = 'warm' | 'cold' | 'adam' | 'limit' | 'other';

export const ITERATION_COLOURS: Record<IterationKind, string> = {
  warm: '#aed581',
  cold: '#90caf9',
  adam: '#ffb74d',
  limit: '#e57373',
  other: '#aed581',
};

/** The legend's entries, in order (only drawn when the track holds frames of those kinds). */
export const ITERATION_LEGEND: readonly { kind: Exclude<IterationKind, 'other'>; text: string }[] = [
  { kind: 'warm', text: 'warm' },
  { kind: 'cold', text: 'cold' },
  { kind: 'adam', text: '+Adam' },
  { kind: 'limit', text: 'at limit' },
];

/** How a map was solved, from its start, Adam phase and stop reason (a frame's map, a volume's slice). */
export function solveKind(m: { start?: string; adamPasses?: number; stop?: string } | undefined): IterationKind {
  if (!m?.start || m.start === 'exact') return 'other';
  if (endedAtLimit(m)) return 'limit';
  if (m.adamPasses) return 'adam';
  return m.start === 'warm' ? 'warm' : 'cold';
}

export function iterationBar(f: FrameSummary, mapIndex: number): { value: number; kind: IterationKind } {
  const m = f.maps?.[mapIndex];
  return { value: m?.iterations ?? f.iterations, kind: solveKind(m) };
}

/** How many frames (slices) of each kind: what the legend shows, and what tests read. */
export function countKinds(kinds: readonly IterationKind[]): Record<IterationKind, number> {
  const n: Record<IterationKind, number> = { warm: 0, cold: 0, adam: 0, limit: 0, other: 0 };
  for (const k of kinds) n[k]++;
  return n;
}

/** The legend's entries for those counts, each in its colour, after `first` (a track name). */
export function legendRun(counts: Record<IterationKind, number>, first: { text: string; colour: string } | null): { text: string; colour: string }[] {
  const entries = ITERATION_LEGEND.filter((l) => counts[l.kind] > 0).map((l) => ({ text: l.text, colour: ITERATION_COLOURS[l.kind] }));
  const all = first ? [first, ...entries] : entries;
  return all.map((p, i) => (i ? { ...p, text: ` · ${p.text}` } : p));
}

/**
 * The bars' width for frames at these x positions: 60% of the smallest gap between neighbours,
 * within [1.5, 6] px, so a coarse stride (a paper job every 10th frame, 38 bars over the clip) draws
 * bars and not hairlines, and bars of neighbouring frames never touch.
 */
export function barWidth(xs: readonly number[]): number {
  let gap = Infinity;
  for (let i = 1; i < xs.length; i++) {
    const d = Math.abs(xs[i]! - xs[i - 1]!);
    if (d > 0) gap = Math.min(gap, d);
  }
  return Number.isFinite(gap) ? Math.min(6, Math.max(1.5, 0.6 * gap)) : 1.5;
}
