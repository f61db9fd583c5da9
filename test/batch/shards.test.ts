// `l2caf batch` end to end, as a cluster runs it: three shards as parallel processes over one
// folder of 11 small items (clips cut to 0.5 s from the fixtures, images, a scan, a corrupt clip);
// then a rerun, then a shard killed (SIGTERM) mid-way and run again.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT, FIXTURES, fixture, haveFixture } from '../helpers/fixtures.js';
import { ffmpegBinary } from '../../src/media/ffmpegPath.js';

const BIN = path.join(PROJECT_ROOT, 'bin', 'l2caf.js');
const built = existsSync(path.join(PROJECT_ROOT, 'dist', 'cli', 'batchCommand.js'));
if (!built) console.warn('[skip] dist/ not built with the batch command: run `npx tsc -p tsconfig.json`');
const ready =
  built && haveFixture('models/darknet-tiny') && haveFixture('videos/bottle-detection.mp4') && haveFixture('videos/car-detection.mp4') &&
  haveFixture('videos/person-bicycle-car-detection.gif') && haveFixture('images/apple.jpg') && haveFixture('volumes/anatomical.nii');

let tmp: string;
let data: string;

interface Run {
  code: number | null;
  stderr: string;
  events: { event: string; status?: string; rel?: string; error?: string | null }[];
}

function batch(args: string[], killAfterItems?: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'batch', data, '--out', path.join(tmp, 'out'), '-m', 'darknet-tiny', '--stride', '6', '--progress', 'json', ...args], {
      env: { ...process.env, L2CAF_MODEL_MIRROR: path.join(FIXTURES, 'models'), L2CAF_OFFLINE: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let killedAt = 0;
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      const items = stderr.split('\n').filter((l) => l.includes('"event":"item"') && !l.includes('"skipped"')).length;
      if (killAfterItems !== undefined && !killedAt && items >= killAfterItems) {
        killedAt = Date.now();
        child.kill('SIGTERM');
      }
    });
    const timer = setTimeout(() => reject(new Error(`batch ${args.join(' ')} did not end within 120 s: ${stderr}`)), 120_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (killedAt) expect(Date.now() - killedAt).toBeLessThan(10_000);
      const events = stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Run['events'][number]);
      resolve({ code, stderr, events });
    });
  });
}

const statuses = () => {
  const out = path.join(tmp, 'out');
  return readdirSync(out).filter((d) => existsSync(path.join(out, d, 'status.json'))).map((d) => ({ id: d, ...JSON.parse(readFileSync(path.join(out, d, 'status.json'), 'utf8')) }));
};

/** Leftover temporary files (an interrupted atomic write) anywhere under the output. */
const tempFiles = () => (readdirSync(path.join(tmp, 'out'), { recursive: true }) as string[]).filter((f) => /\.tmp$/.test(f) && !f.includes('.cache'));

