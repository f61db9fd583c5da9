// VideoCache ownership: of two jobs on one cache key only one may write the partial file; the
// other computes as usual but its append/finish leave the cache alone. Ownership is per process
// (a map of held keys) and across processes (<key>.lock holding the pid, created exclusively); a
// lock whose process is gone is stale and taken over.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { VideoCache, parsePartial, type CachedFrame } from '../../src/video/videoCache.js';
import type { Timeline, TimelineFrame } from '../../src/video/types.js';

function entry(index: number): CachedFrame {
  const frame = { index, timeS: index / 10, width: 2, height: 1, values: [0, 1], maps: [] } as unknown as TimelineFrame;
  return { frame, params: { l2caf: [index, -index] } };
}

/** The pid of a process that has certainly exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '0']);
  expect(r.status).toBe(0);
  return r.pid!;
}

let root: string;
let n = 0;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'l2caf-vcache-'));
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

/** A fresh cache folder and key per test, so tests do not share held keys. */
function fresh(): { dir: string; key: string } {
  return { dir: path.join(root, `c${n}`), key: `k${n++}` };
}

describe('VideoCache ownership', () => {
  it('two jobs opening one key at once: exactly one owns it; the lock holds our pid', async () => {
    const { dir, key } = fresh();
    const jobs = Array.from({ length: 4 }, () => new VideoCache(dir));
    const owners = await Promise.all(jobs.map((c) => c.open(key, true)));
    expect(owners.filter(Boolean)).toHaveLength(1);
    const owner = jobs[owners.indexOf(true)]!;
    expect(owner.owns(key)).toBe(true);
    expect(await readFile(owner.lockPath(key), 'utf8')).toBe(String(process.pid));
    // The owner itself opening again is a second job on the key, not a second owner.
    expect(await owner.open(key, false)).toBe(false);
    await owner.release(key);
  });

  it('release() lets the next job own the key; it is idempotent and a non-owner\'s release changes nothing', async () => {
    const { dir, key } = fresh();
    const a = new VideoCache(dir);
    const b = new VideoCache(dir);
    expect(await a.open(key, true)).toBe(true);
    expect(await b.open(key, true)).toBe(false);
    await b.release(key); // not the owner: the lock stays
    expect(await readdir(dir)).toContain(`${key}.lock`);
    expect(await b.open(key, false)).toBe(false);
    await a.release(key);
    await a.release(key);
    expect(await readdir(dir)).not.toContain(`${key}.lock`);
    expect(await b.open(key, false)).toBe(true);
    expect(a.owns(key)).toBe(false);
    await b.release(key);
  });

  it("a non-owner's append, finish and fresh open leave the owner's files alone", async () => {
    const { dir, key } = fresh();
    const owner = new VideoCache(dir);
    const other = new VideoCache(dir);
    expect(await owner.open(key, true)).toBe(true);
    await owner.append(key, entry(0));
    await owner.append(key, entry(4));
    const before = await readFile(owner.partialPath(key), 'utf8');
    expect(await other.open(key, true)).toBe(false); // fresh, but not the owner: nothing removed
    await other.append(key, entry(1));
    await other.append(key, entry(8));
    await other.finish(key, { frames: [entry(1).frame] } as unknown as Timeline);
    expect(await readFile(owner.partialPath(key), 'utf8')).toBe(before);
    expect(parsePartial(before).map((c) => c.frame.index)).toEqual([0, 4]);
    expect(await readdir(dir)).not.toContain(`${key}.json`);
    // The owner's finish stores the timeline, drops the partial file and releases the key.
    const timeline = { video: { path: 'clip.mp4' }, frames: [entry(0).frame, entry(4).frame] } as unknown as Timeline;
    await owner.finish(key, timeline);
    expect((await owner.readFinished(key))?.frames.map((f) => f.index)).toEqual([0, 4]);
    expect((await readdir(dir)).sort()).toEqual([`${key}.json`]);
    expect(await other.open(key, false)).toBe(true);
    await other.release(key);
  });

  it('a lock left by a process that has exited is stale and taken over', async () => {
    const { dir, key } = fresh();
    const c = new VideoCache(dir);
    await c.open(key, true); // creates the folder
    await c.release(key);
    await writeFile(c.partialPath(key), JSON.stringify(entry(0)) + '\n');
    const pid = deadPid();
    await writeFile(c.lockPath(key), String(pid));
    expect(await c.open(key, false)).toBe(true);
    expect(await readFile(c.lockPath(key), 'utf8')).toBe(String(process.pid));
    // Not fresh: the dead job's frames are kept for the resume, and appending continues them.
    await c.append(key, entry(3));
    expect((await c.readPartial(key)).map((e) => e.frame.index)).toEqual([0, 3]);
    expect((await readdir(dir)).filter((f) => f.includes('stale'))).toEqual([]);
    await c.release(key);
  });

  it('a lock held by a running process is respected until that process is gone', async () => {
    const { dir, key } = fresh();
    const c = new VideoCache(dir);
    await c.open(key, true);
    await c.release(key);
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await writeFile(c.lockPath(key), String(child.pid));
      expect(await c.open(key, true)).toBe(false);
      expect(await readFile(c.lockPath(key), 'utf8')).toBe(String(child.pid));
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    expect(await c.open(key, true)).toBe(true);
    await c.release(key);
  });

  it('an empty lock is one being written when recent, and stale when old', async () => {
    const { dir, key } = fresh();
    const c = new VideoCache(dir);
    await c.open(key, true);
    await c.release(key);
    await writeFile(c.lockPath(key), '');
    expect(await c.open(key, true)).toBe(false);
    const old = new Date(Date.now() - 60_000);
    await utimes(c.lockPath(key), old, old);
    expect(await c.open(key, true)).toBe(true);
    await c.release(key);
  });
});
