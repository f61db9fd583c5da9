// Outputs never destroy inputs, and usage mistakes are caught before any work (issue 18, items 5
// and 9): the built CLI in a child process, as a user runs it.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import { PROJECT_ROOT, FIXTURES, fixture, haveFixture } from '../helpers/fixtures.js';
import { checkOutputs, extensionProblem } from '../../src/cli/outputChecks.js';
import { UsageError } from '../../src/engine/targets.js';

const BIN = path.join(PROJECT_ROOT, 'bin', 'l2caf.js');
const built = existsSync(path.join(PROJECT_ROOT, 'dist', 'cli', 'main.js'));
if (!built) console.warn('[skip] dist/ not built: run `npm run build` (npm test does)');
const haveAll = built && haveFixture('models/darknet-tiny') && haveFixture('images/chelsea.png') && haveFixture('videos/car-detection.mp4') && haveFixture('volumes/someones_anatomy.nii.gz');

function l2caf(args: string[], cwd: string) {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, L2CAF_MODEL_MIRROR: path.join(FIXTURES, 'models'), L2CAF_OFFLINE: '1', L2CAF_CACHE_DIR: path.join(cwd, 'cache') },
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - t0 };
}

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'l2caf-outsafe-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('checkOutputs', () => {
  it('refuses an output that is an input by path, by hard link and by symlink; accepts stdout and new names', async () => {
    const input = path.join(tmp, 'in.png');
    writeFileSync(input, 'x');
    linkSync(input, path.join(tmp, 'hard.png'));
    await expect(checkOutputs([input], [{ file: input, what: 'overlay' }])).rejects.toThrow(UsageError);
    await expect(checkOutputs([input], [{ file: path.join(tmp, 'hard.png'), what: 'overlay' }])).rejects.toThrow(/would overwrite the input/);
    await expect(checkOutputs([input], [{ file: path.join(tmp, 'sub', '..', 'in.png'), what: 'JSON' }])).rejects.toThrow(/would overwrite the input/);
    await expect(checkOutputs([input], [{ file: path.join(tmp, 'x.json'), what: 'JSON', alsoWrites: [input] }])).rejects.toThrow(/would overwrite the input/);
    await expect(checkOutputs([input], [{ file: '-', what: 'JSON' }, { file: undefined, what: 'CSV' }, { file: path.join(tmp, 'new.json'), what: 'JSON' }])).resolves.toBeUndefined();
  });

  it('refuses two outputs with one name, a missing folder, and a wrong extension', async () => {
    const a = path.join(tmp, 'same.out');
    await expect(checkOutputs([], [{ file: a, what: 'JSON' }, { file: a, what: 'CSV' }])).rejects.toThrow(/would overwrite the JSON of the same run/);
    await expect(checkOutputs([], [{ file: path.join(tmp, 'nope', 'x.json'), what: 'JSON' }])).rejects.toThrow(/folder .*nope does not exist/);
    expect(extensionProblem({ file: 'x.jpg', what: 'overlay', extensions: ['.png'] })).toBe('the overlay must end in .png, not .jpg');
    expect(extensionProblem({ file: 'out/', what: 'export', extensions: ['.mp4'], folderOk: true })).toBeNull();
    expect(extensionProblem({ file: 'a.NII.GZ', what: 'volume', extensions: ['.nii', '.nii.gz'] })).toBeNull();
  });

  it.skipIf(process.platform === 'win32')('refuses to replace a device, a FIFO or a folder with a file, and a file inside an input folder (a model folder, a model.json\'s folder)', async () => {
    await expect(checkOutputs([], [{ file: '/dev/full', what: 'JSON' }])).rejects.toThrow(/^\/dev\/full: the JSON would replace a character device with a file: name a regular file$/);
    const fifo = path.join(tmp, 'fifo.json');
    spawnSync('mkfifo', [fifo]);
    await expect(checkOutputs([], [{ file: fifo, what: 'JSON' }])).rejects.toThrow(/would replace a FIFO with a file/);
    const folder = mkdtempSync(path.join(tmp, 'dir-'));
    await expect(checkOutputs([], [{ file: folder, what: 'overlay' }])).rejects.toThrow(/the overlay is a folder: name a file in it/);
    await expect(checkOutputs([], [{ file: folder, what: 'export', folderOk: true }])).resolves.toBeUndefined();
    // a PNG sequence goes into a new or empty folder: said before any work (it was said after the analysis)
    writeFileSync(path.join(folder, 'mine.txt'), 'x');
    await expect(checkOutputs([], [{ file: `${folder}/`, what: 'export', folderOk: true }])).rejects.toThrow(/dir-\w+\/: the export folder is not empty: choose a new or empty folder$/);
    await expect(checkOutputs([], [{ file: path.join(folder, 'mine.txt/'), what: 'export', folderOk: true }])).rejects.toThrow(/the export needs a folder, and a file of that name exists/);
    // a model folder given as input: its files are inputs; new files beside them are fine
    const model = mkdtempSync(path.join(tmp, 'model-'));
    writeFileSync(path.join(model, 'model.json'), '{}');
    writeFileSync(path.join(model, 'labels.json'), '[]');
    writeFileSync(path.join(model, 'group1-shard1of1'), 'w');
    for (const f of ['model.json', 'labels.json', 'group1-shard1of1']) {
      await expect(checkOutputs([model], [{ file: path.join(model, f), what: 'JSON' }])).rejects.toThrow(/would overwrite (a file of )?the input/);
      await expect(checkOutputs([path.join(model, 'model.json')], [{ file: path.join(model, f), what: 'JSON' }])).rejects.toThrow(/would overwrite (a file of )?the input/);
    }
    await expect(checkOutputs([model], [{ file: path.join(model, 'new.json'), what: 'JSON' }])).resolves.toBeUndefined();
    // an image's folder is not an input: only the image itself is
    await expect(checkOutputs([path.join(model, 'labels.json')], [{ file: path.join(model, 'group1-shard1of1'), what: 'JSON' }])).resolves.toBeUndefined();
  });

  // /proc refuses new files to everyone, root included, whose access(W_OK) says yes: the check must
  // find that before the analysis, not the writer after it.
  it.skipIf(process.platform !== 'linux')('refuses a folder that refuses new files, whatever its mode bits say; leaves nothing behind where it can', async () => {
    await expect(checkOutputs([], [{ file: '/proc/x.mp4', what: 'export' }])).rejects.toThrow(/x\.mp4: cannot write the export: .*(cannot create files in|not writable).*\/proc/);
    const before = readdirSync(tmp).sort();
    await expect(checkOutputs([], [{ file: path.join(tmp, 'fine.json'), what: 'JSON' }])).resolves.toBeUndefined();
    expect(readdirSync(tmp).sort()).toEqual(before);
  });
});

