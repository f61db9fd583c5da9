// `l2caf cache`: the folders the app fills, what they hold, and clearing them: all or older
// entries, never a running job's video-cache entry, never a model the app did not download, never
// through a symbolic link; and the command as a user runs it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dataFolders, foldersToClear } from '../../src/cache/dataFolders.js';
import { clearFolder, folderUsage, installedModels, liveVideoKeys, videoKeyOf } from '../../src/cache/folderUsage.js';
import { sizeWords } from '../../src/cli/cacheCommand.js';
import { INSTALL_RECORD } from '../../src/models/cache.js';
import { PROJECT_ROOT } from '../helpers/fixtures.js';

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'l2caf-cache-'));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

const DAY = 86_400_000;
/** A file of `bytes` bytes, last changed `daysAgo` days ago. */
function file(p: string, bytes: number, daysAgo = 0): void {
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, Buffer.alloc(bytes));
  const t = new Date(Date.now() - daysAgo * DAY);
  utimesSync(p, t, t);
}
/** A process id that is not running. */
const DEAD_PID = 2 ** 22 + 4321;

describe('data folders', () => {
  it('are the CLI\'s (models, video analyses) and the app\'s (video analyses, proxies, uploads, exports); all clears all but the models', () => {
    const f = dataFolders({ L2CAF_CACHE_DIR: '/c' }, '/d');
    expect(f.map((x) => [x.kind, x.dir])).toEqual([
      ['models', '/c'],
      ['video', '/c/video'],
      ['app-video', '/d/video-cache'],
      ['proxies', '/d/video-cache/proxies'],
      ['uploads', '/d/uploads'],
      ['exports', '/d/exports'],
    ]);
    expect(foldersToClear(f, ['all']).map((x) => x.kind)).toEqual(['video', 'app-video', 'proxies', 'uploads', 'exports']);
    expect(foldersToClear(f, ['video']).map((x) => x.kind)).toEqual(['video', 'app-video']);
    expect(foldersToClear(f, ['exports', 'models']).map((x) => x.kind)).toEqual(['models', 'exports']);
    expect(sizeWords(512)).toBe('512 B');
    expect(sizeWords(1536)).toBe('1.5 kB');
    expect(sizeWords(200 * 2 ** 20)).toBe('200 MB');
  });
});

describe('clearing a folder', () => {
  it('counts and removes entries (folders whole), older ones only with a cutoff, the folder kept', async () => {
    const dir = path.join(tmp, 'exports');
    file(path.join(dir, 'old.mp4'), 1000, 10);
    file(path.join(dir, 'new.mp4'), 300, 0);
    // a folder counts by its newest file
    file(path.join(dir, 'frames', 'a.png'), 50, 10);
    file(path.join(dir, 'frames', 'b.png'), 50, 1);
    expect(await folderUsage(dir)).toEqual({ entries: 3, bytes: 1400 });
    expect(await clearFolder(dir, Date.now() - 5 * DAY)).toEqual({ entries: 1, bytes: 1000, kept: 0 });
    expect(readdirSync(dir).sort()).toEqual(['frames', 'new.mp4']);
    expect(await clearFolder(dir, Infinity)).toEqual({ entries: 2, bytes: 400, kept: 0 });
    expect(readdirSync(dir)).toEqual([]);
    // a folder that is not there holds nothing
    expect(await folderUsage(path.join(tmp, 'none'))).toEqual({ entries: 0, bytes: 0 });
    expect(await clearFolder(path.join(tmp, 'none'), Infinity)).toEqual({ entries: 0, bytes: 0, kept: 0 });
  });

  it('removes a symbolic link as a link: what it points at stays', async () => {
    const dir = path.join(tmp, 'uploads');
    file(path.join(tmp, 'precious', 'scan.nii'), 2000);
    mkdirSync(dir);
    symlinkSync(path.join(tmp, 'precious'), path.join(dir, 'link'));
    expect((await folderUsage(dir)).entries).toBe(1);
    expect((await folderUsage(dir)).bytes).toBeLessThan(2000);
    expect((await clearFolder(dir, Infinity)).entries).toBe(1);
    expect(existsSync(path.join(tmp, 'precious', 'scan.nii'))).toBe(true);
  });

  it('keeps a video-cache entry whose job is running, and another folder inside', async () => {
    const dir = path.join(tmp, 'video-cache');
    file(path.join(dir, 'aaa.partial.jsonl'), 100);
    writeFileSync(path.join(dir, 'aaa.lock'), String(process.pid));
    file(path.join(dir, 'bbb.partial.jsonl'), 100);
    writeFileSync(path.join(dir, 'bbb.lock'), String(DEAD_PID));
    file(path.join(dir, 'ccc.json'), 100);
    file(path.join(dir, 'proxies', 'p.mp4'), 100);
    const live = await liveVideoKeys(dir);
    expect([...live]).toEqual(['aaa']);
    expect(videoKeyOf('aaa.partial.jsonl')).toBe('aaa');
    const r = await clearFolder(dir, Infinity, { keep: (n) => live.has(videoKeyOf(n)), skip: (n) => n === 'proxies' });
    expect(r).toMatchObject({ entries: 3, kept: 2 });
    expect(readdirSync(dir).sort()).toEqual(['aaa.lock', 'aaa.partial.jsonl', 'proxies']);
  });

  it('knows the models the app installed from one\'s own files beside them', async () => {
    const dir = path.join(tmp, 'models');
    file(path.join(dir, 'darknet-tiny', INSTALL_RECORD), 10);
    file(path.join(dir, 'darknet-tiny', 'model.json'), 10);
    file(path.join(dir, '.tmp-abc', 'x'), 10);
    file(path.join(dir, 'my-model', 'model.json'), 10);
    expect([...(await installedModels(dir))].sort()).toEqual(['.tmp-abc', 'darknet-tiny']);
  });
});

