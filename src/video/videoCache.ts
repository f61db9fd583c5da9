// The disk cache of video analyses. One entry per cache key (cacheKey.ts):
//   <key>.json           the finished timeline, written atomically (temp + rename);
//   <key>.partial.jsonl  a job in progress: one line per analysed frame, appended as frames finish,
//                        each with the L2-CAF parameters needed to continue the warm-start chain.
// A stopped job (cancel, crash, power cut) resumes after its last complete line; a torn last line
// is ignored. Reopening a finished clip reads the .json and does no model work.
import { appendFile, mkdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../fs/writeFileAtomic.js';
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

  /** Starts (or continues) the partial file. */
  async open(key: string, fresh: boolean): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    if (fresh) await rm(this.partialPath(key), { force: true });
  }

  async append(key: string, entry: CachedFrame): Promise<void> {
    await appendFile(this.partialPath(key), JSON.stringify(entry) + '\n');
  }

  /** Stores the finished timeline atomically and drops the partial file. */
  async finish(key: string, timeline: Timeline): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await writeFileAtomic(this.finishedPath(key), JSON.stringify(timeline));
    await rm(this.partialPath(key), { force: true });
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
