// runBatch through its runItem hook (no model, no pipelines): what a rerun skips (settings, model
// weights, a readable summary), what a redo removes first, and two runs on one output folder at
// once (item claims).
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runBatch, type BatchRunOptions } from '../../src/batch/runBatch.js';
import { CLAIM_FILE, CLAIM_STALE_MS, type Claimant } from '../../src/batch/claim.js';
import { processAlive } from '../../src/fs/processAlive.js';
import type { BatchSettings } from '../../src/batch/settings.js';
import type { ItemEvent } from '../../src/batch/progress.js';
import { writeStatus, writeSummary } from '../../src/batch/status.js';
import type { BatchItem, ItemSummary } from '../../src/batch/types.js';
import type { RunContext } from '../../src/batch/runners.js';
import type { LoadedModel } from '../../src/models/loadModel.js';
import { hashForKind } from '../../src/batch/settings.js';

const settings: BatchSettings = {
  model: {}, methods: ['l2caf'], classes: [], preset: 'converged', solver: 'auto', constraint: 'l2', warmStart: true,
  video: { stride: 1, eval: null, export: null, colormap: 'jet', opacity: 0.5, workers: 0 },
  volume: { weight: true }, image: { colormap: 'jet', opacity: 0.5 },
};
const viridis: BatchSettings = { ...settings, image: { colormap: 'viridis', opacity: 0.5 } };

const summary = (): ItemSummary => ({ kind: 'image', units: 1, fps: null, meanIterations: null, meanFlicker: null, top: null, eval: null, files: ['overlay.png'], thumb: null, series: [] });
const me = (pid: number, alive: (pid: number) => boolean = () => true): Claimant => ({ host: 'here', pid, isAlive: alive });

let out: string;
let items: BatchItem[];
const dirOf = (i: number) => path.join(out, items[i]!.id);
const statusOf = (i: number) => {
  const f = path.join(dirOf(i), 'status.json');
  return existsSync(f) ? JSON.parse(readFileSync(f, 'utf8')) : null;
};

/** A run whose items write an overlay; `ran` hears of each item run. */
function options(over: Partial<BatchRunOptions> & { ran?: string[]; sha?: string | null } = {}): BatchRunOptions {
  const { ran, sha = 's1', ...rest } = over;
  return {
    items,
    out,
    settings,
    model: async () => ({ model: {} as LoadedModel, sha }),
    signal: new AbortController().signal,
    claimant: me(1),
    runItem: async (item, dir) => {
      ran?.push(item.id);
      writeFileSync(path.join(dir, 'overlay.png'), 'png');
      return summary();
    },
    ...rest,
  };
}

beforeEach(() => {
  out = mkdtempSync(path.join(os.tmpdir(), 'l2caf-runbatch-'));
  items = ['a.png', 'b.png', 'c.png', 'd.png'].map((rel, i) => ({ id: `${rel}-0000000${i}`, rel, path: path.join(out, rel), kind: 'image' }));
});
afterEach(() => rmSync(out, { recursive: true, force: true }));

