// `batch-report`: every item folder under DIR merged into {items, summary}. Reading is one
// function (gatherItems); the merge is pure (buildReport), so tests and the CLI share it.
import { access, readdir } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../engine/targets.js';
import { readStatus, readSummary, STATUS_FILE, SUMMARY_FILE } from './status.js';
import type { ItemKind, ItemStatus, ItemSummary, Thumb } from './types.js';
import type { SolveCounts } from '../engine/solveCounts.js';
import { ITEM_FOLDER } from './outputMarker.js';

export interface ReportItem {
  id: string;
  /** the path as given; without a readable status.json, the folder name (all there is to go by) */
  rel: string | null;
  kind: ItemKind | null;
  /**
   * pending: a folder without status.json (an item started by a run that was stopped), or one
   * whose status.json or summary.json is damaged (`note` says which; the next run redoes it)
   */
  status: 'done' | 'failed' | 'pending';
  error: string | null;
  /** why a pending item is pending when that is not a stopped run: the damaged file */
  note: string | null;
  seconds: number | null;
  startedAt: string | null;
  settingsHash: string | null;
  modelSha: string | null;
  /** frames (video), slices (volume), 1 (image) */
  units: number | null;
  fps: number | null;
  meanIterations: number | null;
  solves: SolveCounts | null;
  meanFlicker: number | null;
  top: { label: string; score: number } | null;
  eval: ItemSummary['eval'];
  files: string[];
  thumb: Thumb | null;
  series: number[];
}

export interface KindCounts {
  items: number;
  done: number;
  failed: number;
}

export interface ReportSummary {
  items: number;
  done: number;
  failed: number;
  pending: number;
  byKind: Record<ItemKind | 'unknown', KindCounts>;
  frames: number;
  slices: number;
  images: number;
  /** seconds spent on the items, summed over shards */
  seconds: number;
  /** over done items, weighted by their frames/slices */
  meanIterations: number | null;
  /** summed over done items: how their iterative L2-CAF maps were solved; null with none */
  solves: SolveCounts | null;
  /** over done videos */
  meanFlicker: number | null;
  /** distinct settings hashes among done items (more than 1: the folder mixes runs) */
  settingsHashes: number;
  /** distinct model weights (modelSha) among done items: more than 1, the folder mixes models */
  modelShas: number;
  /** pending items whose status.json or summary.json is damaged (counted in pending too) */
  damaged: number;
}

export interface BatchReport {
  items: ReportItem[];
  summary: ReportSummary;
}

export interface GatheredItem {
  id: string;
  status: ItemStatus | null;
  summary: ItemSummary | null;
  /** the item's folder, for notes naming its files (default: the id) */
  dir?: string;
  /** which files exist, readable or not (default: those read): a file there but unread is damaged */
  present?: { status: boolean; summary: boolean };
}

/** Pure: why the item cannot count as it says, naming the file; null when its files are sound. */
export function damageNote(g: GatheredItem): string | null {
  const dir = g.dir ?? g.id;
  const present = g.present ?? { status: g.status !== null, summary: g.summary !== null };
  const redo = 'the next batch run redoes the item';
  if (!g.status && present.status) return `${path.join(dir, STATUS_FILE)}: damaged (not a status.json batch writes); ${redo}`;
  if (g.status?.status === 'done' && !g.summary) {
    const file = path.join(dir, SUMMARY_FILE);
    return present.summary ? `${file}: damaged (not valid JSON, or not a summary); ${redo}` : `${file}: missing although status.json says done; ${redo}`;
  }
  return null;
}

export function toReportItem(g: GatheredItem): ReportItem {
  const note = damageNote(g);
  // a done item without its summary has no numbers to show: pending, as the next run will treat it
  const st = note ? null : g.status;
  const su = st?.status === 'done' ? g.summary : null;
  return {
    id: g.id,
    rel: g.status?.rel ?? g.id,
    kind: g.status?.kind ?? g.summary?.kind ?? null,
    status: st?.status ?? 'pending',
    error: st?.error ?? null,
    note,
    seconds: st?.seconds ?? null,
    startedAt: st?.startedAt ?? null,
    settingsHash: st?.settingsHash ?? null,
    modelSha: st?.modelSha ?? null,
    units: su?.units ?? null,
    fps: su?.fps ?? null,
    meanIterations: su?.meanIterations ?? null,
    solves: su?.solves ?? null,
    meanFlicker: su?.meanFlicker ?? null,
    top: su?.top ?? null,
    eval: su?.eval ?? null,
    files: su?.files ?? [],
    thumb: su?.thumb ?? null,
    series: su?.series ?? [],
  };
}