const built = existsSync(path.join(PROJECT_ROOT, 'dist', 'cli', 'main.js'));
describe.skipIf(!built)('l2caf cache', () => {
  const run = (args: string[]) => {
    const r = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'l2caf.js'), 'cache', ...args], { encoding: 'utf8', env: { ...process.env, L2CAF_CACHE_DIR: path.join(tmp, 'cache'), L2CAF_DATA_DIR: path.join(tmp, 'data') }, timeout: 60_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it('lists the folders with their sizes, and clears what is asked: all but the models, then the models the app installed', () => {
    file(path.join(tmp, 'data', 'exports', 'clip-attention.mp4'), 5000, 40);
    file(path.join(tmp, 'data', 'uploads', 'abc', 'clip.mp4'), 7000, 1);
    file(path.join(tmp, 'data', 'video-cache', 'proxies', 'p.mp4'), 3000);
    file(path.join(tmp, 'cache', 'video', 'k.json'), 100);
    file(path.join(tmp, 'cache', 'darknet-tiny', INSTALL_RECORD), 10);
    file(path.join(tmp, 'cache', 'mine', 'model.json'), 10);
    const list = run([]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^exports before download \(app\)\s+4\.9 kB\s+1 entry\s+.*data[/\\]exports$/m);
    // the CLI's video cache (inside the models folder here) is counted once, as itself
    expect(list.stdout).toMatch(/^downloaded models\s+20 B\s+2 entries/m);
    // older than 30 days: the export only
    const old = run(['--clear', 'all', '--older-than', '30', '--json']);
    expect(old.code).toBe(0);
    const j = JSON.parse(old.stdout) as { cleared: Record<string, { entries: number; bytes: number }>; folders: { kind: string; entries: number }[] };
    expect(j.cleared.exports).toEqual({ entries: 1, bytes: 5000, kept: 0 });
    expect(j.cleared.uploads!.entries).toBe(0);
    expect(j.cleared.models).toBeUndefined();
    expect(j.folders.find((f) => f.kind === 'uploads')!.entries).toBe(1);
    const all = run(['--clear', 'all']);
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/^cleared uploaded files \(browser app\): 1 entry, 6\.8 kB$/m);
    expect(readdirSync(path.join(tmp, 'data', 'video-cache', 'proxies'))).toEqual([]);
    expect(readdirSync(path.join(tmp, 'cache', 'video'))).toEqual([]);
    expect(existsSync(path.join(tmp, 'cache', 'darknet-tiny'))).toBe(true);
    const models = run(['--clear', 'models']);
    expect(models.stdout).toMatch(/^cleared downloaded models: 1 entry, 10 B \(1 kept: not downloaded by l2caf\)$/m);
    expect(readdirSync(path.join(tmp, 'cache')).sort()).toEqual(['mine', 'video']);
  });

  it('refuses what it does not know, in one line', () => {
    const bad = run(['--clear', 'everything']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown folder "everything" \(choose all, video, proxies, uploads, exports, models\)/);
    const lone = run(['--older-than', '3']);
    expect(lone.code).toBe(2);
    expect(lone.stderr.trim()).toBe('l2caf: --older-than goes with --clear');
  });
});