describe.skipIf(!haveAll)('every output flag refuses to replace its input (exit 2, input untouched)', () => {
  const cases: { name: string; input: string; as?: string; args: (f: string) => string[] }[] = [
    { name: 'image --overlay', input: 'images/chelsea.png', args: (f) => ['image', f, '--overlay', f] },
    { name: 'image --json', input: 'images/chelsea.png', args: (f) => ['image', f, '--json', f] },
    { name: 'video --out', input: 'videos/car-detection.mp4', args: (f) => ['video', f, '--out', f, '--to', '1'] },
    { name: 'video --csv', input: 'videos/car-detection.mp4', args: (f) => ['video', f, '--csv', f, '--to', '1'] },
    { name: 'video --json', input: 'videos/car-detection.mp4', args: (f) => ['video', f, '--json', f, '--to', '1'] },
    { name: 'volume --out', input: 'volumes/someones_anatomy.nii.gz', args: (f) => ['volume', f, '--out', f] },
    { name: 'volume --json', input: 'volumes/someones_anatomy.nii.gz', args: (f) => ['volume', f, '--out', 'att.nii.gz', '--json', f] },
    { name: 'eval --json', input: 'images/chelsea.png', args: (f) => ['eval', f, '--json', f] },
    { name: 'eval --csv', input: 'images/chelsea.png', args: (f) => ['eval', f, '--csv', f] },
    // outputs whose names a rule derives: known from the flags (checked before the work) ...
    { name: 'image --overlay, a per-map name (class-oblivious)', input: 'images/chelsea.png', as: 'x-l2caf.png', args: (f) => ['image', f, '--overlay', 'x.png', '--method', 'l2caf', '--method', 'gradcam'] },
    // ... or only once the model has chosen (the top-1 class, the scan's axes): checked before writing
    { name: 'image --overlay, a per-map name (the top-1 class)', input: 'images/chelsea.png', as: 'x-gradcam-7.png', args: (f) => ['image', f, '--overlay', 'x.png', '--method', 'l2caf', '--method', 'gradcam'] },
    { name: 'volume --out --axis all, a per-axis name', input: 'volumes/someones_anatomy.nii.gz', as: 'att-z.nii.gz', args: (f) => ['volume', f, '--out', 'att.nii.gz', '--axis', 'all', '--method', 'gradcam', '--no-progress'] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const dir = mkdtempSync(path.join(tmp, 'case-'));
      const name = c.as ?? path.basename(c.input);
      copyFileSync(fixture(c.input), path.join(dir, name));
      const r = l2caf(c.args(name), dir);
      // (a JSON or CSV over a picture, a clip or a scan: refused by its extension first)
      const n = name.replace(/\./g, '\\.');
      expect(r.stderr).toMatch(new RegExp(`would overwrite the input ${n}|^l2caf: ${n}: the [\\w ]+ must end in \\.(json|csv), not `));
      expect(r.code).toBe(2);
      expect(readFileSync(path.join(dir, name)).equals(readFileSync(fixture(c.input)))).toBe(true);
      // nothing else was written either
      expect(readdirSync(dir)).toEqual([name]);
    });
  }

  it('layers and image refuse a JSON over a file of the model folder; batch-report one over an item\'s status.json', () => {
    const dir = mkdtempSync(path.join(tmp, 'case-'));
    const model = path.join(dir, 'm');
    execFileSync('cp', ['-r', fixture('models/darknet-tiny'), model]);
    const before = readFileSync(path.join(model, 'model.json'));
    for (const args of [['layers', '--model', 'm', '--json', 'm/model.json'], ['image', fixture('images/chelsea.png'), '--model', 'm', '--json', 'm/labels.json']]) {
      const r = l2caf(args, dir);
      expect(r.stderr, args.join(' ')).toMatch(/would overwrite a file of the input m/);
      expect(r.code).toBe(2);
    }
    expect(readFileSync(path.join(model, 'model.json')).equals(before)).toBe(true);
    const item = path.join(dir, 'out', 'x-0123abcd');
    mkdirSync(item, { recursive: true });
    writeFileSync(path.join(item, 'status.json'), '{"status":"done"}');
    const r = l2caf(['batch-report', 'out', '--json', 'out/x-0123abcd/status.json'], dir);
    expect(r.stderr).toMatch(/would overwrite a file of the input/);
    expect(r.code).toBe(2);
    expect(readFileSync(path.join(item, 'status.json'), 'utf8')).toBe('{"status":"done"}');
    // the report itself may go into the folder, and be written again
    for (let i = 0; i < 2; i++) expect(l2caf(['batch-report', 'out', '--json', 'out/report.json'], dir).code).toBe(0);
  });

  it('eval-video refuses --json equal to the track file', () => {
    const dir = mkdtempSync(path.join(tmp, 'case-'));
    writeFileSync(path.join(dir, 'track.csv'), 'frame,x,y,w,h\n');
    const r = l2caf(['eval-video', fixture('videos/car-detection.mp4'), '--track', 'track.csv', '--json', 'track.csv'], dir);
    expect(r.code).toBe(2);
    expect(readFileSync(path.join(dir, 'track.csv'), 'utf8')).toBe('frame,x,y,w,h\n');
  });
});

