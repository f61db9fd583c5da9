// A shard's items in order (with --workers, on one pool of worker threads: images several at once,
// clips and scans one at a time): skip what is done under the same settings and model, run the
// rest, record each outcome in its folder's status.json (written last, atomically), go on after a
// failure, stop at the run's signal without writing a status for the items it interrupted. Each
// item is claimed (claim.ts) while it runs, so two runs on one output folder never do the same item.
import { rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../engine/targets.js';
import type { LoadedModel } from '../models/loadModel.js';
import { IMAGES_PER_WORKER, openBatchWorkers, scansUseWorkers, type BatchWorkers } from './batchWorkers.js';
import { CLAIM_FILE, claimItem, ownerWords, thisProcess, type Claimant } from './claim.js';
import { etaSeconds, shareDone, type ItemEvent } from './progress.js';
import { dropItemCache, dropStaleOutputs, ItemStopped, runImage, runVideo, runVolume, type RunContext } from './runners.js';
import { hashForKind, type BatchSettings } from './settings.js';
import { isFinished, readStatus, readSummary, STATUS_FILE, SUMMARY_FILE, writeStatus, writeSummary } from './status.js';
import type { BatchItem, ItemKind, ItemSummary } from './types.js';
import { makeDirs } from '../fs/makeDirs.js';

export interface BatchRunOptions {
  items: readonly BatchItem[];
  out: string;
  settings: BatchSettings;
  /** loads the model the first time an item needs it (a shard with nothing to do loads nothing) */
  model: () => Promise<{ model: LoadedModel; sha: string | null }>;
  /**
   * The model files' sha without loading the model, asked only when an item's status says done
   * (a done item is skipped only under the same weights). Absent: the loaded model's sha.
   */
  modelSha?: () => Promise<string | null>;
  signal: AbortSignal;
  onItem?: (e: ItemEvent) => void;
  /** who claims items (default this process); tests give two runs of one process different ones */
  claimant?: Claimant;
  /** test hook: runs an item instead of the pipelines */
  runItem?: (item: BatchItem, dir: string, ctx: RunContext) => Promise<ItemSummary>;
  /** test hook: opens the run's workers (--workers > 0) instead of a pool of threads */
  openWorkers?: typeof openBatchWorkers;
}

export interface BatchRunResult {
  done: number;
  failed: number;
  skipped: number;
  /** left to another run working on the same output folder (its claim is live) */
  claimed: number;
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

/** Errors that say the output folder cannot take files at all: no item can succeed, so the run stops. */
const UNWRITABLE = new Set(['ENOSPC', 'EROFS', 'EACCES', 'EPERM', 'EDQUOT']);

/**
 * The run's own writes (item folder, claim, status.json) failing: one line naming the file. When
 * the folder is full or read-only it is the environment's fault, exit 2 like bad usage (UsageError),
 * not an item's failure.
 */
export function outputError(e: unknown, file: string): Error {
  const code = (e as NodeJS.ErrnoException).code;
  const why = `${file}: cannot write (${code ?? (e as Error).message})`;
  return code && UNWRITABLE.has(code) ? new UsageError(`${why}: the output folder is full or read-only; the run stopped`) : new Error(why);
}

async function writing<T>(file: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw outputError(e, file);
  }
}

/**
 * Whether a rerun may skip the item: done under these settings and these model weights, with a
 * summary the report can read (a damaged one is redone). The sha is asked last, and only here.
 */
async function doneBefore(dir: string, hash: string, sha: () => Promise<string | null>): Promise<boolean> {
  const s = await readStatus(dir);
  if (!s || s.status !== 'done' || s.settingsHash !== hash || !(await readSummary(dir))) return false;
  return isFinished(s, hash, await sha());
}

export async function runBatch(o: BatchRunOptions): Promise<BatchRunResult> {
  const r: BatchRunResult = { done: 0, failed: 0, skipped: 0, claimed: 0, stopped: false, solves: { maps: 0, atLimit: 0, items: 0 } };
  const run = o.runItem ?? defaultRun;
  const sha = o.modelSha ?? (async () => (await o.model()).sha);
  const me = o.claimant ?? thisProcess();
  // With --workers, one pool of worker threads for the run (batchWorkers.ts): images run on it
  // several at once; clips and scans one at a time, on it too.
  // (A runItem hook stands in for the pipelines, the pool included, unless a test gives one too.)
  const workers = o.settings.video.workers;
  const open = o.openWorkers ?? (o.runItem ? null : openBatchWorkers);
  const pooled = workers > 0 && open !== null;
  const slots = pooled ? workers * IMAGES_PER_WORKER : 1;
  let shared: Promise<BatchWorkers> | null = null;
  /** whether scans run on the pool (their layer is 2-D), once known */
  let scansPooled: boolean | undefined;
  const openWorkers = async (model: LoadedModel): Promise<BatchWorkers> => {
    const pool = await (shared ??= open!(model, o.settings, workers, o.signal));
    if (!pool.broken) return pool;
    // (it died while idle: not this item's fault)
    await dropBroken(pool);
    return (shared ??= open!(model, o.settings, workers, o.signal));
  };
  /** Closes the run's pool, if any (at the run's end). */
  const closeShared = async (): Promise<void> => {
    const was = shared as Promise<BatchWorkers> | null;
    shared = null;
    // (a pool that failed to open rejected its items: nothing to close then)
    await (await was?.catch(() => null))?.close();
  };
  /** A broken pool is let go (once, by the first of its items to fail) and the next item opens another. */
  const dropBroken = async (pool: BatchWorkers): Promise<void> => {
    const current = shared;
    if (current && (await current.catch(() => null)) === pool && shared === current) {
      shared = null;
      await pool.close();
    }
  };
  // The ETA: the wall time since the first item worked on began, over the items worked on, times
  // the items left (with images in parallel a sum of their own times would count it twice), the
  // items in flight counted by the share of a mean item's time they have run (progress.ts).
  let firstStart: number | null = null;
  let worked = 0;
  let finished = 0;
  // (the items worked on: their own seconds; the ones running: when they began)
  let workedSeconds = 0;
  const runningSince = new Map<number, number>();
  const eta = (): number | null => {
    const left = o.items.length - finished;
    if (firstStart === null) return etaSeconds(0, 0, left);
    const now = performance.now();
    const mean = worked ? workedSeconds / worked : 0;
    const shares = [...runningSince.values()].map((t) => shareDone((now - t) / 1000, mean));
    return etaSeconds((now - firstStart) / 1000, worked, left, shares);
  };

  /** One item, start to status.json. Rejects only where the run must end (output unwritable, no model). */
  const processItem = async (i: number): Promise<void> => {
    const item = o.items[i]!;
    const dir = path.join(o.out, item.id);
    const hash = hashForKind(o.settings, item.kind);
    const event = (status: ItemEvent['status'], seconds: number, units: number | null, error: string | null, atLimit: number | null = null, heldBy?: string): void => {
      finished++;
      runningSince.delete(i);
      o.onItem?.({ index: i + 1, finished, total: o.items.length, id: item.id, rel: item.rel, kind: item.kind, status, seconds, units, error, etaS: eta(), atLimit, ...(heldBy ? { heldBy } : {}) });
    };
    if (await doneBefore(dir, hash, sha)) {
      r.skipped++;
      event('skipped', 0, null, null);
      return;
    }
    // An error out of the item (the output cannot be written, the model does not load) ends the run;
    // a full disk then leaves no empty item folder behind (rmdir removes only an empty one).
    const dropIfEmpty = (e: unknown): Promise<never> => rmdir(dir).catch(() => {}).then(() => Promise.reject(e));
    const c = await writing(dir, () => makeDirs(dir))
      .then(() => writing(path.join(dir, CLAIM_FILE), () => claimItem(dir, me)))
      .catch(dropIfEmpty);
    if ('heldBy' in c) {
      r.claimed++;
      event('claimed', 0, null, null, null, ownerWords(c.heldBy));
      return;
    }
    try {
      // another run may have finished it between our look and our claim
      if (await doneBefore(dir, hash, sha)) {
        r.skipped++;
        event('skipped', 0, null, null);
        return;
      }
      // A model (or the workers) that does not load is the run's failure, not each item's: it
      // propagates, before anything of the item is touched (a --class the model lacks, found as it
      // loads, must not cost a done item its status).
      const m = await o.model();
      // Redone: the earlier outcome goes first, or a stop midway would leave its "done" beside the
      // new partial outputs, and a rerun under the earlier settings would skip over wrong files.
      await writing(path.join(dir, STATUS_FILE), () => rm(path.join(dir, STATUS_FILE), { force: true }));
      await writing(path.join(dir, SUMMARY_FILE), () => rm(path.join(dir, SUMMARY_FILE), { force: true }));
      const startedAt = new Date().toISOString();
      const t0 = performance.now();
      firstStart ??= t0;
      runningSince.set(i, t0);
      let pool: BatchWorkers | undefined;
      // (a scan at a 3-D layer runs whole in this thread: no workers for it)
      if (pooled && (item.kind === 'image' || item.kind === 'video' || (item.kind === 'volume' && (scansPooled ??= scansUseWorkers(m.model, o.settings.layer))))) {
        // (the run ended meanwhile: no pool is opened for it)
        if (failure) return;
        try {
          pool = await openWorkers(m.model);
        } catch (e) {
          // stopped while the workers were starting: a stop, not a failure of the run
          if (o.signal.aborted) {
            r.stopped = true;
            return;
          }
          throw e;
        }
      }
      let summary: ItemSummary | null = null;
      let error: string | null = null;
      try {
        summary = await run(item, dir, { model: m.model, modelSha: m.sha, settings: o.settings, signal: o.signal, ...(pool ? { workers: pool } : {}) });
        o.signal.throwIfAborted();
        await writeSummary(dir, summary);
      } catch (e) {
        if (o.signal.aborted || e instanceof ItemStopped) {
          r.stopped = true;
          return;
        }
        error = oneLineError(e, item);
        // A worker died under it (out of memory, a crash): the pool would fail every later item.
        if (pool?.broken) await dropBroken(pool);
      }
      const seconds = Math.round((performance.now() - t0) / 10) / 100;
      // a run that took our claim over (it thought us dead) may have finished the item: keep its "done"
      if (error && (await doneBefore(dir, hash, async () => m.sha))) {
        r.skipped++;
        event('skipped', 0, null, null);
        return;
      }
      await writing(path.join(dir, STATUS_FILE), () =>
        writeStatus(dir, { status: error ? 'failed' : 'done', error, settingsHash: hash, modelSha: m.sha, startedAt, seconds, rel: item.rel, kind: item.kind }),
      );
      if (!error) await dropItemCache(dir);
      // (what an earlier run wrote and this one did not: the folder holds this outcome's files only)
      await writing(dir, () => dropStaleOutputs(dir, error ? [] : (summary?.files ?? [])));
      worked++;
      workedSeconds += seconds;
      if (error) r.failed++;
      else r.done++;
      const solves = error ? null : summary?.solves;
      if (solves) {
        r.solves.maps += solves.warm + solves.cold;
        r.solves.atLimit += solves.atLimit ?? 0;
        if (solves.atLimit) r.solves.items++;
      }
      event(error ? 'failed' : 'done', seconds, summary?.units ?? null, error, solves ? (solves.atLimit ?? 0) : null);
    } catch (e) {
      await c.claim.release().catch(() => {});
      return dropIfEmpty(e);
    } finally {
      // (an item that ended without an event: stopped, or the run's failure)
      runningSince.delete(i);
      await c.claim.release().catch(() => {});
    }
  };

  // Images go up to `slots` at once; any other item waits for them and runs alone. The first
  // error that ends the run stops new items; those in flight finish (or stop at the signal) first.
  const running = new Set<Promise<void>>();
  let failure: { e: unknown } | null = null;
  try {
    for (let i = 0; i < o.items.length; i++) {
      const parallel = slots > 1 && o.items[i]!.kind === 'image';
      if (!parallel) await Promise.all(running);
      while (running.size >= slots) await Promise.race(running);
      if (o.signal.aborted) r.stopped = true;
      if (r.stopped || failure) break;
      const p: Promise<void> = processItem(i)
        .catch((e: unknown) => {
          failure ??= { e };
        })
        .finally(() => running.delete(p));
      running.add(p);
      if (!parallel) await p;
    }
    await Promise.all(running);
  } finally {
    await closeShared();
  }
  if (failure) throw (failure as { e: unknown }).e;
  return r;
}
