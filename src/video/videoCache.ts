// The disk cache of video analyses. One entry per cache key (cacheKey.ts):
//   <key>.json           the finished timeline, written atomically (temp + rename);
//   <key>.partial.jsonl  a job in progress: one line per analysed frame, appended as frames finish,
//                        each with the L2-CAF parameters needed to continue the warm-start chain.
//   <key>.lock           the pid of the process whose job owns the partial file (see below).
// A stopped job (cancel, crash, power cut) resumes after its last complete line; a torn last line
// is ignored. Reopening a finished clip reads the .json and does no model work.
//
// Ownership: two jobs on the same clip and settings at once (two windows, CLI beside the app) must
// not both append to one partial file: interleaved lines break the frame order and a resumed run
// would keep only a prefix. open() makes the caller the owner or not: within this process a map of
// taken keys, across processes the lock file, created exclusively (O_EXCL). A lock whose pid is no
// longer running (a crash, a kill -9) is stale and taken over. A non-owner still computes and
// returns its timeline; only its cache writes are skipped. Use one VideoCache per job: ownership
// belongs to the instance that opened the key.
import { unlinkSync } from 'node:fs';
import { appendFile, link, open, readFile, rename, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../fs/writeFileAtomic.js';
import { privateDir } from '../fs/privateDir.js';
import { processAlive } from '../fs/processAlive.js';
import { defaultCacheDir } from '../models/paths.js';
import type { Timeline, TimelineFrame } from './types.js';

/**
 * The default video cache: next to the model cache (`<cache root>/l2caf-studio/video`); under
 * L2CAF_CACHE_DIR=X (which is the model folder itself), X/video.
 */
export function defaultVideoCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.L2CAF_CACHE_DIR) return path.join(defaultCacheDir(env), 'video');
  return path.join(path.dirname(defaultCacheDir(env, process.platform, os.homedir())), 'video');
}

/** Keys held by this process (resolved dir + key) and the VideoCache instance that holds each. */
const held = new Map<string, VideoCache>();
let exitHookInstalled = false;

/** Lock files of jobs still running when the process exits normally are removed (a crash leaves them stale). */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const [full, cache] of held) {
      try {
        unlinkSync(cache.lockPath(path.basename(full)));
      } catch {
        // already gone
      }
    }
  });
}


/** A lock this young may still be getting its pid written (it is created empty, then written). */
const LOCK_WRITE_GRACE_MS = 10_000;

/**
 * Whose a video-cache lock file is: a running process's ('live'), nobody's ('stale'), or the file
 * is gone. (Also `l2caf cache --clear`'s test for an entry a job is writing.)
 */
export async function videoLockHolder(lock: string): Promise<'live' | 'stale' | 'gone'> {
  const [text, st] = await Promise.all([readFile(lock, 'utf8').catch(() => null), stat(lock).catch(() => null)]);
  if (text === null || !st) return 'gone';
  const pid = Number(text.trim());
  if (!Number.isInteger(pid) || pid <= 0) {
    // Empty or garbled: being written right now, or left by a crash at that moment.
    return Date.now() - st.mtimeMs < LOCK_WRITE_GRACE_MS ? 'live' : 'stale';
  }
  // Our own pid without our entry in `held`: left by an earlier process that had this pid.
  if (pid === process.pid) return 'stale';
  return processAlive(pid) ? 'live' : 'stale';
}

/** One cached frame plus what the next frame needs to warm-start from it. */
export interface CachedFrame {
  frame: TimelineFrame;
  /** L2-CAF parameter v per requestKey (arrays of numbers) */
  params: Record<string, number[]>;
}

export interface PartialEntry {
  frames: CachedFrame[];
}

export class VideoCache {
  constructor(readonly dir: string) {}

  finishedPath(key: string): string {
    return path.join(this.dir, `${key}.json`);
  }

  partialPath(key: string): string {
    return path.join(this.dir, `${key}.partial.jsonl`);
  }

  /** The finished timeline, or null (a missing or unreadable entry is a miss, not an error). */
  async readFinished(key: string): Promise<Timeline | null> {
    const text = await readFile(this.finishedPath(key), 'utf8').catch(() => null);
    if (text === null) return null;
    try {
      const t = JSON.parse(text) as Timeline;
      return Array.isArray(t.frames) && t.video ? t : null;
    } catch {
      return null;
    }
  }

  /** Frames of a stopped job, in order; empty when there is none. */
  async readPartial(key: string): Promise<CachedFrame[]> {
    const text = await readFile(this.partialPath(key), 'utf8').catch(() => null);
    if (text === null) return [];
    return parsePartial(text);
  }

  lockPath(key: string): string {
    return path.join(this.dir, `${key}.lock`);
  }

