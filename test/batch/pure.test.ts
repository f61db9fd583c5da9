// The batch's pure parts: ids, sharding, manifests, settings hash, kinds, progress, report, CSV, HTML.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { itemId, sanitise } from '../../src/batch/itemId.js';
import { itemsOfShard, parseShardFlag, resolveShard } from '../../src/batch/shard.js';
import { csvFields, parseManifest } from '../../src/batch/manifest.js';
import { canonicalJson, settingsHash } from '../../src/batch/settingsHash.js';
import { kindByBytes, kindByName } from '../../src/batch/classify.js';
import { etaSeconds, formatEnd, formatItem, formatStart, clock, shareDone } from '../../src/batch/progress.js';
import { buildReport, gatherItems, reportWarnings } from '../../src/batch/report.js';
import { reportCsv } from '../../src/batch/reportCsv.js';
import { reportHtml, sparkline } from '../../src/batch/reportHtml.js';
import { projectVolume, shrinkMap } from '../../src/batch/thumb.js';
import { discoverItems } from '../../src/batch/discover.js';
import { isFinished } from '../../src/batch/status.js';
import type { ItemStatus } from '../../src/batch/types.js';
import { ITEM_OUTPUT_RE } from '../../src/batch/runners.js';
import { hashForKind, type BatchSettings } from '../../src/batch/settings.js';
import { outputNames } from '../../src/slices/outputNames.js';

describe('item ids', () => {
  it('are the sanitised path plus a hash of it, stable and distinct', () => {
    expect(itemId('clips/a b.mp4')).toMatch(/^clips_a_b\.mp4-[0-9a-f]{8}$/);
    expect(itemId('clips/a b.mp4')).toBe(itemId('clips/a b.mp4'));
    expect(itemId('clips/a b.mp4')).not.toBe(itemId('clips/a_b.mp4'));
    expect(sanitise('../../x/../y.nii.gz')).toBe('x_.._y.nii.gz');
    expect(sanitise('x'.repeat(200)).length).toBe(80);
    expect(sanitise('///')).toBe('item');
  });
});

describe('shards', () => {
  it('--shard I/N wins, then JOB_COMPLETION_INDEX, then Slurm', () => {
    expect(resolveShard({ shard: '1/3' }, { JOB_COMPLETION_INDEX: '2', L2CAF_SHARDS: '4' })).toMatchObject({ index: 1, count: 3 });
    expect(resolveShard({ shard: '1/3', shards: 3 }, {})).toMatchObject({ index: 1, count: 3 });
    expect(() => resolveShard({ shard: '0/2', shards: 3 }, {})).toThrow('--shard 0/2 and --shards 3 disagree on the shard count: give one of them');
    expect(resolveShard({}, { JOB_COMPLETION_INDEX: '2', L2CAF_SHARDS: '4' })).toMatchObject({ index: 2, count: 4 });
    expect(resolveShard({ shards: 5 }, { JOB_COMPLETION_INDEX: '2', L2CAF_SHARDS: '4' })).toMatchObject({ index: 2, count: 5 });
    expect(resolveShard({}, { SLURM_ARRAY_TASK_ID: '11', SLURM_ARRAY_TASK_MIN: '10', SLURM_ARRAY_TASK_COUNT: '3' })).toMatchObject({ index: 1, count: 3 });
    expect(resolveShard({}, { SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_COUNT: '3', L2CAF_SHARDS: '2' })).toMatchObject({ index: 0, count: 2 });
    expect(resolveShard({}, {})).toMatchObject({ index: 0, count: 1 });
  });
  it('a Slurm array with a step (--array=0-8:2): IDs 0,2,4,6,8 are shards 0..4', () => {
    const env = (id: number) => ({ SLURM_ARRAY_TASK_ID: String(id), SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_STEP: '2', SLURM_ARRAY_TASK_COUNT: '5' });
    expect([0, 2, 4, 6, 8].map((id) => resolveShard({}, env(id)).index)).toEqual([0, 1, 2, 3, 4]);
    expect(resolveShard({}, { SLURM_ARRAY_TASK_ID: '13', SLURM_ARRAY_TASK_MIN: '10', SLURM_ARRAY_TASK_STEP: '3', SLURM_ARRAY_TASK_COUNT: '2' })).toMatchObject({ index: 1, count: 2 });
    expect(() => resolveShard({}, { ...env(0), SLURM_ARRAY_TASK_ID: '3' })).toThrow(/^SLURM_ARRAY_TASK_ID 3 is not SLURM_ARRAY_TASK_MIN 0 plus a multiple of SLURM_ARRAY_TASK_STEP 2/);
    expect(() => resolveShard({}, { ...env(0), SLURM_ARRAY_TASK_STEP: '0' })).toThrow(/SLURM_ARRAY_TASK_STEP: expected a positive integer/);
  });
  it('says what is wrong in one line', () => {
    expect(() => parseShardFlag('3/3')).toThrow(/outside 0..2/);
    expect(() => parseShardFlag('a/3')).toThrow(/expected I\/N/);
    expect(() => resolveShard({}, { JOB_COMPLETION_INDEX: '0' })).toThrow(/--shards N or L2CAF_SHARDS/);
    expect(() => resolveShard({ shards: 3 }, {})).toThrow(/needs the shard index/);
  });
  it('every item goes to exactly one shard', () => {
    const items = Array.from({ length: 11 }, (_, i) => i);
    const parts = [0, 1, 2].map((index) => itemsOfShard(items, { index, count: 3 }));
    expect(parts.flat().sort((a, b) => a - b)).toEqual(items);
    expect(parts[1]).toEqual([1, 4, 7, 10]);
  });
});

