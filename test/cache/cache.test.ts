// `l2caf cache`: the folders the app fills, what they hold, and clearing them: all or older
// entries; only names the tool makes there (one's own files in a folder an env var names stay);
// never a running job's video analysis nor a temporary entry still being written, never a model
// the tool did not install, never through a symbolic link; and the command as a user runs it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dataFolders, foldersToClear, type DataFolder } from '../../src/cache/dataFolders.js';
import { clearFolder, folderUsage, videoKeyOf } from '../../src/cache/folderUsage.js';
import { sizeWords } from '../../src/cli/cacheCommand.js';
import { INSTALL_RECORD } from '../../src/models/cache.js';
import { PROJECT_ROOT } from '../helpers/fixtures.js';

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'l2caf-cache-'));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

const DAY = 86_400_000;
/** A file of `bytes` bytes (text, when given), last changed `daysAgo` days ago. */
function file(p: string, bytes: number | string, daysAgo = 0): void {
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, typeof bytes === 'string' ? bytes : Buffer.alloc(bytes));
  age(p, daysAgo);
}
function age(p: string, daysAgo: number): void {
  const t = new Date(Date.now() - daysAgo * DAY);
  utimesSync(p, t, t);
}
/** A process id that is not running. */
const DEAD_PID = 2 ** 22 + 4321;
const KEY = 'a'.repeat(64);
const KEY2 = 'b'.repeat(64);
const KEY3 = 'c'.repeat(64);
const UP = '0123456789abcdef01234567';
/** The folders under tmp (models: tmp/cache, the CLI's video cache inside it; the app's: tmp/data). */
const folders = (): Record<DataFolder['kind'], DataFolder> => Object.fromEntries(dataFolders({ L2CAF_CACHE_DIR: path.join(tmp, 'cache') }, path.join(tmp, 'data')).map((f) => [f.kind, f])) as Record<DataFolder['kind'], DataFolder>;

describe('data folders', () => {
  it('are the CLI\'s (models, video analyses) and the app\'s (video analyses, playable copies, uploads, exports); all clears all but the models', () => {
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
    // the names each folder's writers choose, and nothing else
    const [, video, , proxies, uploads, exports] = f;
    expect([`${KEY}.json`, `${KEY}.partial.jsonl`, `.${KEY}.json.123.0a1b2c3d.tmp`].every(video!.owns)).toBe(true);
    // (lock files are the video cache's own to take over and clean)
    expect(['proxies', 'notes.txt', 'abc.json', `${KEY}.lock`, `${KEY}.lock.123.stale`].some(video!.owns)).toBe(false);
    expect([`${UP}.mp4`, `.${UP}.99.part.mp4`].every(proxies!.owns)).toBe(true);
    expect([UP, '.incoming-0a1b2c3d4e5f'].every(uploads!.owns)).toBe(true);
    expect(['holiday', `${UP}.mp4`].some(uploads!.owns)).toBe(false);
    // what the app writes there (media/outputTarget.ts, fs/writeFileAtomic.ts for the temporary names) ...
    const written = [
      'clip-attention-0a1b2c.mp4', 'clip-attention-0a1b2c.mp4.timeline.json', 'clip-attention-0a1b2c.webm.timeline.csv', 'clip-attention-0a1b2c',
      'scan-attention-l2caf-class-z-0a1b2c.nii.gz', 'scan-attention-gradcam-x-0a1b2c.gif',
      '.clip-attention-0a1b2c.12.0a1b2c3d.part.mp4', '.clip-attention-0a1b2c.part-AbC123', '.clip-attention-0a1b2c.mp4.timeline.json.12.0a1b2c3d.tmp',
      '.scan-attention-l2caf-z-0a1b2c.nii.12.0a1b2c3d.part.gz',
    ];
    expect(written.filter((n) => !exports!.owns(n))).toEqual([]);
    // ... and not one's own files that happen to look alike
    expect(['thesis.docx', 'attention.mp4', 'notes-attention-facade.pdf', 'my-attention-decade.txt', 'talk-attention-slides-0a1b2c.mp4'].filter(exports!.owns)).toEqual([]);
    expect(videoKeyOf(`.${KEY}.json.123.0a1b2c3d.tmp`)).toBe(KEY);
    expect(sizeWords(512)).toBe('512 B');
    expect(sizeWords(1536)).toBe('1.5 kB');
    expect(sizeWords(200 * 2 ** 20)).toBe('200 MB');
  });
});

