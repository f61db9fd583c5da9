// An item claim: two runs on one output folder at once (two machines sharing it, or a rerun started
// while the first still runs) would both compute the same items and trample each other's cache and
// status.json. Before running an item a run creates <item dir>/.claim exclusively (O_EXCL, which
// NFSv3+ and local file systems honour); the holder refreshes its mtime while it works and removes
// it at the end. A claim left by a dead process (same host, pid gone) or a dead machine (mtime older
// than CLAIM_STALE_MS) is taken over; any other makes the finder leave the item for now.
import { randomBytes } from 'node:crypto';
import { link, open, readFile, rename, rm, stat, utimes } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { processAlive } from '../fs/processAlive.js';

export const CLAIM_FILE = '.claim';
/** How often a holder touches its claim: well inside CLAIM_STALE_MS even with a busy event loop. */
export const CLAIM_REFRESH_MS = 30_000;
/** A claim untouched this long belongs to a machine that died (or lost the shared folder). */
export const CLAIM_STALE_MS = 5 * 60_000;

/** What .claim holds. */
export interface ClaimOwner {
  host: string;
  pid: number;
  startedAt: string;
}

/** Who claims, and how it judges another process of its own host (injectable for tests). */
export interface Claimant {
  host: string;
  pid: number;
  isAlive: (pid: number) => boolean;
}

export const thisProcess = (): Claimant => ({ host: os.hostname(), pid: process.pid, isAlive: processAlive });

/**
 * Pure: whether a claim found on disk may be taken over. `owner` null: unreadable (being written
 * this instant, or cut short by a crash), so only its age can say it is dead.
 */
export function isStale(owner: ClaimOwner | null, mtimeMs: number, me: Claimant, nowMs: number): boolean {
  if (nowMs - mtimeMs > CLAIM_STALE_MS) return true;
  return !!owner && owner.host === me.host && !me.isAlive(owner.pid);
}

function parseOwner(text: string): ClaimOwner | null {
  try {
    const o = JSON.parse(text) as Partial<ClaimOwner>;
    return typeof o.host === 'string' && typeof o.pid === 'number' ? { host: o.host, pid: o.pid, startedAt: String(o.startedAt ?? '') } : null;
  } catch {
    return null;
  }
}

/** The claim as found: null when it is gone. */
async function readClaim(file: string): Promise<{ text: string; mtimeMs: number } | null> {
  try {
    const [text, st] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
    return { text, mtimeMs: st.mtimeMs };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** Creates the claim exclusively: false when one exists. Write errors (a full disk) propagate, leaving nothing. */
async function create(file: string, text: string): Promise<boolean> {
  let h;
  try {
    h = await open(file, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    await h.writeFile(text);
    await h.close();
    return true;
  } catch (e) {
    await h.close().catch(() => {});
    await rm(file, { force: true });
    throw e;
  }
}

/**
 * Moves a stale claim aside. Two runs may judge it stale at once: the claim is renamed (one rename
 * wins), and if what was moved is not the claim judged stale (the other run's fresh one, made
 * meanwhile) it is put back with link(), which never replaces.
 */
async function takeOver(file: string, judged: { text: string; mtimeMs: number }): Promise<void> {
  const aside = `${file}.${randomBytes(4).toString('hex')}.stale`;
  try {
    await rename(file, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  const moved = await readClaim(aside);
  if (moved && (moved.text !== judged.text || moved.mtimeMs !== judged.mtimeMs)) await link(aside, file).catch(() => {});
  await rm(aside, { force: true });
}

export interface Claim {
  /** removes the claim if it is still this run's, stops the refresh */
  release(): Promise<void>;
}

export type ClaimResult = { claim: Claim } | { heldBy: ClaimOwner | null };

/** Claims the item in `dir` (which must exist) for `me`, or says who holds it. */
export async function claimItem(dir: string, me: Claimant, nowMs: () => number = Date.now): Promise<ClaimResult> {
  const file = path.join(dir, CLAIM_FILE);
  const text = JSON.stringify({ host: me.host, pid: me.pid, startedAt: new Date(nowMs()).toISOString() } satisfies ClaimOwner) + '\n';
  // a few rounds: a claim released or taken over between our look and our create is looked at again
  for (let round = 0; round < 4; round++) {
    if (await create(file, text)) {
      const timer = setInterval(() => {
        const t = new Date();
        utimes(file, t, t).catch(() => {});
      }, CLAIM_REFRESH_MS);
      timer.unref();
      let released = false;
      return {
        claim: {
          release: async () => {
            if (released) return;
            released = true;
            clearInterval(timer);
            // taken over meanwhile (we were thought dead): the claim is the other run's now
            if ((await readClaim(file).catch(() => null))?.text === text) await rm(file, { force: true });
          },
        },
      };
    }
    const found = await readClaim(file);
    if (!found) continue;
    const owner = parseOwner(found.text);
    if (!isStale(owner, found.mtimeMs, me, nowMs())) return { heldBy: owner };
    await takeOver(file, found);
  }
  return { heldBy: parseOwner((await readClaim(file))?.text ?? '') };
}

/** For progress lines: "host pid 123 since 2026-...". */
export function ownerWords(o: ClaimOwner | null): string {
  return o ? `${o.host} pid ${o.pid}${o.startedAt ? ` since ${o.startedAt}` : ''}` : 'another run';
}