describe('manifests', () => {
  it('.txt: one path a line, comments and blanks skipped; .csv: the path column, quoted fields', () => {
    expect(parseManifest('m.txt', '# clips\na.mp4\n\n  b.png  \n')).toEqual(['a.mp4', 'b.png']);
    expect(parseManifest('m.csv', 'subject,path\n1,"x, y.nii"\n2,z.mp4\n')).toEqual(['x, y.nii', 'z.mp4']);
    expect(csvFields('a,"b ""c""",d')).toEqual(['a', 'b "c"', 'd']);
    expect(() => parseManifest('m.csv', 'file\nx')).toThrow(/m\.csv: a CSV manifest needs a "path" column/);
  });
});

describe('settings hash', () => {
  it('ignores key order and undefined, changes with any value', () => {
    expect(canonicalJson({ b: 1, a: [1, { d: undefined, c: 2 }] })).toBe('{"a":[1,{"c":2}],"b":1}');
    expect(settingsHash({ a: 1, b: 2 })).toBe(settingsHash({ b: 2, a: 1 }));
    expect(settingsHash({ a: 1 })).not.toBe(settingsHash({ a: 2 }));
  });
  it('only a done status under the same hash and the same model weights is finished', () => {
    const s: ItemStatus = { status: 'done', error: null, settingsHash: 'h', modelSha: 'm1', startedAt: '', seconds: 1, rel: 'x', kind: 'image' };
    expect(isFinished(s, 'h', 'm1')).toBe(true);
    expect(isFinished(s, 'g', 'm1')).toBe(false);
    expect(isFinished(s, 'h', 'm2')).toBe(false);
    expect(isFinished(s, 'h', null)).toBe(false);
    // a model not on disk (a URL) has no sha: null matches null
    expect(isFinished({ ...s, modelSha: null }, 'h', null)).toBe(true);
    expect(isFinished({ ...s, status: 'failed' }, 'h', 'm1')).toBe(false);
    expect(isFinished(null, 'h', 'm1')).toBe(false);
  });
});

