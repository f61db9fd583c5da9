// Progress of a shard on stderr: one line per item with an ETA over the shard, as text for people
// or JSON lines for log collectors (--progress json). The ETA is the wall time per item worked on so
// far (skipped ones cost nothing; items in flight counted by the share done) times the items left.
// Formatting is pure.
import type { ItemKind } from './types.js';

export type ProgressMode = 'text' | 'json';

export interface ItemEvent {
  /** 1-based position in the shard */
  index: number;
  /** items of the shard finished so far, this one included (with images run in parallel, lines come in the order they finish, not by index) */
  finished?: number;
  total: number;
  id: string;
  rel: string;
  kind: ItemKind | null;
  /** claimed: left for now, another run on the same output folder is doing it (its claim is live) */
  status: 'done' | 'failed' | 'skipped' | 'claimed';
  seconds: number;
  units: number | null;
  error: string | null;
  etaS: number | null;
  /** of the item's iterative maps: how many ended at their iteration limit with no stop test passed (SolveCounts.atLimit); null when none was iterative */
  atLimit?: number | null;
  /** claimed: who holds the item ("host pid N since ...") */
  heldBy?: string;
}

export interface StartEvent {
  shard: { index: number; count: number; from: string };
  items: number;
  allItems: number;
  out: string;
  /** files inside the input folders that are no video, image or scan (left out of the run): their count and the first few */
  ignored?: { files: number; examples: string[] };
  /** folders inside the inputs left out as the output of an earlier batch run (outputMarker.ts) */
  outputs?: string[];
}

/** How many of `ignored` a start line names. */
export const IGNORED_EXAMPLES = 3;

/** Pure: the words for the files left out ("1 file in the input folders is ..."), or '' when there are none. */
export function ignoredWords(ignored: StartEvent['ignored']): string {
  if (!ignored || ignored.files === 0) return '';
  const shown = ignored.examples.slice(0, IGNORED_EXAMPLES);
  const more = ignored.files - shown.length;
  const one = ignored.files === 1;
  return `${ignored.files} file${one ? '' : 's'} in the input folders ${one ? 'is' : 'are'} no video, image or scan, left out: ${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
}

/** Pure: the words for earlier batch outputs left out of the inputs, or '' when there are none. */
export function outputsWords(outputs: readonly string[] | undefined): string {
  if (!outputs?.length) return '';
  const shown = outputs.slice(0, IGNORED_EXAMPLES);
  const more = outputs.length - shown.length;
  const one = outputs.length === 1;
  return `${outputs.length} folder${one ? '' : 's'} in the inputs ${one ? 'is' : 'are'} an earlier batch output, left out: ${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
}

export interface EndEvent {
  done: number;
  failed: number;
  skipped: number;
  /** left to another run on the same output folder (absent: none) */
  claimed?: number;
  seconds: number;
  /** the iterative maps of the items done in this run, and those that ended at their limit (runBatch's BatchRunResult.solves) */
  solves?: { maps: number; atLimit: number; items: number };
}

/**
 * Seconds left: the wall time so far per item worked on, times the items left; null before the
 * first. `inFlight` (items run several at once: batch --workers' images): the share of each
 * unfinished item already done, counted on both sides, so that the first items to finish do not
 * charge the run with the time the others in flight have also been running (without it, the first
 * ETA of four images in flight was four times too long).
 */
export function etaSeconds(wallSeconds: number, worked: number, left: number, inFlight: readonly number[] = []): number | null {
  if (left === 0) return 0;
  if (worked === 0) return null;
  const partly = inFlight.reduce((n, f) => n + Math.min(1, Math.max(0, f)), 0);
  return (wallSeconds / (worked + partly)) * Math.max(0, left - partly);
}

/**
 * The share of an item in flight already done, from the time it has run and the mean time of the
 * items finished (their own times, waits in a shared queue included, as the item's are); below 1,
 * since it has not finished.
 */
export function shareDone(runningSeconds: number, meanItemSeconds: number): number {
  return meanItemSeconds > 0 ? Math.min(0.95, runningSeconds / meanItemSeconds) : 0;
}

export function clock(s: number | null): string {
  if (s === null) return '--';
  const t = Math.round(s);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = String(t % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

const unitName = (k: ItemKind | null): string => (k === 'video' ? 'frames' : k === 'volume' ? 'slices' : 'image');

/** What follows the item's path on its text line. */
function itemDetail(e: ItemEvent): string {
  // (the error names the item for status.json and the report; the line has named it already)
  if (e.status === 'failed') return `: ${e.error?.startsWith(`${e.rel}: `) ? e.error.slice(e.rel.length + 2) : e.error}`;
  if (e.status === 'skipped') return ' (done before, same settings)';
  if (e.status === 'claimed') return ` (being done by another run: ${e.heldBy ?? 'unknown'})`;
  // (a budget that cut maps short is said where it happened; the end line's note says what to do)
  const limit = e.atLimit ? `, ${e.atLimit} at the iteration limit` : '';
  return e.units !== null && e.kind !== 'image'
    ? ` (${e.kind}, ${e.units} ${unitName(e.kind)}, ${e.seconds.toFixed(1)} s${limit})`
    : ` (${e.kind ?? '?'}, ${e.seconds.toFixed(1)} s${limit})`;
}

export function formatItem(e: ItemEvent, mode: ProgressMode): string {
  if (mode === 'json') return JSON.stringify({ event: 'item', ...e });
  return `[${e.finished ?? e.index}/${e.total}] ${e.status.padEnd(7)} ${e.rel}${itemDetail(e)}; ETA ${clock(e.etaS)}`;
}

export function formatStart(e: StartEvent, mode: ProgressMode): string {
  if (mode === 'json') return JSON.stringify({ event: 'start', ...e });
  const notes = [ignoredWords(e.ignored), outputsWords(e.outputs)].filter((w) => w !== '');
  return `batch: shard ${e.shard.index}/${e.shard.count} (${e.shard.from}): ${e.items} of ${e.allItems} item(s) -> ${e.out}${notes.map((w) => `; ${w}`).join('')}`;
}

export function formatEnd(e: EndEvent, mode: ProgressMode): string {
  if (mode === 'json') return JSON.stringify({ event: 'end', ...e });
  const claimed = e.claimed ? `, ${e.claimed} claimed by another run (not done here: that run is doing them)` : '';
  return `batch: ${e.done} done, ${e.failed} failed, ${e.skipped} skipped${claimed} in ${e.seconds.toFixed(1)} s`;
}