beforeAll(() => {
  if (!ready) return;
  tmp = mkdtempSync(path.join(os.tmpdir(), 'l2caf-batch-'));
  data = path.join(tmp, 'data');
  mkdirSync(path.join(data, 'clips', 'more'), { recursive: true });
  mkdirSync(path.join(data, 'images'));
  mkdirSync(path.join(data, 'scans'));
  const ff = ffmpegBinary().path;
  const cut = (src: string, from: number, to: string) =>
    execFileSync(ff, ['-loglevel', 'error', '-y', '-ss', String(from), '-i', fixture(src), '-t', '0.5', '-vf', 'scale=128:-2', '-an', path.join(data, to)]);
  cut('videos/bottle-detection.mp4', 0, 'clips/bottle-0.mp4');
  cut('videos/bottle-detection.mp4', 10, 'clips/bottle-10.mp4');
  cut('videos/car-detection.mp4', 3, 'clips/car-3.mp4');
  cut('videos/car-detection.mp4', 20, 'clips/more/car-20.mp4');
  cut('videos/person-bicycle-car-detection.gif', 1, 'clips/more/cyclist.mp4');
  for (const f of ['apple.jpg', 'orange.jpg', 'butterfly.jpg', 'chelsea.png']) copyFileSync(fixture(`images/${f}`), path.join(data, 'images', f));
  copyFileSync(fixture('volumes/anatomical.nii'), path.join(data, 'scans', 'anatomical.nii'));
  writeFileSync(path.join(data, 'clips', 'corrupt.mp4'), Buffer.alloc(4000, 7));
  writeFileSync(path.join(data, 'README.md'), 'not an item');
});
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe.skipIf(!ready)('l2caf batch: shards, resume, interruption', () => {
  it('a --layer or --class the model does not have stops the run at once, as does an output folder that is the input: one line, exit 2, no item done or failed', async () => {
    for (const [args, said] of [
      [['--layer', 'nope'], /no layer named "nope"/],
      [['--method', 'l2caf-class', '--class', '5000'], /^l2caf: darknet-tiny: class index 5000 is out of range/m],
    ] as const) {
      const r = await batch([...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(said);
      expect(r.events.filter((e) => e.event === 'item')).toEqual([]);
      expect(statuses()).toEqual([]);
    }
    // the input folder as the output: said as such (it said "no video, image or scan found")
    const same = spawnSync(process.execPath, [BIN, 'batch', data, '--out', `${data}/`], { encoding: 'utf8', env: { ...process.env, L2CAF_MODEL_MIRROR: path.join(FIXTURES, 'models'), L2CAF_OFFLINE: '1' } });
    expect({ code: same.status, err: same.stderr.trim() }).toEqual({ code: 2, err: `l2caf: ${data}/: the output folder is the input folder ${data}: choose another (a folder inside it is fine)` });
    // batch-report: a folder that is no batch output (it said "0 items"), a JSON named like a picture
    const cli = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
    const notOutput = cli(['batch-report', data]);
    expect({ code: notOutput.status, err: notOutput.stderr.trim() }).toEqual({ code: 2, err: `l2caf: ${data}: not an output folder of l2caf batch (no .l2caf-batch, no item folders): give the folder named by its --out` });
    const picture = cli(['batch-report', path.join(tmp, 'out'), '--json', path.join(data, 'images', 'apple.jpg')]);
    expect(picture.status).toBe(2);
    expect(picture.stderr).toMatch(/apple\.jpg: the report JSON must end in \.json, not \.jpg/);
    expect(readFileSync(path.join(data, 'images', 'apple.jpg')).equals(readFileSync(fixture('images/apple.jpg')))).toBe(true);
  });

  it('warns when a folder named as input is an earlier run\'s output (its results become items)', () => {
    const earlier = path.join(tmp, 'earlier-out');
    mkdirSync(earlier, { recursive: true });
    writeFileSync(path.join(earlier, '.l2caf-batch'), '{}\n');
    copyFileSync(fixture('images/apple.jpg'), path.join(earlier, 'overlay.png'));
    const r = spawnSync(process.execPath, [BIN, 'batch', earlier, '--out', path.join(tmp, 'again'), '--method', 'gradcam'], { encoding: 'utf8', env: { ...process.env, L2CAF_MODEL_MIRROR: path.join(FIXTURES, 'models'), L2CAF_OFFLINE: '1' } });
    expect(r.stderr.split('\n')[0]).toBe(`batch: warning: ${earlier} is the output of an earlier batch run (.l2caf-batch): its results are analysed as inputs; to redo that run, name the folder it analysed`);
    expect(r.status).toBe(0);
  });

  it('three shards in parallel: every item done once, the corrupt one failed with its message, exit codes, report counts', async () => {
    const runs = await Promise.all([0, 1, 2].map((i) => batch(['--shard', `${i}/3`])));
    const all = statuses();
    expect(all).toHaveLength(11);
    const worked = runs.flatMap((r) => r.events.filter((e) => e.event === 'item').map((e) => e.rel));
    expect(worked).toHaveLength(11);
    expect(new Set(worked).size).toBe(11);
    const bad = all.filter((s) => s.status === 'failed');
    expect(bad.map((s) => s.rel)).toEqual([path.join(data, 'clips', 'corrupt.mp4')]);
    expect(bad[0].error).toMatch(/corrupt\.mp4.*cannot be read as video/);
    const failedShard = runs.findIndex((r) => r.events.some((e) => e.status === 'failed'));
    runs.forEach((r, i) => expect(r.code, r.stderr).toBe(i === failedShard ? 1 : 0));
    for (const s of all.filter((x) => x.status === 'done')) expect(s).toMatchObject({ error: null, modelSha: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(tempFiles()).toEqual([]);
    // the marker a later walk over a parent folder knows the output by
    expect(existsSync(path.join(tmp, 'out', '.l2caf-batch'))).toBe(true);

    const json = path.join(tmp, 'report.json');
    const html = path.join(tmp, 'report.html');
    execFileSync(process.execPath, [BIN, 'batch-report', path.join(tmp, 'out'), '--json', json, '--csv', path.join(tmp, 'report.csv'), '--html', html]);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report.summary).toMatchObject({ items: 11, done: 10, failed: 1, pending: 0, images: 4, slices: 25, settingsHashes: 3 });
    expect(report.summary.byKind).toMatchObject({ video: { items: 6, done: 5, failed: 1 }, image: { items: 4, done: 4 }, volume: { items: 1, done: 1 } });
    expect(report.summary.frames).toBeGreaterThanOrEqual(10);
    expect(report.summary.solves).toBeNull(); // darknet-tiny's default layer: exact solves, nothing iterative to count
    const page = readFileSync(html, 'utf8');
    expect(page.match(/data:image\/png;base64/g)).toHaveLength(10);
    // a sparkline for every item with two or more frames or slices (the cyclist clip may give one frame)
    expect(page.match(/<polyline/g)!.length).toBeGreaterThanOrEqual(5);
    expect(readFileSync(path.join(tmp, 'report.csv'), 'utf8').trim().split('\n')).toHaveLength(12);
  });

  it('a rerun skips every done item (the failed one is tried again)', async () => {
    const before = statuses();
    const r = await batch([]);
    const items = r.events.filter((e) => e.event === 'item');
    expect(items.filter((e) => e.status === 'skipped')).toHaveLength(10);
    expect(items.filter((e) => e.status === 'failed').map((e) => e.rel)).toEqual([path.join(data, 'clips', 'corrupt.mp4')]);
    expect(r.code).toBe(1);
    const after = statuses();
    for (const s of before.filter((x) => x.status === 'done')) expect(after.find((a) => a.id === s.id)!.startedAt).toBe(s.startedAt);
  });

  it('a shard killed by SIGTERM mid-way exits 143 within 10 s; its rerun finishes the rest without redoing finished items', async () => {
    rmSync(path.join(data, 'clips', 'corrupt.mp4'));
    // --stride 3: different video settings, so the five clips are redone (the rest skip)
    const killed = await batch(['--stride', '3'], 2);
    expect(killed.code, killed.stderr).toBe(143);
    expect(tempFiles()).toEqual([]);
    const doneFirst = killed.events.filter((e) => e.event === 'item' && e.status === 'done').map((e) => e.rel!);
    expect(doneFirst.length).toBeGreaterThanOrEqual(2);
    expect(doneFirst.length).toBeLessThan(5);
    const rerun = await batch(['--stride', '3']);
    expect(rerun.code, rerun.stderr).toBe(0);
    const redone = rerun.events.filter((e) => e.event === 'item' && e.status === 'done').map((e) => e.rel!);
    expect(redone.filter((r) => doneFirst.includes(r))).toEqual([]);
    expect(new Set([...doneFirst, ...redone]).size).toBe(5);
    expect(rerun.events.filter((e) => e.status === 'skipped')).toHaveLength(5 + doneFirst.length);
  });

  it('a long clip stopped mid-way resumes at the frame it reached (its cache is in the item folder)', async () => {
    const clipDir = path.join(tmp, 'long');
    mkdirSync(clipDir);
    execFileSync(ffmpegBinary().path, ['-loglevel', 'error', '-i', fixture('videos/bottle-detection.mp4'), '-t', '3', '-vf', 'scale=128:-2', '-an', path.join(clipDir, 'long.mp4')]);
    const out = path.join(tmp, 'long-out');
    const args = [BIN, 'batch', clipDir, '--out', out, '-m', 'darknet-tiny'];
    const env = { ...process.env, L2CAF_MODEL_MIRROR: path.join(FIXTURES, 'models'), L2CAF_OFFLINE: '1' };
    const child = spawn(process.execPath, args, { env, stdio: 'ignore' });
    // SIGTERM once the item's cache holds a few frames
    const cached = (): number => {
      if (!existsSync(out)) return 0;
      const cache = readdirSync(out).map((d) => path.join(out, d, '.cache')).find((d) => existsSync(d));
      const partial = cache && readdirSync(cache).find((f) => f.endsWith('.partial.jsonl'));
      return partial ? readFileSync(path.join(cache!, partial), 'utf8').split('\n').filter(Boolean).length : 0;
    };
    const code = await new Promise<number | null>((resolve) => {
      const poll = setInterval(() => {
        if (cached() >= 5) {
          clearInterval(poll);
          child.kill('SIGTERM');
        }
      }, 50);
      child.on('exit', (c) => {
        clearInterval(poll);
        resolve(c);
      });
    });
    expect(code).toBe(143);
    // (the output's own marker, .l2caf-batch, is no item)
    const [item] = readdirSync(out).filter((d) => !d.startsWith('.'));
    expect(existsSync(path.join(out, item!, 'status.json'))).toBe(false);
    execFileSync(process.execPath, args, { env, stdio: 'ignore' });
    const t = JSON.parse(readFileSync(path.join(out, item!, 'timeline.json'), 'utf8'));
    expect(t.cache.hit).toBe('resumed');
    expect(t.summary.framesAnalyzed).toBe(t.frames.length);
    expect(JSON.parse(readFileSync(path.join(out, item!, 'status.json'), 'utf8')).status).toBe('done');
  });

  it('--workers 2: the images redone on worker threads have the maps of the run in this thread, and the process ends', async () => {
    const out = path.join(tmp, 'out');
    const images = () => statuses().filter((s) => s.kind === 'image');
    const mapsOf = () => Object.fromEntries(images().map((s) => [s.id, (JSON.parse(readFileSync(path.join(out, s.id, 'map.json'), 'utf8')).maps as { ms?: number }[]).map(({ ms: _ms, ...m }) => m)]));
    const before = mapsOf();
    expect(Object.keys(before)).toHaveLength(4);
    // the images' outcomes removed: only they are redone (the clips and the scan skip)
    for (const s of images()) rmSync(path.join(out, s.id, 'status.json'));
    const r = await batch(['--stride', '3', '--workers', '2']);
    expect(r.code, r.stderr).toBe(0);
    const done = r.events.filter((e) => e.event === 'item' && e.status === 'done').map((e) => e.rel!);
    expect(done.sort()).toEqual(images().map((s) => s.rel).sort());
    expect(r.events.filter((e) => e.status === 'skipped')).toHaveLength(6);
    const after = mapsOf();
    for (const [id, maps] of Object.entries(before)) expect(after[id]).toEqual(maps);
    expect(images().every((s) => s.status === 'done')).toBe(true);
  });
});