describe('clearing a folder', () => {
  it('counts and removes the tool\'s entries (folders whole), older ones only with a cutoff; one\'s own files stay', async () => {
    const { exports } = folders();
    const dir = exports.dir;
    file(path.join(dir, 'a-attention-0a0a0a.mp4'), 1000, 10);
    file(path.join(dir, 'b-attention-0b0b0b.mp4'), 300, 0);
    // a folder (a PNG sequence) counts by its newest file
    file(path.join(dir, 'c-attention-0c0c0c', 'a.png'), 50, 10);
    file(path.join(dir, 'c-attention-0c0c0c', 'b.png'), 50, 1);
    file(path.join(dir, 'thesis.docx'), 5000, 100);
    expect(await folderUsage(exports)).toEqual({ entries: 3, bytes: 1400 });
    expect(await clearFolder(exports, Date.now() - 5 * DAY)).toEqual({ entries: 1, bytes: 1000, kept: 0, failed: [] });
    expect(readdirSync(dir).sort()).toEqual(['b-attention-0b0b0b.mp4', 'c-attention-0c0c0c', 'thesis.docx']);
    expect(await clearFolder(exports, Infinity)).toEqual({ entries: 2, bytes: 400, kept: 0, failed: [] });
    expect(readdirSync(dir)).toEqual(['thesis.docx']);
    // a folder that is not there holds nothing
    expect(await folderUsage(folders().uploads)).toEqual({ entries: 0, bytes: 0 });
    expect(await clearFolder(folders().uploads, Infinity)).toEqual({ entries: 0, bytes: 0, kept: 0, failed: [] });
  });

  it('removes a symbolic link as a link; a folder that is itself a link is not cleared', async () => {
    const { uploads } = folders();
    file(path.join(tmp, 'precious', 'scan.nii'), 2000);
    mkdirSync(uploads.dir, { recursive: true });
    symlinkSync(path.join(tmp, 'precious'), path.join(uploads.dir, UP));
    expect((await folderUsage(uploads)).entries).toBe(1);
    expect((await folderUsage(uploads)).bytes).toBeLessThan(2000);
    expect((await clearFolder(uploads, Infinity)).entries).toBe(1);
    expect(existsSync(path.join(tmp, 'precious', 'scan.nii'))).toBe(true);
    // the exports folder a link to a folder holding an export-like name: refused, nothing removed
    file(path.join(tmp, 'elsewhere', 'x-attention-0a0a0a.mp4'), 10);
    mkdirSync(path.dirname(folders().exports.dir), { recursive: true });
    symlinkSync(path.join(tmp, 'elsewhere'), folders().exports.dir);
    await expect(clearFolder(folders().exports, Infinity)).rejects.toThrow(/exports: is a symbolic link; not cleared/);
    expect(existsSync(path.join(tmp, 'elsewhere', 'x-attention-0a0a0a.mp4'))).toBe(true);
    // nor the playable copies inside a video cache that is a link
    file(path.join(tmp, 'other', 'proxies', `${UP}.mp4`), 10);
    symlinkSync(path.join(tmp, 'other'), folders()['app-video'].dir);
    await expect(clearFolder(folders().proxies, Infinity)).rejects.toThrow(/video-cache: is a symbolic link; not cleared/);
    expect(existsSync(path.join(tmp, 'other', 'proxies', `${UP}.mp4`))).toBe(true);
  });

  it('keeps a video analysis whose job is running (its temporary file too) and anything still being written; a crashed job\'s entry goes', async () => {
    const { 'app-video': f } = folders();
    const dir = f.dir;
    // a running job: its lock names a live process (another than this one, as a job is to `l2caf cache`)
    file(path.join(dir, `${KEY}.partial.jsonl`), 100, 3);
    file(path.join(dir, `${KEY}.lock`), String(process.ppid), 3);
    file(path.join(dir, `.${KEY}.json.${process.pid}.0a1b2c3d.tmp`), 100, 3);
    // a crashed one: a dead pid, and a lock left empty two days ago
    file(path.join(dir, `${KEY2}.partial.jsonl`), 100, 3);
    file(path.join(dir, `${KEY2}.lock`), String(DEAD_PID), 3);
    file(path.join(dir, `${KEY3}.partial.jsonl`), 100, 3);
    file(path.join(dir, `${KEY3}.lock`), '', 2);
    // an analysis being written by nobody's lock yet, a minute old
    file(path.join(dir, `.${'d'.repeat(64)}.json.1.0a1b2c3d.tmp`), 100, 0);
    file(path.join(dir, 'proxies', `${UP}.mp4`), 100);
    const r = await clearFolder(f, Infinity);
    expect(r).toMatchObject({ entries: 2, kept: 3 });
    // (the locks stay: the video cache takes a stale one over itself)
    expect(readdirSync(dir).sort()).toEqual([`.${KEY}.json.${process.pid}.0a1b2c3d.tmp`, `.${'d'.repeat(64)}.json.1.0a1b2c3d.tmp`, `${KEY}.lock`, `${KEY}.partial.jsonl`, `${KEY2}.lock`, `${KEY3}.lock`, 'proxies'].sort());
  });

  it('takes of the models only the folders the tool installed, and its temporary ones once a day old', async () => {
    const { models } = folders();
    const dir = models.dir;
    file(path.join(dir, 'darknet-tiny', INSTALL_RECORD), 10);
    file(path.join(dir, 'darknet-tiny', 'model.json'), 10);
    file(path.join(dir, '.tmp-mobilenet-abc', 'x'), 10, 2);
    age(path.join(dir, '.tmp-mobilenet-abc'), 2);
    file(path.join(dir, '.tmp-resnet-def', 'x'), 10, 0);
    file(path.join(dir, 'my-model', 'model.json'), 10);
    file(path.join(dir, 'video', `${KEY}.json`), 10);
    // the sample clips and shared label sets it downloads there too
    file(path.join(dir, '_samples', 'clip.mp4'), 10);
    file(path.join(dir, 'labelsets', 'imagenet', 'labels.json'), 10);
    // (the installed model, both temporary folders, the samples and the label sets)
    expect((await folderUsage(models)).entries).toBe(5);
    expect(await clearFolder(models, Infinity)).toMatchObject({ entries: 4, kept: 1 });
    expect(readdirSync(dir).sort()).toEqual(['.tmp-resnet-def', 'my-model', 'video']);
  });
});