describe('kinds', () => {
  it('by name and by magic bytes', () => {
    expect(kindByName('a/b.NII.GZ')).toBe('volume');
    expect(kindByName('x.webm')).toBe('video');
    expect(kindByName('x.jpeg')).toBe('image');
    expect(kindByName('x.dat')).toBeNull();
    expect(kindByBytes(Buffer.from('\x89PNG\r\n', 'latin1'))).toBe('image');
    expect(kindByBytes(Buffer.from('\0\0\0\x18ftypisom', 'latin1'))).toBe('video');
    const dicom = Buffer.alloc(132);
    dicom.write('DICM', 128, 'latin1');
    expect(kindByBytes(dicom)).toBe('volume');
    expect(kindByBytes(Buffer.from('hello'))).toBeNull();
  });
  it('discovery walks folders, skips hidden and unknown files, reads manifests, sorts by id', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'l2caf-discover-'));
    try {
      mkdirSync(path.join(dir, 'data', 'sub', 'series'), { recursive: true });
      mkdirSync(path.join(dir, 'out'));
      writeFileSync(path.join(dir, 'data', 'a.mp4'), 'x');
      writeFileSync(path.join(dir, 'data', '.hidden.mp4'), 'x');
      writeFileSync(path.join(dir, 'data', 'notes.md'), 'x');
      writeFileSync(path.join(dir, 'data', 'sub', 'b.png'), 'x');
      const dcm = Buffer.alloc(200);
      dcm.write('DICM', 128, 'latin1');
      writeFileSync(path.join(dir, 'data', 'sub', 'series', 'im1'), dcm);
      writeFileSync(path.join(dir, 'data', 'sub', 'series', 'im2'), dcm);
      writeFileSync(path.join(dir, 'out', 'c.mp4'), 'x');
      writeFileSync(path.join(dir, 'list.txt'), 'data/a.mp4\nodd.bin\n');
      writeFileSync(path.join(dir, 'odd.bin'), 'zz');
      const ignored: string[] = [];
      const items = await discoverItems(['data', 'list.txt', 'out'], { cwd: dir, skip: ['out'], onIgnored: (rel) => ignored.push(rel) });
      // a file of no kind inside a folder is left out and reported; hidden files and the output are not
      // reported; a file named (odd.bin, in the manifest) is an item, failing later
      expect(ignored).toEqual([path.join('data', 'notes.md')]);
      expect(items.map((i) => [i.rel, i.kind])).toEqual(
        [['data/a.mp4', 'video'], ['data/sub/b.png', 'image'], ['data/sub/series', 'volume'], ['odd.bin', null]].sort((a, b) => (itemId(a[0]!) < itemId(b[0]!) ? -1 : 1)),
      );
      await expect(discoverItems(['missing.mp4'], { cwd: dir })).rejects.toThrow(/^missing\.mp4: no such file or folder$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('discovery: paths, links, manifests, earlier outputs', () => {
  let dir: string;
  const write = (rel: string, data: string | Buffer = 'x') => {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), data);
  };
  const rels = async (inputs: string[], opts: Parameters<typeof discoverItems>[1] = {}) => (await discoverItems(inputs, { cwd: dir, ...opts })).map((i) => i.rel).sort();
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'l2caf-discover-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('one file given two ways (relative and absolute) is one item, named as first given', async () => {
    write('data/a/x.png');
    const items = await discoverItems(['data/a/x.png', path.join(dir, 'data/a/x.png'), 'data'], { cwd: dir });
    expect(items.map((i) => i.rel)).toEqual([path.join('data', 'a', 'x.png')]);
  });

  it('a manifest line is named from the manifest\'s folder: the same name in two folders is two items', async () => {
    write('data/a/x.png');
    write('data/b/x.png');
    write('data/a/list.txt', 'x.png\n');
    write('data/b/list.txt', 'x.png\n');
    write('top.txt', 'data/a/x.png\n');
    expect(await rels(['data/a/list.txt', 'data/b/list.txt'])).toEqual([path.join('data', 'a', 'x.png'), path.join('data', 'b', 'x.png')]);
    // a manifest in the current folder names its lines as they are written (the ids of earlier runs)
    expect(await rels(['top.txt'])).toEqual([path.join('data', 'a', 'x.png')]);
    // nested: a manifest listing a manifest in another folder
    write('lists/all.txt', '../data/b/list.txt\n');
    expect(await rels(['lists/all.txt'])).toEqual([path.join('data', 'b', 'x.png')]);
  });

  it('a manifest that lists itself, or a cycle of manifests, is a usage error naming it', async () => {
    write('self.txt', 'self.txt\n');
    await expect(discoverItems(['self.txt'], { cwd: dir })).rejects.toThrow(/^self\.txt: lists itself \(via self\.txt -> self\.txt\)$/);
    write('m/a.txt', 'b.txt\n');
    write('m/b.txt', '../m/a.txt\n');
    await expect(discoverItems(['m/a.txt'], { cwd: dir })).rejects.toThrow(/^m\/a\.txt: lists itself \(via m\/a\.txt -> m\/b\.txt -> m\/a\.txt\)$/);
    // the same manifest twice side by side is no cycle
    write('m/x.png');
    write('m/c.txt', 'x.png\n');
    write('m/d.txt', 'c.txt\nc.txt\n');
    expect(await rels(['m/d.txt'])).toEqual([path.join('m', 'x.png')]);
  });

  it('symbolic links are followed: to a file, to a folder (a cycle walked once); a dangling link is left out and reported', async () => {
    write('store/b.png');
    write('store/deep/c.png');
    write('data/a.png');
    symlinkSync(path.join(dir, 'store', 'b.png'), path.join(dir, 'data', 'b-link.png'));
    symlinkSync(path.join(dir, 'store', 'deep'), path.join(dir, 'data', 'deep-link'));
    symlinkSync(path.join(dir, 'data'), path.join(dir, 'data', 'loop'));
    symlinkSync(path.join(dir, 'nowhere.png'), path.join(dir, 'data', 'gone.png'));
    const ignored: string[] = [];
    expect(await rels(['data'], { onIgnored: (r) => ignored.push(r) })).toEqual(['data/a.png', 'data/b-link.png', 'data/deep-link/c.png'].map((r) => path.join(...r.split('/'))));
    expect(ignored).toEqual([path.join('data', 'gone.png')]);
  });

  it('an earlier batch output inside the inputs is skipped (by its marker, or item folders with status.json) unless named', async () => {
    write('ds/a.png');
    write('ds/results-jet/.l2caf-batch', '{}');
    write('ds/results-jet/a.png-0123abcd/overlay.png');
    write('ds/old/a.png-89abcdef/status.json', '{}');
    write('ds/old/a.png-89abcdef/overlay.png');
    write('ds/keep/b.png-11111111/b.png'); // item-like name but no status.json: data
    const skipped: string[] = [];
    expect(await rels(['ds'], { onOutputSkipped: (r) => skipped.push(r) })).toEqual(['ds/a.png', 'ds/keep/b.png-11111111/b.png'].map((r) => path.join(...r.split('/'))));
    expect(skipped).toEqual([path.join('ds', 'old'), path.join('ds', 'results-jet')]);
    expect(await rels(['ds/results-jet'])).toEqual([path.join('ds', 'results-jet', 'a.png-0123abcd', 'overlay.png')]);
  });
});