describe('runBatch: what a rerun skips and what a redo removes', () => {
  it('a redo under other settings stopped midway leaves no status.json or summary.json of the earlier run', async () => {
    items = items.slice(0, 1);
    await runBatch(options());
    expect(statusOf(0)).toMatchObject({ status: 'done' });
    const stop = new AbortController();
    const r = await runBatch(
      options({
        settings: viridis,
        signal: stop.signal,
        runItem: async (_item, dir) => {
          writeFileSync(path.join(dir, 'overlay.png'), 'half a viridis png');
          stop.abort();
          throw new Error('stopped');
        },
      }),
    );
    expect(r.stopped).toBe(true);
    expect(readdirSync(dirOf(0)).sort()).toEqual(['overlay.png']);
    // the original settings do not take the half-written overlay for theirs
    const ran: string[] = [];
    expect(await runBatch(options({ ran }))).toMatchObject({ done: 1, skipped: 0 });
    expect(ran).toEqual([items[0]!.id]);
  });

  it('replaced model weights redo done items; the sha is asked only for done items, and with all done no model is loaded', async () => {
    const asked: string[] = [];
    const modelSha = async () => {
      asked.push('sha');
      return 's1';
    };
    await runBatch(options({ modelSha }));
    expect(asked).toEqual([]); // nothing was done before: nothing to compare
    const noModel = async (): Promise<never> => {
      throw new Error('loaded a model with nothing to do');
    };
    expect(await runBatch(options({ modelSha, model: noModel }))).toMatchObject({ skipped: 4, done: 0 });
    expect(asked).toHaveLength(4);
    const ran: string[] = [];
    expect(await runBatch(options({ ran, modelSha: async () => 's2', sha: 's2' }))).toMatchObject({ done: 4, skipped: 0 });
    expect(ran).toHaveLength(4);
    expect(statusOf(0)).toMatchObject({ status: 'done', modelSha: 's2' });
    // without a separate sha, the loaded model's is compared (null on both sides: the same)
    await runBatch(options({ sha: null }));
    expect(await runBatch(options({ sha: null }))).toMatchObject({ skipped: 4 });
  });

  it('a redo removes the result files of the earlier run it did not write again; a failed redo leaves none; other files stay', async () => {
    items = items.slice(0, 1);
    await runBatch(options({
      runItem: async (_item, dir) => {
        for (const f of ['timeline.json', 'timeline.csv', 'annotated.mp4', 'attention-x.nii.gz', 'attention-y-l2caf-class-285.nii.gz']) writeFileSync(path.join(dir, f), 'x');
        return { ...summary(), files: ['timeline.json', 'timeline.csv', 'annotated.mp4', 'attention-x.nii.gz', 'attention-y-l2caf-class-285.nii.gz'] };
      },
    }));
    writeFileSync(path.join(dirOf(0), 'my-notes.txt'), 'mine');
    await runBatch(options({
      settings: viridis,
      runItem: async (_item, dir) => {
        for (const f of ['timeline.json', 'timeline.csv', 'annotated.gif']) writeFileSync(path.join(dir, f), 'y');
        return { ...summary(), files: ['timeline.json', 'timeline.csv', 'annotated.gif'] };
      },
    }));
    expect(readdirSync(dirOf(0)).sort()).toEqual(['annotated.gif', 'my-notes.txt', 'status.json', 'summary.json', 'timeline.csv', 'timeline.json']);
    await runBatch(options({
      runItem: async () => {
        throw new Error('the clip is gone');
      },
    }));
    expect(statusOf(0)).toMatchObject({ status: 'failed' });
    expect(readdirSync(dirOf(0)).sort()).toEqual(['my-notes.txt', 'status.json']);
  });

  it('a model that fails to load (a --class it lacks) ends the run before a redone item loses its status', async () => {
    items = items.slice(0, 1);
    await runBatch(options());
    const before = statusOf(0);
    const refused = async (): Promise<never> => {
      throw new Error('darknet-tiny: class index 5000 is out of range');
    };
    await expect(runBatch(options({ settings: viridis, model: refused }))).rejects.toThrow(/class index 5000/);
    expect(statusOf(0)).toEqual(before);
    expect(readdirSync(dirOf(0)).sort()).toEqual(['overlay.png', 'status.json', 'summary.json']);
  });

  it('a done item whose summary.json is missing or not valid JSON is redone', async () => {
    await runBatch(options());
    rmSync(path.join(dirOf(1), 'summary.json'));
    writeFileSync(path.join(dirOf(2), 'summary.json'), '{"kind":"im');
    const ran: string[] = [];
    expect(await runBatch(options({ ran }))).toMatchObject({ done: 2, skipped: 2 });
    expect(ran).toEqual([items[1]!.id, items[2]!.id]);
  });
});

