// An output folder that cannot take files (a full disk, a read-only mount): status.json's write is
// made to fail (the file system's own error, as writeFileAtomic passes it on), and the run must stop
// with one line naming the file, as an environment error (UsageError: exit 2), with no empty item
// folder left behind.
import { describe, it, expect, vi, beforeEach, afterEach } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runBatch } from '../../src/batch/runBatch.js';
import type { BatchSettings } from '../../src/batch/settings.js';
import { UsageError } from '../../src/engine/targets.js';
import type { BatchItem } from '../../src/batch/types.js';
import type { LoadedModel } from '../../src/models/loadModel.js';

const failing = vi.hoisted(() => ({ code: null as string | null }));
vi.mock('../../src/fs/writeFileAtomic.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/fs/writeFileAtomic.js')>();
  return {
    writeFileAtomic: async (file: string, data: string | Uint8Array, mode?: number) => {
      if (failing.code && file.endsWith('status.json')) throw Object.assign(new Error(`${failing.code}: no space left on device, write`), { code: failing.code });
      return real.writeFileAtomic(file, data, mode);
    },
  };
});

const settings: BatchSettings = {
  model: {}, methods: ['l2caf'], classes: [], preset: 'converged', solver: 'auto', constraint: 'l2', warmStart: true,
  video: { stride: 1, eval: null, export: null, colormap: 'jet', opacity: 0.5, workers: 0 },
  volume: { weight: true }, image: { colormap: 'jet', opacity: 0.5 },
};

let out: string;
beforeEach(() => {
  out = mkdtempSync(path.join(os.tmpdir(), 'l2caf-full-'));
});
afterEach(() => {
  failing.code = null;
  rmSync(out, { recursive: true, force: true });
});

const run = (ran: string[]) => {
  const items: BatchItem[] = ['a.png', 'b.png'].map((rel, i) => ({ id: `${rel}-0000000${i}`, rel, path: path.join(out, rel), kind: 'image' }));
  return runBatch({
    items,
    out,
    settings,
    model: async () => ({ model: {} as LoadedModel, sha: null }),
    signal: new AbortController().signal,
    claimant: { host: 'here', pid: 1, isAlive: () => true },
    runItem: async (item) => {
      ran.push(item.rel);
      // the item's own write failed too: its error names the item, but it cannot be recorded
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    },
  });
};

describe('runBatch: an output folder that cannot be written', () => {
  it('ENOSPC on status.json stops the run: one line naming the file, exit 2, no empty item folder', async () => {
    failing.code = 'ENOSPC';
    const ran: string[] = [];
    const e = await run(ran).then(() => null, (x: unknown) => x);
    expect(e).toBeInstanceOf(UsageError);
    expect((e as Error).message).toBe(`${path.join(out, 'a.png-00000000', 'status.json')}: cannot write (ENOSPC): the output folder is full or read-only; the run stopped`);
    expect(ran).toEqual(['a.png']);
    expect(readdirSync(out)).toEqual([]);
  });

  it('another write error still names the file, but is no usage error (exit 1)', async () => {
    failing.code = 'EIO';
    const e = await run([]).then(() => null, (x: unknown) => x);
    expect(e).not.toBeInstanceOf(UsageError);
    expect((e as Error).message).toBe(`${path.join(out, 'a.png-00000000', 'status.json')}: cannot write (EIO)`);
  });

  it('with status.json writable, the ENOSPC of an item is its failure, naming it', async () => {
    const r = await run([]);
    expect(r).toMatchObject({ failed: 2 });
    expect(existsSync(path.join(out, 'a.png-00000000', 'status.json'))).toBe(true);
  });
});