describe('progress', () => {
  it('ETA over the items worked on; one text line or one JSON line per item', () => {
    expect(etaSeconds(10, 2, 3)).toBe(15);
    expect(etaSeconds(0, 0, 3)).toBeNull();
    expect(etaSeconds(0, 0, 0)).toBe(0);
    // Four images in flight at once, 4 s each, 1 a second together; the first finishes at 4 s with
    // 15 of 16 left, three of them 95% done: ~12 s left (wall time per image worked on alone says 60).
    const shares = [4, 4, 4].map((s) => shareDone(s, 4));
    expect(shares).toEqual([0.95, 0.95, 0.95]);
    expect(etaSeconds(4, 1, 15, shares)).toBeCloseTo((4 / 3.85) * 12.15, 6);
    expect(etaSeconds(4, 1, 15)).toBe(60);
    // an item just begun counts for nothing yet; one running longer than the mean, not more than 95%
    expect(shareDone(0, 4)).toBe(0);
    expect(shareDone(10, 4)).toBe(0.95);
    expect(shareDone(3, 0)).toBe(0);
    expect(etaSeconds(10, 2, 1, [0.95])).toBeGreaterThan(0);
    expect(clock(3725)).toBe('1:02:05');
    const e = { index: 2, total: 5, id: 'a-1', rel: 'a.mp4', kind: 'video' as const, status: 'done' as const, seconds: 1.25, units: 12, error: null, etaS: 30 };
    expect(formatItem(e, 'text')).toBe('[2/5] done    a.mp4 (video, 12 frames, 1.3 s); ETA 0:30');
    expect(JSON.parse(formatItem(e, 'json'))).toMatchObject({ event: 'item', status: 'done', etaS: 30 });
    // maps a budget cut short are said on the item's line (none: nothing added)
    expect(formatItem({ ...e, atLimit: 3 }, 'text')).toBe('[2/5] done    a.mp4 (video, 12 frames, 1.3 s, 3 at the iteration limit); ETA 0:30');
    expect(formatItem({ ...e, kind: 'image', units: 1, atLimit: 1 }, 'text')).toBe('[2/5] done    a.mp4 (image, 1.3 s, 1 at the iteration limit); ETA 0:30');
    // a failure's error names the item (for status.json); the line names it once
    const failed = { ...e, status: 'failed' as const, units: null, error: 'a.mp4: not a video (moov atom not found)' };
    expect(formatItem(failed, 'text')).toBe('[2/5] failed  a.mp4: not a video (moov atom not found); ETA 0:30');
    expect(formatItem({ ...failed, error: '/data/a.mp4: truncated' }, 'text')).toBe('[2/5] failed  a.mp4: /data/a.mp4: truncated; ETA 0:30');
    expect(JSON.parse(formatItem(failed, 'json')).error).toBe('a.mp4: not a video (moov atom not found)');
    // the start line says which files in the input folders were left out, the first three by name
    const start = { shard: { index: 0, count: 1, from: 'all' }, items: 3, allItems: 3, out: '/o' };
    expect(formatStart(start, 'text')).toBe('batch: shard 0/1 (all): 3 of 3 item(s) -> /o');
    expect(formatStart({ ...start, ignored: { files: 1, examples: ['in/notes.txt'] } }, 'text')).toBe(
      'batch: shard 0/1 (all): 3 of 3 item(s) -> /o; 1 file in the input folders is no video, image or scan, left out: in/notes.txt',
    );
    expect(formatStart({ ...start, ignored: { files: 5, examples: ['a.txt', 'b.csv', 'c.md'] } }, 'text')).toMatch(/; 5 files in the input folders are no video, image or scan, left out: a\.txt, b\.csv, c\.md and 2 more$/);
    expect(JSON.parse(formatStart({ ...start, ignored: { files: 1, examples: ['x'] } }, 'json'))).toMatchObject({ event: 'start', ignored: { files: 1, examples: ['x'] } });
    expect(formatItem({ ...e, atLimit: 0 }, 'text')).toBe(formatItem(e, 'text'));
    // an item another run on the same folder is doing, and earlier outputs left out of the inputs
    expect(formatItem({ ...e, status: 'claimed', units: null, heldBy: 'node7 pid 42 since 2026-01-01T00:00:00.000Z' }, 'text')).toBe(
      '[2/5] claimed a.mp4 (being done by another run: node7 pid 42 since 2026-01-01T00:00:00.000Z); ETA 0:30',
    );
    expect(formatEnd({ done: 1, failed: 0, skipped: 2, claimed: 3, seconds: 4 }, 'text')).toBe('batch: 1 done, 0 failed, 2 skipped, 3 claimed by another run (not done here: that run is doing them) in 4.0 s');
    expect(formatEnd({ done: 1, failed: 0, skipped: 2, claimed: 0, seconds: 4 }, 'text')).toBe('batch: 1 done, 0 failed, 2 skipped in 4.0 s');
    expect(formatStart({ ...start, outputs: ['ds/results-jet'] }, 'text')).toBe('batch: shard 0/1 (all): 3 of 3 item(s) -> /o; 1 folder in the inputs is an earlier batch output, left out: ds/results-jet');
    expect(JSON.parse(formatItem({ ...e, atLimit: 3 }, 'json'))).toMatchObject({ atLimit: 3 });
  });
});