describe('runBatch: two runs on one output folder', () => {
  it('run at once, they do each item exactly once (each claimed while it runs, no claim left)', async () => {
    items = Array.from({ length: 8 }, (_, i) => ({ id: `x${i}.png-0000000${i}`, rel: `x${i}.png`, path: path.join(out, `x${i}.png`), kind: 'image' as const }));
    const ran: string[] = [];
    const claims: string[] = [];
    const slow = (pid: number): BatchRunOptions['runItem'] => async (item, dir) => {
      claims.push(JSON.parse(readFileSync(path.join(dir, CLAIM_FILE), 'utf8')).pid === pid ? 'mine' : 'theirs');
      ran.push(item.id);
      await new Promise((res) => setTimeout(res, 15));
      return summary();
    };
    const events: ItemEvent[] = [];
    const [a, b] = await Promise.all([
      runBatch(options({ claimant: me(1), runItem: slow(1), onItem: (e) => events.push(e) })),
      runBatch(options({ claimant: me(2), runItem: slow(2) })),
    ]);
    expect([...ran].sort()).toEqual(items.map((i) => i.id));
    expect(a.done + b.done).toBe(8);
    expect(a.done).toBeGreaterThan(0);
    expect(b.done).toBeGreaterThan(0);
    expect(a.failed + b.failed).toBe(0);
    expect(a.claimed + a.skipped).toBe(8 - a.done);
    expect(claims.every((c) => c === 'mine')).toBe(true);
    expect(events.find((e) => e.status === 'claimed')?.heldBy).toMatch(/^here pid 2 since \d{4}-/);
    for (const it of items) expect(existsSync(path.join(out, it.id, CLAIM_FILE))).toBe(false);
  });

  it('a claim of a dead process on this host, or untouched for 5 minutes, is taken over; a live one is left', async () => {
    items = items.slice(0, 3);
    const claim = (i: number, owner: object, ageMs = 0) => {
      mkdirSync(dirOf(i), { recursive: true });
      const f = path.join(dirOf(i), CLAIM_FILE);
      writeFileSync(f, JSON.stringify(owner));
      const t = new Date(Date.now() - ageMs);
      utimesSync(f, t, t);
    };
    claim(0, { host: 'here', pid: 99, startedAt: '2026-01-01T00:00:00Z' });
    claim(1, { host: 'elsewhere', pid: 5, startedAt: '2026-01-01T00:00:00Z' }, CLAIM_STALE_MS + 60_000);
    claim(2, { host: 'elsewhere', pid: 5, startedAt: '2026-01-01T00:00:00Z' }, 60_000);
    const events: ItemEvent[] = [];
    const r = await runBatch(options({ claimant: me(1, (pid) => pid !== 99), onItem: (e) => events.push(e) }));
    expect(r).toMatchObject({ done: 2, claimed: 1 });
    expect(events.map((e) => e.status)).toEqual(['done', 'done', 'claimed']);
    expect(events[2]!.heldBy).toBe('elsewhere pid 5 since 2026-01-01T00:00:00Z');
    expect(statusOf(2)).toBeNull();
    // the live claim is not removed by the run that left the item
    expect(existsSync(path.join(dirOf(2), CLAIM_FILE))).toBe(true);
  });

  it('an item finished by another run between our look and our claim is not run again', async () => {
    items = items.slice(0, 1);
    mkdirSync(dirOf(0), { recursive: true });
    writeFileSync(path.join(dirOf(0), CLAIM_FILE), JSON.stringify({ host: 'here', pid: 99, startedAt: '' }));
    const ran: string[] = [];
    const r = await runBatch(
      options({
        ran,
        // asked while claiming (after the first look): the other run ends the item just then
        claimant: me(1, () => {
          const status = { status: 'done', error: null, settingsHash: hashForKind(settings, 'image'), modelSha: 's1', startedAt: 'then', seconds: 1, rel: 'a.png', kind: 'image' };
          writeFileSync(path.join(dirOf(0), 'summary.json'), JSON.stringify(summary()));
          writeFileSync(path.join(dirOf(0), 'status.json'), JSON.stringify(status));
          return false;
        }),
      }),
    );
    expect(r).toMatchObject({ done: 0, skipped: 1 });
    expect(ran).toEqual([]);
  });

  it('a failure does not overwrite the "done" another run wrote meanwhile', async () => {
    items = items.slice(0, 1);
    const r = await runBatch(
      options({
        runItem: async (item, dir) => {
          // the other run (which took the item over) finishes it, then ours fails on its deleted cache
          await writeSummary(dir, summary());
          await writeStatus(dir, { status: 'done', error: null, settingsHash: hashForKind(settings, 'image'), modelSha: 's1', startedAt: 'then', seconds: 1, rel: item.rel, kind: 'image' });
          throw new Error('ENOENT: no such file or directory, open .cache/k.partial.jsonl');
        },
      }),
    );
    expect(r).toMatchObject({ failed: 0, skipped: 1 });
    expect(statusOf(0)).toMatchObject({ status: 'done', startedAt: 'then' });
  });

  it('this process is alive; a pid that does not exist is not', () => {
    expect(processAlive(process.pid)).toBe(true);
    expect(processAlive(2 ** 22 + 12345)).toBe(false);
  });
});