const built = existsSync(path.join(PROJECT_ROOT, 'dist', 'cli', 'main.js'));
describe.skipIf(!built)('l2caf cache', () => {
  const run = (args: string[]) => {
    const r = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'l2caf.js'), 'cache', ...args], { encoding: 'utf8', env: { ...process.env, L2CAF_CACHE_DIR: path.join(tmp, 'cache'), L2CAF_DATA_DIR: path.join(tmp, 'data') }, timeout: 60_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it('lists the folders with their sizes, and clears what is asked: all but the models, then the models the tool installed; one\'s own files stay', () => {
    file(path.join(tmp, 'data', 'exports', 'clip-attention-0a0a0a.mp4'), 5000, 40);
    file(path.join(tmp, 'data', 'exports', 'notes.txt'), 50, 40);
    file(path.join(tmp, 'data', 'uploads', UP, 'clip.mp4'), 7000, 1);
    file(path.join(tmp, 'data', 'video-cache', 'proxies', `${UP}.mp4`), 3000);
    file(path.join(tmp, 'cache', 'video', `${KEY}.json`), 100);
    file(path.join(tmp, 'cache', 'darknet-tiny', INSTALL_RECORD), 10);
    file(path.join(tmp, 'cache', 'mine', 'model.json'), 10);
    const list = run([]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^exports before download \(app\)\s+4\.9 kB\s+1 entry\s+.*data[/\\]exports$/m);
    // of the models folder, the installed model alone
    expect(list.stdout).toMatch(/^downloaded models\s+10 B\s+1 entry /m);
    // older than 30 days: the export only
    const old = run(['--clear', 'all', '--older-than', '30', '--json']);
    expect(old.code).toBe(0);
    const j = JSON.parse(old.stdout) as { cleared: Record<string, { entries: number; bytes: number }>; folders: { kind: string; entries: number }[] };
    expect(j.cleared.exports).toEqual({ entries: 1, bytes: 5000, kept: 0, failed: [] });
    expect(j.cleared.uploads!.entries).toBe(0);
    expect(j.cleared.models).toBeUndefined();
    expect(j.folders.find((f) => f.kind === 'uploads')!.entries).toBe(1);
    const all = run(['--clear', 'all']);
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/^cleared uploaded files \(browser app\): 1 entry, 6\.8 kB$/m);
    expect(readdirSync(path.join(tmp, 'data', 'video-cache', 'proxies'))).toEqual([]);
    expect(readdirSync(path.join(tmp, 'cache', 'video'))).toEqual([]);
    expect(readdirSync(path.join(tmp, 'data', 'exports'))).toEqual(['notes.txt']);
    expect(existsSync(path.join(tmp, 'cache', 'darknet-tiny'))).toBe(true);
    const models = run(['--clear', 'models']);
    expect(models.stdout).toMatch(/^cleared downloaded models: 1 entry, 10 B$/m);
    expect(readdirSync(path.join(tmp, 'cache')).sort()).toEqual(['mine', 'video']);
  });

  it('refuses what it does not know, in one line; a folder it cannot clear fails the command after the others are cleared', () => {
    const bad = run(['--clear', 'everything']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown folder "everything" \(choose all, video, proxies, uploads, exports, models\)/);
    const flagFirst = run(['--clear', '--older-than', '3']);
    expect(flagFirst.code).toBe(2);
    expect(flagFirst.stderr).toMatch(/--clear needs a folder name before --older-than \(all, video, proxies, uploads, exports, models\)/);
    const lone = run(['--older-than', '3']);
    expect(lone.code).toBe(2);
    expect(lone.stderr.trim()).toBe('l2caf: --older-than goes with --clear');
    file(path.join(tmp, 'elsewhere', 'x-attention-0a0a0a.mp4'), 10);
    file(path.join(tmp, 'data', 'uploads', UP, 'clip.mp4'), 10);
    symlinkSync(path.join(tmp, 'elsewhere'), path.join(tmp, 'data', 'exports'));
    const linked = run(['--clear', 'exports', 'uploads']);
    expect(linked.code).toBe(1);
    expect(linked.stdout).toMatch(/^cleared uploaded files \(browser app\): 1 entry/m);
    expect(linked.stderr.trim()).toMatch(/^l2caf: .*exports: is a symbolic link; not cleared/);
    expect(existsSync(path.join(tmp, 'elsewhere', 'x-attention-0a0a0a.mp4'))).toBe(true);
  });
});