const round = (v: number): number => Math.round(v * 1e4) / 1e4;

export function buildReport(gathered: readonly GatheredItem[]): BatchReport {
  const items = gathered.map(toReportItem).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const zero = (): KindCounts => ({ items: 0, done: 0, failed: 0 });
  const byKind: ReportSummary['byKind'] = { video: zero(), image: zero(), volume: zero(), unknown: zero() };
  let iterSum = 0;
  let iterUnits = 0;
  let flickerSum = 0;
  let flickerN = 0;
  const s: ReportSummary = { items: items.length, done: 0, failed: 0, pending: 0, byKind, frames: 0, slices: 0, images: 0, seconds: 0, meanIterations: null, solves: null, meanFlicker: null, settingsHashes: 0, modelShas: 0, damaged: 0 };
  const hashes = new Set<string>();
  const shas = new Set<string | null>();
  for (const it of items) {
    s[it.status]++;
    if (it.note) s.damaged++;
    const k = byKind[it.kind ?? 'unknown'];
    k.items++;
    if (it.status === 'done') k.done++;
    if (it.status === 'failed') k.failed++;
    s.seconds += it.seconds ?? 0;
    if (it.status !== 'done') continue;
    if (it.settingsHash) hashes.add(it.settingsHash);
    shas.add(it.modelSha);
    const u = it.units ?? 0;
    if (it.kind === 'video') s.frames += u;
    if (it.kind === 'volume') s.slices += u;
    if (it.kind === 'image') s.images += u;
    if (it.meanIterations !== null && u > 0) {
      iterSum += it.meanIterations * u;
      iterUnits += u;
    }
    if (it.solves) {
      const t = (s.solves ??= { warm: 0, cold: 0, adamPhase: 0 });
      t.warm += it.solves.warm;
      t.cold += it.solves.cold;
      t.adamPhase += it.solves.adamPhase;
      if (it.solves.atLimit) t.atLimit = (t.atLimit ?? 0) + it.solves.atLimit;
    }
    if (it.meanFlicker !== null) {
      flickerSum += it.meanFlicker;
      flickerN++;
    }
  }
  s.seconds = round(s.seconds);
  s.meanIterations = iterUnits ? round(iterSum / iterUnits) : null;
  s.meanFlicker = flickerN ? round(flickerSum / flickerN) : null;
  s.settingsHashes = hashes.size;
  s.modelShas = shas.size;
  return { items, summary: s };
}

/** How many damaged items the warnings name; the rest are counted. */
const NAMED_DAMAGED = 5;

/** Pure: what a reader of the report must not miss (mixed model weights, damaged items), one line each. */
export function reportWarnings(r: BatchReport): string[] {
  const out: string[] = [];
  const s = r.summary;
  if (s.modelShas > 1) out.push(`the done items were made with ${s.modelShas} different model weights (modelSha): their maps are not comparable; run \`l2caf batch\` again with one model to redo the others`);
  const damaged = r.items.filter((it) => it.note);
  for (const it of damaged.slice(0, NAMED_DAMAGED)) out.push(it.note!);
  if (damaged.length > NAMED_DAMAGED) out.push(`and ${damaged.length - NAMED_DAMAGED} more damaged item(s) (the report's "note" column)`);
  return out;
}

const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

/** Reads every item folder of DIR (folders holding neither status nor summary are not items). */
export async function gatherItems(dir: string): Promise<GatheredItem[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`${dir}: ${code === 'ENOENT' ? 'no such folder' : `cannot read (${code ?? (e as Error).message})`}`);
  }
  const out: GatheredItem[] = [];
  for (const e of entries) {
    if (!e.isDirectory() || e.name.startsWith('.')) continue;
    const d = path.join(dir, e.name);
    const [status, summary, hasStatus, hasSummary] = await Promise.all([readStatus(d), readSummary(d), exists(path.join(d, STATUS_FILE)), exists(path.join(d, SUMMARY_FILE))]);
    // a started item has at least its (empty) folder; anything else under DIR is not ours
    if (status || summary || hasStatus || ITEM_FOLDER.test(e.name)) out.push({ id: e.name, status, summary, dir: d, present: { status: hasStatus, summary: hasSummary } });
  }
  return out;
}