describe('runBatch with --workers: images several at once, clips and scans alone', () => {
  const withWorkers: BatchSettings = { ...settings, video: { ...settings.video, workers: 2 } };
  /** a fake pool: what runItem hands images, and whether it was closed */
  const fakeImages = () => {
    const pool = { broken: false, closed: 0, frames: null, analyzeImage: async () => { throw new Error('not used'); }, close: async () => void pool.closed++ };
    return pool;
  };
  /** A model whose layer has this shape (rank 3: a 2-D layer, whose scans run slice by slice; rank 4: 3-D), splits counted. */
  const modelAt = (layerShape: number[]) => {
    const splits = { made: 0, disposed: 0 };
    const model = { split: () => (splits.made++, { layerShape, dispose: () => void splits.disposed++ }) } as unknown as LoadedModel;
    return { splits, load: async () => ({ model, sha: 's1' }) };
  };
  /** A run with --workers whose every opening makes a new fake pool; the pools, all kept, with its result. */
  const runOnNewPools = async (runItem: BatchRunOptions['runItem'], layerShape = [7, 7, 8]) => {
    const pools: ReturnType<typeof fakeImages>[] = [];
    const { splits, load } = modelAt(layerShape);
    const r = await runBatch(options({ settings: withWorkers, model: load, openWorkers: async () => (pools.push(fakeImages()), pools.at(-1)!), runItem }));
    return { r, pools, splits };
  };
  /** the pool an item ran on, as the tests mark it */
  const poolOf = (ctx: RunContext) => ctx.workers as unknown as { broken: boolean };
  /** items of these kinds; runItem takes `ms` and logs what ran alongside */
  const timed = (kinds: BatchItem['kind'][]) => {
    items = kinds.map((kind, i) => ({ id: `item${i}-0000000${i}`, rel: `item${i}`, path: path.join(out, `item${i}`), kind }));
    const live = new Set<string>();
    const log: { id: string; alongside: string[]; pooled: boolean }[] = [];
    const runItem: BatchRunOptions['runItem'] = async (item, dir, ctx) => {
      log.push({ id: item.id, alongside: [...live], pooled: ctx.workers !== undefined });
      live.add(item.id);
      await new Promise((r) => setTimeout(r, 30));
      live.delete(item.id);
      writeFileSync(path.join(dir, 'overlay.png'), 'png');
      return summary();
    };
    return { log, runItem };
  };

  it('overlaps images up to the pool\'s slots; a clip waits for them and runs alone on the same pool; every item done; the pool closed once', async () => {
    const { log, runItem } = timed(['image', 'image', 'image', 'image', 'image', 'image', 'video', 'image', 'image']);
    const pool = fakeImages();
    let opened = 0;
    const events: ItemEvent[] = [];
    const r = await runBatch(options({ settings: withWorkers, runItem, openWorkers: async () => (opened++, pool), onItem: (e) => events.push(e) }));
    expect(r).toMatchObject({ done: 9, failed: 0, stopped: false });
    const most = Math.max(...log.map((l) => l.alongside.length + 1));
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(4);
    const video = log.find((l) => l.id.startsWith('item6'))!;
    expect(video.alongside).toEqual([]);
    // one pool for the run: the images before and after the clip, and the clip's frames; closed at the end
    expect(video.pooled).toBe(true);
    expect(opened).toBe(1);
    expect(pool.closed).toBe(1);
    // the images after the clip started after it ended
    for (const l of log.filter((x) => x.id.startsWith('item7') || x.id.startsWith('item8'))) expect(l.alongside).not.toContain(video.id);
    expect(log.every((l) => l.pooled)).toBe(true);
    expect(items.every((_, i) => statusOf(i)?.status === 'done')).toBe(true);
    // one event per item, counted as they finish (the index says which item); the last says nothing is left
    expect(events.map((e) => e.finished)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(events.map((e) => e.index).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(events.at(-1)!.etaS).toBe(0);
  });

  it('without --workers one item at a time and no pool', async () => {
    const { log, runItem } = timed(['image', 'image', 'image']);
    let opened = 0;
    await runBatch(options({ runItem, openWorkers: async () => (opened++, fakeImages()) }));
    expect(log.every((l) => l.alongside.length === 0 && !l.pooled)).toBe(true);
    expect(opened).toBe(0);
  });

  it('workers that do not start end the run with their error, and no item after it starts', async () => {
    const { log, runItem } = timed(['image', 'image', 'image', 'image', 'image', 'image']);
    await expect(runBatch(options({ settings: withWorkers, runItem, openWorkers: async () => { throw new Error('worker 0: cannot load the model'); } }))).rejects.toThrow(/cannot load the model/);
    expect(log).toEqual([]);
    expect(items.every((_, i) => statusOf(i) === null)).toBe(true);
  });

  it('a worker that dies fails its image; the broken pool is let go and the next images get another', async () => {
    const { runItem } = timed(['image', 'image', 'image', 'image', 'image', 'image', 'image', 'image']);
    const { r, pools } = await runOnNewPools(async (item, dir, ctx) => {
      if (item.id.startsWith('item1-')) {
        poolOf(ctx).broken = true;
        throw new Error('backbone worker 0 stopped unexpectedly (out of memory)');
      }
      // the other images in flight on the broken pool fail with it
      if (poolOf(ctx).broken) throw new Error('backbone worker 0 stopped unexpectedly (out of memory)');
      return runItem!(item, dir, ctx);
    });
    expect(pools.length).toBe(2);
    expect(pools.every((p) => p.closed === 1)).toBe(true);
    expect(r.failed).toBeGreaterThanOrEqual(1);
    expect(r.failed).toBeLessThanOrEqual(4);
    expect(r.done + r.failed).toBe(8);
    // the images after the pool broke ran on the new one
    expect(statusOf(7)!.status).toBe('done');
  });

  it('a scan runs alone on the run\'s pool, as a clip does; a pool that died while idle is replaced before the next item', async () => {
    const { log, runItem } = timed(['image', 'volume', 'image', 'video']);
    const { r, pools } = await runOnNewPools(async (item, dir, ctx) => {
      const out = await runItem!(item, dir, ctx);
      // the pool dies after the image after the scan, while idle
      if (item.id.startsWith('item2-')) poolOf(ctx).broken = true;
      return out;
    });
    expect(r.done).toBe(4);
    expect(log.map((l) => l.pooled)).toEqual([true, true, true, true]);
    expect(log[1]!.alongside).toEqual([]);
    // image, scan, image: pool 1, which dies after the image; the clip: pool 2
    expect(pools.length).toBe(2);
    expect(pools.every((p) => p.closed === 1)).toBe(true);
  });

  it('scans at a 3-D layer run in this thread, without the workers (the layer asked once); the image after them opens the pool', async () => {
    const { log, runItem } = timed(['volume', 'volume', 'image']);
    const { r, pools, splits } = await runOnNewPools(runItem, [4, 7, 7, 8]);
    expect(r.done).toBe(3);
    expect(log.map((l) => l.pooled)).toEqual([false, false, true]);
    expect(pools.length).toBe(1);
    expect(splits).toEqual({ made: 1, disposed: 1 });
    // (the one pool is the image's, opened after both scans)
    expect(log[2]!.alongside).toEqual([]);
  });

  it('a stop while the image workers start is a stop (no error out of the run), and nothing runs', async () => {
    const { log, runItem } = timed(['image', 'image', 'image']);
    const stop = new AbortController();
    const r = await runBatch(
      options({
        settings: withWorkers,
        signal: stop.signal,
        runItem,
        openWorkers: async () => {
          stop.abort();
          const e = new Error('backbone pool cancelled');
          e.name = 'AbortError';
          throw e;
        },
      }),
    );
    expect(r.stopped).toBe(true);
    expect(log).toEqual([]);
    expect(items.every((_, i) => statusOf(i) === null)).toBe(true);
  });

  it('a stop while images run: those in flight end without status, no new one starts, the pool is closed', async () => {
    const { runItem } = timed(['image', 'image', 'image', 'image', 'image', 'image', 'image', 'image']);
    const stop = new AbortController();
    const pool = fakeImages();
    let started = 0;
    const r = await runBatch(
      options({
        settings: withWorkers,
        signal: stop.signal,
        openWorkers: async () => pool,
        runItem: async (item, dir, ctx) => {
          started++;
          if (started === 3) stop.abort();
          await new Promise((res) => setTimeout(res, 20));
          if (ctx.signal.aborted) throw new Error('stopped');
          return runItem!(item, dir, ctx);
        },
      }),
    );
    expect(r.stopped).toBe(true);
    expect(started).toBeLessThanOrEqual(4);
    expect(pool.closed).toBe(1);
    // nothing stopped was recorded as failed
    expect(items.map((_, i) => statusOf(i)?.status ?? null).filter((s) => s === 'failed')).toEqual([]);
  });
});
