// Item claims (src/batch/claim.ts): when a claim found on disk may be taken over, that the holder
// keeps it fresh, and that releasing never removes a claim that is no longer the holder's.
import { describe, it, expect, vi, afterEach } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLAIM_FILE, CLAIM_REFRESH_MS, CLAIM_STALE_MS, claimItem, isStale, type Claimant } from '../../src/batch/claim.js';

const me: Claimant = { host: 'a', pid: 1, isAlive: (pid) => pid !== 7 };
let dir: string | null = null;
afterEach(() => {
  vi.useRealTimers();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

describe('claims', () => {
  it('stale: a dead pid of this host, or no refresh for CLAIM_STALE_MS; another host\'s pid is never judged', () => {
    const now = 1e12;
    expect(isStale({ host: 'a', pid: 7, startedAt: '' }, now, me, now)).toBe(true);
    expect(isStale({ host: 'a', pid: 8, startedAt: '' }, now, me, now)).toBe(false);
    expect(isStale({ host: 'b', pid: 7, startedAt: '' }, now, me, now)).toBe(false);
    expect(isStale({ host: 'b', pid: 7, startedAt: '' }, now - CLAIM_STALE_MS - 1, me, now)).toBe(true);
    // unreadable (being written, or cut short): only its age counts
    expect(isStale(null, now - 1000, me, now)).toBe(false);
    expect(isStale(null, now - CLAIM_STALE_MS - 1, me, now)).toBe(true);
  });

  it('the holder refreshes its claim\'s mtime; release removes only its own claim', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'l2caf-claim-'));
    const file = path.join(dir, CLAIM_FILE);
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const c = await claimItem(dir, me);
    if (!('claim' in c)) throw new Error('not claimed');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ host: 'a', pid: 1 });
    const old = new Date(Date.now() - 120_000);
    utimesSync(file, old, old);
    vi.advanceTimersByTime(CLAIM_REFRESH_MS);
    for (let i = 0; i < 200 && statSync(file).mtimeMs <= old.getTime() + 1000; i++) await new Promise((r) => setImmediate(r));
    expect(statSync(file).mtimeMs).toBeGreaterThan(old.getTime() + 60_000);
    // a second claimant of a live process finds it held
    expect(await claimItem(dir, { ...me, pid: 2 })).toEqual({ heldBy: expect.objectContaining({ host: 'a', pid: 1 }) });
    // taken over meanwhile (we were thought dead): releasing leaves the new holder's claim
    writeFileSync(file, JSON.stringify({ host: 'b', pid: 3, startedAt: '' }));
    await c.claim.release();
    expect(existsSync(file)).toBe(true);
    rmSync(file);
    const d = await claimItem(dir, me);
    if (!('claim' in d)) throw new Error('not claimed');
    await d.claim.release();
    expect(existsSync(file)).toBe(false);
  });
});
