// The recent-files list: a small JSON file in the service's folder, newest first, written
// atomically. A damaged file is treated as empty (the list is a convenience, not data).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { MediaKind, RecentFile } from '../contract/index.js';
import { writeFileAtomic } from '../fs/writeFileAtomic.js';
import { makeDirs } from '../fs/makeDirs.js';

export const MAX_RECENT = 12;

/** Pure: the list after opening `file` (moved to the front, no duplicates, at most MAX_RECENT). */
export function addRecent(list: readonly RecentFile[], file: RecentFile): RecentFile[] {
  return [file, ...list.filter((r) => r.path !== file.path)].slice(0, MAX_RECENT);
}

function isRecent(v: unknown): v is RecentFile {
  const r = v as RecentFile;
  return !!r && typeof r.path === 'string' && typeof r.name === 'string' && (r.kind === 'video' || r.kind === 'volume') && typeof r.openedAt === 'string';
}

export class RecentFiles {
  private readonly file: string;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(dataDir: string) {
    this.file = path.join(dataDir, 'recent.json');
  }

  async list(): Promise<RecentFile[]> {
    try {
      const v: unknown = JSON.parse(await readFile(this.file, 'utf8'));
      return Array.isArray(v) ? v.filter(isRecent) : [];
    } catch {
      return [];
    }
  }

  /** Serialised, so two opens in a row never lose one. */
  add(p: string, kind: MediaKind): Promise<void> {
    const next = this.chain.then(async () => {
      const list = addRecent(await this.list(), { path: p, name: path.basename(p), kind, openedAt: new Date().toISOString() });
      await makeDirs(path.dirname(this.file));
      await writeFileAtomic(this.file, JSON.stringify(list, null, 2), 0o600);
    });
    this.chain = next.catch(() => {});
    return next;
  }

  async clear(): Promise<number> {
    const n = (await this.list()).length;
    await makeDirs(path.dirname(this.file));
    await writeFileAtomic(this.file, '[]', 0o600);
    return n;
  }
}
