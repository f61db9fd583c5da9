// A shard's items one after another: skip what is done under the same settings, run the rest,
// record each outcome in its folder's status.json (written last, atomically), go on after a
// failure, stop at the run's signal without writing a status for the item it interrupted.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { LoadedModel } from '../models/loadModel.js';
import { etaSeconds, type ItemEvent } from './progress.js';
import { dropItemCache, ItemStopped, runImage, runVideo, runVolume, type RunContext } from './runners.js';
import { hashForKind, type BatchSettings } from './settings.js';
import { isFinished, readStatus, writeStatus, writeSummary } from './status.js';
import type { BatchItem, ItemKind, ItemSummary } from './types.js';

export interface BatchRunOptions {
  items: readonly BatchItem[];
  out: string;
  settings: BatchSettings;
  /** loads the model the first time an item needs it (a shard with nothing to do loads nothing) */
  model: () => Promise<{ model: LoadedModel; sha: string | null }>;
  signal: AbortSignal;
  onItem?: (e: ItemEvent) => void;
  /** test hook: runs an item instead of the pipelines */
  runItem?: (item: BatchItem, dir: string, ctx: RunContext) => Promise<ItemSummary>;
}

export interface BatchRunResult {
  done: number;
  failed: number;
  skipped: number;
  /** set when the signal stopped the run (the item it interrupted has no status) */
  stopped: boolean;
  /** over the items done in this run (skipped ones are not read again): their iterative maps, those that ended at their limit, and the items with any such map */
  solves: { maps: number; atLimit: number; items: number };
}

const RUNNERS: Record<ItemKind, (item: BatchItem, dir: string, ctx: RunContext) => Promise<ItemSummary>> = {
  video: runVideo,
  image: runImage,
  volume: runVolume,
};

function defaultRun(item: BatchItem, dir: string, ctx: RunContext): Promise<ItemSummary> {
  if (!item.kind) throw new Error(`${item.path}: not a video, image or scan (unknown extension and content)`);
  return RUNNERS[item.kind](item, dir, ctx);
}

/** One line, naming the item's file when the message does not already. */
export function oneLineError(e: unknown, item: BatchItem): string {
  const msg = ((e as Error)?.message ?? String(e)).split('\n')[0]!.trim() || 'failed';
  return msg.includes(item.path) || msg.includes(item.rel) ? msg : `${item.rel}: ${msg}`;
}

export async function runBatch(o: BatchRunOptions): Promise<BatchRunResult> {
  const r: BatchRunResult = { done: 0, failed: 0, skipped: 0, stopped: false, solves: { maps: 0, atLimit: 0, items: 0 } };
  const run = o.runItem ?? defaultRun;
  let workedS = 0;
  let worked = 0;
  for (let i = 0; i < o.items.length; i++) {
    if (o.signal.aborted) {
      r.stopped = true;
      break;
    }
    const item = o.items[i]!;
    const dir = path.join(o.out, item.id);
    const hash = hashForKind(o.settings, item.kind);
    const event = (status: ItemEvent['status'], seconds: number, units: number | null, error: string | null, atLimit: number | null = null): void =>
      o.onItem?.({ index: i + 1, total: o.items.length, id: item.id, rel: item.rel, kind: item.kind, status, seconds, units, error, etaS: etaSeconds(workedS, worked, o.items.length - i - 1), atLimit });
    if (isFinished(await readStatus(dir), hash)) {
      r.skipped++;
      event('skipped', 0, null, null);
      continue;
    }
    const startedAt = new Date().toISOString();
    const t0 = performance.now();
    // A model that does not load is the run's failure, not each item's: it propagates.
    const m = await o.model();
    let summary: ItemSummary | null = null;
    let error: string | null = null;
    try {
      await mkdir(dir, { recursive: true });
      summary = await run(item, dir, { model: m.model, modelSha: m.sha, settings: o.settings, signal: o.signal });
      o.signal.throwIfAborted();
      await writeSummary(dir, summary);
    } catch (e) {
      if (o.signal.aborted || e instanceof ItemStopped) {
        r.stopped = true;
        break;
      }
      error = oneLineError(e, item);
    }
    const seconds = Math.round((performance.now() - t0) / 10) / 100;
    await writeStatus(dir, { status: error ? 'failed' : 'done', error, settingsHash: hash, modelSha: m.sha, startedAt, seconds, rel: item.rel, kind: item.kind });
    if (!error) await dropItemCache(dir);
    workedS += seconds;
    worked++;
    if (error) r.failed++;
    else r.done++;
    const solves = error ? null : summary?.solves;
    if (solves) {
      r.solves.maps += solves.warm + solves.cold;
      r.solves.atLimit += solves.atLimit ?? 0;
      if (solves.atLimit) r.solves.items++;
    }
    event(error ? 'failed' : 'done', seconds, summary?.units ?? null, error, solves ? (solves.atLimit ?? 0) : null);
  }
  return r;
}