describe('report', () => {
  const st = (status: 'done' | 'failed', kind: 'video' | 'image', rel: string): ItemStatus => ({
    status, error: status === 'failed' ? `${rel}: broken` : null, settingsHash: 'h', modelSha: 'm', startedAt: '2026-01-01T00:00:00Z', seconds: 2, rel, kind,
  });
  const thumb = shrinkMap(4, 4, Array.from({ length: 16 }, (_, i) => i));
  const r = buildReport([
    { id: 'a-1', status: st('done', 'video', 'a.mp4'), summary: { kind: 'video', units: 10, fps: 5, meanIterations: 4, solves: { warm: 8, cold: 2, adamPhase: 1 }, meanFlicker: 0.1, top: { label: 'cat "x"', score: 0.5 }, eval: null, files: [], thumb, series: [0.1, 0.5, 0.3] } },
    { id: 'b-2', status: st('done', 'image', 'b.png'), summary: { kind: 'image', units: 1, fps: 2, meanIterations: 6, solves: { warm: 0, cold: 1, adamPhase: 1 }, meanFlicker: null, top: null, eval: null, files: [], thumb: null, series: [] } },
    { id: 'c-3', status: st('failed', 'video', 'c.mp4'), summary: null },
    { id: 'd-4', status: null, summary: null },
  ]);
  it('counts and means', () => {
    expect(r.summary).toMatchObject({ items: 4, done: 2, failed: 1, pending: 1, frames: 10, images: 1, seconds: 6, meanFlicker: 0.1, settingsHashes: 1 });
    expect(r.summary.meanIterations).toBeCloseTo((4 * 10 + 6) / 11, 4);
    expect(r.summary.byKind.video).toEqual({ items: 2, done: 1, failed: 1 });
    expect(r.items[2]).toMatchObject({ status: 'failed', error: 'c.mp4: broken' });
    // how the items' iterative L2-CAF maps were solved, summed (a folder written before: null)
    expect(r.summary.solves).toEqual({ warm: 8, cold: 3, adamPhase: 2 });
    expect(r.items[2]!.solves).toBeNull();
    expect(buildReport([{ id: 'x', status: st('done', 'image', 'x.png'), summary: { kind: 'image', units: 1, fps: 1, meanIterations: 1, meanFlicker: null, top: null, eval: null, files: [], thumb: null, series: [] } }]).summary.solves).toBeNull();
  });
  it('mixed model weights are counted and warned of', () => {
    const done = (id: string, modelSha: string | null) => ({ id, status: { ...st('done', 'image', `${id}.png`), modelSha }, summary: { kind: 'image' as const, units: 1, fps: 1, meanIterations: 1, meanFlicker: null, top: null, eval: null, files: [], thumb: null, series: [] } });
    expect(r.summary.modelShas).toBe(1);
    expect(reportWarnings(r)).toEqual([]);
    const mixed = buildReport([done('a', 'm1'), done('b', 'm2'), done('c', 'm1')]);
    expect(mixed.summary).toMatchObject({ settingsHashes: 1, modelShas: 2 });
    expect(reportWarnings(mixed)).toEqual([expect.stringMatching(/^the done items were made with 2 different model weights \(modelSha\)/)]);
    expect(buildReport([done('a', null), done('b', 'm1')]).summary.modelShas).toBe(2);
  });
  it('a done status with a missing or damaged summary, or a damaged status, is pending with a note naming the file', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'l2caf-report-'));
    try {
      const status = JSON.stringify(st('done', 'image', 'x.png'));
      const summary = JSON.stringify({ kind: 'image', units: 1, fps: 1, meanIterations: 1, meanFlicker: null, top: null, eval: null, files: [], thumb: null, series: [] });
      const item = (id: string, files: Record<string, string>) => {
        mkdirSync(path.join(dir, id));
        for (const [f, text] of Object.entries(files)) writeFileSync(path.join(dir, id, f), text);
      };
      item('ok-00000001', { 'status.json': status, 'summary.json': summary });
      item('nosum-00000002', { 'status.json': status });
      item('badsum-00000003', { 'status.json': status, 'summary.json': '{"kind":"ima' });
      item('badstat-00000004', { 'status.json': status.slice(0, 20), 'summary.json': summary });
      item('stopped-00000005', {});
      const rep = buildReport(await gatherItems(dir));
      expect(rep.summary).toMatchObject({ items: 5, done: 1, pending: 4, damaged: 3, images: 1 });
      const by = Object.fromEntries(rep.items.map((it) => [it.id, it]));
      expect(by['nosum-00000002']).toMatchObject({ status: 'pending', rel: 'x.png', note: `${path.join(dir, 'nosum-00000002', 'summary.json')}: missing although status.json says done; the next batch run redoes the item` });
      expect(by['badsum-00000003']!.note).toBe(`${path.join(dir, 'badsum-00000003', 'summary.json')}: damaged (not valid JSON, or not a summary); the next batch run redoes the item`);
      // a truncated status: the folder name as its path, the kind from the summary
      expect(by['badstat-00000004']).toMatchObject({ status: 'pending', rel: 'badstat-00000004', kind: 'image', note: expect.stringMatching(/badstat-00000004\/status\.json: damaged/) });
      expect(by['stopped-00000005']).toMatchObject({ status: 'pending', rel: 'stopped-00000005', note: null });
      expect(reportWarnings(rep)).toHaveLength(3);
      expect(reportCsv(rep).split('\n')[0]!.endsWith(',error,note')).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('CSV quotes, HTML is self-contained with thumbnails and sparklines', () => {
    const csv = reportCsv(r).split('\n');
    expect(csv[0]!.startsWith('id,path,kind,status,units')).toBe(true);
    expect(csv[1]).toContain('"cat ""x"""');
    const cols = csv[0]!.split(',');
    const at = (line: string, col: string) => line.split(',')[cols.indexOf(col)];
    expect([at(csv[1]!, 'warm'), at(csv[1]!, 'cold'), at(csv[1]!, 'adam_phase'), at(csv[1]!, 'at_limit')]).toEqual(['8', '2', '1', '0']);
    expect(at(csv[3]!, 'warm')).toBe(''); // the failed item: no numbers
    const html = reportHtml(r);
    expect(html).toContain('(L2-CAF maps: 8 warm, 3 cold, the Adam phase on 2)');
    expect(html).toContain('src="data:image/png;base64,');
    expect(html).toContain('<polyline');
    expect(html).toContain('cat &quot;x&quot;');
    expect(html).not.toMatch(/<script|<link|src="http|href="http/);
    expect(sparkline([1])).toBe('');
  });
  it('thumbnails: max-pooled grids, volumes projected along the axis', () => {
    expect(thumb).toMatchObject({ width: 4, height: 4 });
    expect(shrinkMap(64, 64, new Array(64 * 64).fill(0).map((_, i) => (i === 65 ? 1 : 0))).values[0]).toBe(1);
    const p = projectVolume([2, 2, 2], [0, 1, 2, 3, 4, 5, 6, 7], 'z');
    expect(Array.from(p.values)).toEqual([6, 7, 4, 5]);
  });
});