  private heldKey(key: string): string {
    return path.join(path.resolve(this.dir), key);
  }

  /** True when this instance opened `key` as its owner (and has not released it). */
  owns(key: string): boolean {
    return held.get(this.heldKey(key)) === this;
  }

  /**
   * Starts (fresh: drops any partial file first) or continues the partial file, if this job can
   * own the entry; resolves to whether it does. A non-owner's append() and finish() do nothing.
   */
  async open(key: string, fresh: boolean): Promise<boolean> {
    const full = this.heldKey(key);
    // Taken synchronously, before any await: a second open() in this process sees it at once.
    if (held.has(full)) return false;
    held.set(full, this);
    let owner = false;
    try {
      await privateDir(this.dir);
      owner = await this.takeLock(key);
      if (owner && fresh) await rm(this.partialPath(key), { force: true });
    } catch (e) {
      if (owner) await rm(this.lockPath(key), { force: true }).catch(() => {});
      held.delete(full);
      throw new Error(`Cannot use the video cache "${this.dir}": ${(e as Error).message}`, { cause: e });
    }
    if (!owner) {
      held.delete(full);
      return false;
    }
    installExitHook();
    return true;
  }

  /** Creates the lock file with our pid, taking over a stale one; false when a live process holds it. */
  private async takeLock(key: string): Promise<boolean> {
    const lock = this.lockPath(key);
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const h = await open(lock, 'wx');
        try {
          await h.writeFile(String(process.pid));
        } finally {
          await h.close();
        }
        return true;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const holder = await this.lockHolder(lock);
      if (holder === 'gone') continue; // released meanwhile: try again
      if (holder === 'live') return false;
      // Stale. Move it aside under a name of our own (atomic: of two processes taking over, one
      // rename wins), then check that what we moved is the stale lock and not a fresh one that a
      // faster process created after we read it; if it is fresh, put it back (link: never over a
      // lock created meanwhile) and let it be.
      const aside = `${lock}.${process.pid}.stale`;
      try {
        await rename(lock, aside);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw e;
      }
      const moved = await this.lockHolder(aside);
      if (moved === 'live') {
        await link(aside, lock).catch(() => {});
        await rm(aside, { force: true });
        return false;
      }
      await rm(aside, { force: true });
    }
    return false;
  }

  /** Whose lock this is: a running process ('live'), none ('stale'), or the file is gone. */
  private lockHolder(lock: string): Promise<'live' | 'stale' | 'gone'> {
    return videoLockHolder(lock);
  }

  /** Ends this job's ownership of `key` (removes the lock). Idempotent; a no-op for non-owners. */
  async release(key: string): Promise<void> {
    if (!this.owns(key)) return;
    held.delete(this.heldKey(key));
    // Only our own lock: never one another process holds.
    const text = await readFile(this.lockPath(key), 'utf8').catch(() => null);
    if (text !== null && Number(text.trim()) === process.pid) await rm(this.lockPath(key), { force: true });
  }

  /** Drops this job's partial file and releases the entry (its frames are not what the key says); a no-op for non-owners. */
  async discard(key: string): Promise<void> {
    if (!this.owns(key)) return;
    try {
      await rm(this.partialPath(key), { force: true });
    } finally {
      await this.release(key);
    }
  }

  /** Adds one frame to the partial file; a no-op unless this job owns the entry. */
  async append(key: string, entry: CachedFrame): Promise<void> {
    if (!this.owns(key)) return;
    await appendFile(this.partialPath(key), JSON.stringify(entry) + '\n');
  }

  /**
   * Stores the finished timeline atomically, drops the partial file and releases the entry; a
   * no-op unless this job owns it.
   */
  async finish(key: string, timeline: Timeline): Promise<void> {
    if (!this.owns(key)) return;
    try {
      await privateDir(this.dir);
      await writeFileAtomic(this.finishedPath(key), JSON.stringify(timeline));
      await rm(this.partialPath(key), { force: true });
    } finally {
      await this.release(key);
    }
  }
}

/** Complete lines only, in order, each frame after the previous one (pure). */
export function parsePartial(text: string): CachedFrame[] {
  const out: CachedFrame[] = [];
  const lines = text.split('\n');
  // The last element is '' after a final newline, or a torn line: either way not a complete entry.
  for (let i = 0; i < lines.length - 1; i++) {
    const line = lines[i]!;
    if (!line) continue;
    let e: CachedFrame;
    try {
      e = JSON.parse(line) as CachedFrame;
    } catch {
      break; // a corrupt line: keep what came before it
    }
    if (!e?.frame || typeof e.frame.index !== 'number') break;
    if (out.length && e.frame.index <= out[out.length - 1]!.frame.index) break;
    out.push(e);
  }
  return out;
}