describe.skipIf(!haveAll)('usage mistakes fail before any work with exit 2 and a one-line message', () => {
  it('an unknown --colormap, before the analysis', () => {
    for (const cmd of [['video', fixture('videos/car-detection.mp4'), '--out', 'x.mp4', '--no-cache'], ['image', fixture('images/chelsea.png'), '--overlay', 'x.png']]) {
      const r = l2caf([...cmd, '--colormap', 'nonsense'], tmp);
      expect(r.code, cmd[0]).toBe(2);
      expect(r.stderr.trim()).toMatch(/unknown colour map "nonsense" \(choose jet, viridis, .*\)$/);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('video --from after --to', () => {
    const r = l2caf(['video', fixture('videos/car-detection.mp4'), '--from', '5', '--to', '2', '--no-cache'], tmp);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/car-detection\.mp4: --from 5 must be before --to 2$/);
  });

  it('video --class not in the labels: refused before any worker starts', () => {
    const r = l2caf(['video', fixture('videos/car-detection.mp4'), '--class', 'bogusclass', '--to', '1', '--no-cache'], tmp);
    expect(r.stderr.trim()).toBe('l2caf: darknet-tiny: unknown class "bogusclass" (not in the model\'s labels)');
    expect(r.code).toBe(2);
  });

  it('output extensions and folders', () => {
    const img = fixture('images/chelsea.png');
    let r = l2caf(['image', img, '--overlay', 'x.jpg'], tmp);
    expect([r.code, r.stderr.trim()]).toEqual([2, 'l2caf: x.jpg: the overlay must end in .png, not .jpg']);
    r = l2caf(['image', img, '--json', path.join(tmp, 'missing', 'x.json')], tmp);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/x\.json: cannot write the JSON: the folder .*missing does not exist/);
    r = l2caf(['video', fixture('videos/car-detection.mp4'), '--out', 'x.txt', '--no-cache'], tmp);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/x\.txt: the export must end in/);
    r = l2caf(['volume', fixture('volumes/someones_anatomy.nii.gz'), '--out', 'x.nii.zip'], tmp);
    expect(r.code).toBe(2);
  });

  it('a range outside the clip is shown rounded, without "undefined"', () => {
    const r = l2caf(['video', fixture('videos/car-detection.mp4'), '--from', '40', '--no-cache'], tmp);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Range from 40 s is outside .*, which spans 0\.000-30\.160 s/);
    expect(r.stderr).not.toMatch(/undefined|\d\.\d{6,}/);
  });

  it('a NIfTI whose pixdim is NaN is refused while reading, naming the file', () => {
    const src = readFileSync(fixture('volumes/someones_anatomy.nii.gz'));
    // the gzipped fixture: write an uncompressed copy with pixdim[1] = NaN
    const raw = Buffer.from(gunzipSync(src));
    const le = raw.readInt32LE(0) === 348;
    if (le) raw.writeFloatLE(NaN, 80);
    else raw.writeFloatBE(NaN, 80);
    const bad = path.join(tmp, 'nan-pixdim.nii');
    writeFileSync(bad, raw);
    const r = l2caf(['volume', bad, '--out', path.join(tmp, 'att.nii.gz'), '--workers', '1'], tmp);
    expect(r.stderr.trim()).toBe(`l2caf: ${bad}: pixdim[1] (the voxel size along axis 1) is NaN: it must be a finite number`);
    expect(r.code).toBe(1);
    expect(existsSync(path.join(tmp, 'att.nii.gz'))).toBe(false);
  });
});