describe('the result files a redo may remove', () => {
  it('are every name the runners write, and nothing else', () => {
    const maps = [
      { axis: 'x' as const, method: 'l2caf' as const, target: null, perSliceTop1: false },
      { axis: 'z' as const, method: 'l2caf-class' as const, target: { index: 285, label: 'Egyptian cat' }, perSliceTop1: false },
      { axis: 'z' as const, method: 'gradcam' as const, target: null, perSliceTop1: true },
    ];
    const scan = outputNames('attention.nii.gz', maps).map((n) => path.basename(n));
    expect(scan).toEqual(['attention-x-l2caf.nii.gz', 'attention-z-l2caf-class-285.nii.gz', 'attention-z-gradcam-top1.nii.gz']);
    for (const f of [...scan, 'attention.nii.gz', 'volume.json', 'timeline.json', 'timeline.csv', 'annotated.mp4', 'annotated.webm', 'annotated.gif', 'map.json', 'overlay.png']) expect(f).toMatch(ITEM_OUTPUT_RE);
    for (const f of ['status.json', 'summary.json', '.claim', '.cache', 'notes.txt', 'overlay.png.bak', 'attention.nii', 'my-attention.nii.gz']) expect(f).not.toMatch(ITEM_OUTPUT_RE);
  });
});

describe('the tint flags in the settings hash', () => {
  const base: BatchSettings = {
    model: {}, methods: ['l2caf'], classes: [], preset: 'converged', solver: 'auto', constraint: 'l2', warmStart: true,
    video: { stride: 1, eval: null, export: null, colormap: 'jet', opacity: 0.5, workers: 0 },
    volume: { weight: true }, image: { colormap: 'jet', opacity: 0.5 },
  };
  it('leave the hash of runs made before them where they are defaults; a threshold or blend redoes images and clips, not scans', () => {
    // (the hash of these settings as written before --threshold/--blend existed)
    expect(hashForKind(base, 'image')).toBe(settingsHash({ kind: 'image', model: {}, methods: ['l2caf'], classes: [], preset: 'converged', solver: 'auto', constraint: 'l2', colormap: 'jet', opacity: 0.5 }));
    const tinted: BatchSettings = { ...base, video: { ...base.video, threshold: 0.3 }, image: { ...base.image, blend: 'uniform' } };
    expect(hashForKind(tinted, 'image')).not.toBe(hashForKind(base, 'image'));
    expect(hashForKind(tinted, 'video')).not.toBe(hashForKind(base, 'video'));
    expect(hashForKind(tinted, 'volume')).toBe(hashForKind(base, 'volume'));
  });
});
