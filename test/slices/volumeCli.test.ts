// `l2caf volume` through a commander program built here (the lead registers the command in
// main.ts): written NIfTI files on the scan's grid, the JSON, and bad input that writes nothing.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Command } from 'commander';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { volumeCommand } from '../../src/cli/volumeCommand.js';
import { selectBackend } from '../../src/engine/backend.js';
import { readNiftiFile } from '../../src/volume/readNifti.js';
import { writeNifti } from '../../src/volume/writeNifti.js';
import type { VolumeJson } from '../../src/slices/volumeJson.js';
import { buildSlice, samples16 } from '../volume/dicomBuilder.js';
import { fixture, haveFixture } from '../helpers/fixtures.js';
import { saveLayersModel } from '../helpers/saveModel.js';
import { gapDenseSoftmax } from '../models/tinyModels.js';

let tmp: string;
let modelDir: string;
let scan: string;
const DIMS: [number, number, number] = [10, 7, 5];
const AFFINE = [
  [0, 0, 2.5, -10],
  [-0.9, 0, 0, 20],
  [0, 1.1, 0, -3],
  [0, 0, 0, 1],
];

async function l2caf(...args: string[]): Promise<string> {
  const p = new Command('l2caf').exitOverride();
  p.addCommand(volumeCommand().exitOverride());
  let out = '';
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string) => {
    out += chunk;
    return true;
  }) as typeof process.stdout.write;
  try {
    await p.parseAsync(['volume', ...args], { from: 'user' });
  } finally {
    process.stdout.write = write;
  }
  return out;
}

/** Files in `dir` (temporary names included): a failed run must leave none. */
const listing = (dir: string) => readdirSync(dir).sort();

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'l2caf-volcli-'));
  await selectBackend('wasm');
  modelDir = await saveLayersModel(gapDenseSoftmax(5, 32), path.join(tmp, 'model'));
  scan = path.join(tmp, 'scan.nii.gz');
  const data = Float32Array.from({ length: DIMS[0] * DIMS[1] * DIMS[2] }, (_, n) => (n * 37) % 101);
  await writeNifti(scan, { dims: DIMS, affine: AFFINE, data }, { sformCode: 1, qformCode: 1 });
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const MODEL = () => ['--model', modelDir, '--input-size', '32', '--scale', String(1 / 255), '--offset', '0'];

describe('l2caf volume', () => {
  it('writes one float32 NIfTI per axis on the scan grid (dims, sform, qform) and the documented JSON', async () => {
    const outDir = path.join(tmp, 'all');
    mkdirSync(outDir);
    const json = path.join(outDir, 'att.json');
    const stdout = await l2caf(scan, ...MODEL(), '--axis', 'all', '--method', 'l2caf', '--out', path.join(outDir, 'att.nii.gz'), '--json', json, '--window', 'p1,p99');
    expect(listing(outDir)).toEqual(['att-x.nii.gz', 'att-y.nii.gz', 'att-z.nii.gz', 'att.json']);
    expect(stdout).toMatch(/22 slices along x, y, z/);
    for (const axis of ['x', 'y', 'z']) {
      const back = await readNiftiFile(path.join(outDir, `att-${axis}.nii.gz`));
      expect(back.dims).toEqual(DIMS);
      expect(back.datatype).toBe('float32');
      for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) expect(back.affine[r]![c]).toBeCloseTo(AFFINE[r]![c]!, 5);
      expect(back.metadata.sform_code).toBe(1);
      expect(back.metadata.qform_code).toBe(1);
      expect(Math.max(...back.data)).toBeGreaterThan(0);
    }
    const j = JSON.parse(readFileSync(json, 'utf8')) as VolumeJson;
    expect(j.volume).toMatchObject({ path: scan, dims: DIMS, format: 'nifti1', t: 0 });
    expect(j.volume.affine).toHaveLength(4);
    expect(j.volume.spacing.map((s) => +s.toFixed(4))).toEqual([0.9, 1.1, 2.5]);
    expect(j.settings).toMatchObject({ axes: ['x', 'y', 'z'], window: 'p1,p99', preset: 'converged', warmStart: true, weighting: 'probability' });
    expect(j.slices).toHaveLength(10 + 7 + 5);
    for (const s of j.slices) {
      expect(Object.keys(s)).toEqual(['axis', 'index', 'predictions', 'targetScore', 'iterations', 'loss', 'warmStarted', 'maps']);
      expect(s.predictions).toHaveLength(5);
    }
    expect(j.maps.map((m) => path.basename(m.file!))).toEqual(['att-x.nii.gz', 'att-y.nii.gz', 'att-z.nii.gz']);
    for (const m of j.maps) {
      const [i, k, l] = m.peak.voxel;
      expect(i).toBeLessThan(DIMS[0]);
      expect(k).toBeLessThan(DIMS[1]);
      expect(l).toBeLessThan(DIMS[2]);
    }
  });

  it.skipIf(!haveFixture('volumes/example4d.nii.gz'))('analyses a 4-D fixture volume picked with --t, along its acquisition axis', async () => {
    const outDir = path.join(tmp, 'fixture4d');
    mkdirSync(outDir);
    const out = path.join(outDir, 'att.nii');
    const src = fixture('volumes/example4d.nii.gz');
    const json = path.join(outDir, 'att.json');
    await l2caf(src, ...MODEL(), '--t', '1', '--method', 'gradcam', '--class', '3', '--no-weight', '--out', out, '--json', json);
    const [back, scanVol] = await Promise.all([readNiftiFile(out), readNiftiFile(src, { t: 1 })]);
    expect(back.dims).toEqual([128, 96, 24]);
    for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) expect(back.affine[r]![c]).toBeCloseTo(scanVol.affine[r]![c]!, 4);
    const chosen = JSON.parse(readFileSync(json, 'utf8')) as VolumeJson;
    expect([chosen.volume.t, chosen.warnings]).toEqual([1, []]);

    // without --t the first volume is used, and the console and the JSON say so
    const err: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => err.push(chunk) > 0) as typeof process.stderr.write;
    try {
      await l2caf(src, ...MODEL(), '--method', 'gradcam', '--class', '3', '--no-weight', '--out', out, '--json', json, '--no-progress');
    } finally {
      process.stderr.write = write;
    }
    const first = JSON.parse(readFileSync(json, 'utf8')) as VolumeJson;
    expect(first.volume.t).toBe(0);
    expect(first.warnings).toEqual([expect.stringMatching(/^a 4-D scan of \d+ volumes: volume 0 was analysed \(choose another with --t N/)]);
    expect(err.join('')).toContain(`l2caf: warning: ${src}: ${first.warnings[0]}`);
  });

  it('--workers runs the backbone in worker threads with the same result', async () => {
    const outDir = path.join(tmp, 'workers');
    mkdirSync(outDir);
    const a = path.join(outDir, 'a.nii.gz');
    const b = path.join(outDir, 'b.nii.gz');
    await l2caf(scan, ...MODEL(), '--method', 'gradcam', '--class', '1', '--out', a);
    await l2caf(scan, ...MODEL(), '--method', 'gradcam', '--class', '1', '--workers', '2', '--out', b);
    const [va, vb] = await Promise.all([readNiftiFile(a), readNiftiFile(b)]);
    let maxDiff = 0;
    for (let i = 0; i < va.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(va.data[i]! - vb.data[i]!));
    expect(Math.max(...va.data)).toBeGreaterThan(0);
    expect(maxDiff).toBeLessThan(1e-5);
  });

  describe('bad input: a clear error naming the file, nothing written', () => {
    let outDir: string;
    let out: string;
    beforeAll(() => {
      outDir = path.join(tmp, 'bad');
      mkdirSync(outDir);
      out = path.join(outDir, 'att.nii.gz');
    });
    const fails = async (input: string, re: RegExp) => {
      const err = await l2caf(input, ...MODEL(), '--out', out).then(
        () => null,
        (e: Error) => e,
      );
      expect(err, 'the command should fail').not.toBeNull();
      expect(err!.message.startsWith(input)).toBe(true);
      expect(err!.message).toMatch(re);
      expect(err!.message).not.toContain('\n');
      expect(listing(outDir)).toEqual([]);
    };

    it('a truncated .nii.gz', async () => {
      const bad = path.join(tmp, 'truncated.nii.gz');
      const bytes = readFileSync(scan);
      writeFileSync(bad, bytes.subarray(0, bytes.length - 20));
      await fails(bad, /truncated or corrupt gzip/);
    });

    it('a header with impossible dims', async () => {
      const bad = path.join(tmp, 'impossible.nii.gz');
      const raw = new Uint8Array(gunzipSync(readFileSync(scan)));
      new DataView(raw.buffer).setInt16(44, 0, true); // dim[2] = 0
      writeFileSync(bad, gzipSync(raw));
      await fails(bad, /impossible dims: dim\[2\] = 0/);
    });

    it('an empty folder', async () => {
      const empty = path.join(tmp, 'empty');
      mkdirSync(empty);
      await fails(empty, /folder is empty/);
    });

    it('a DICOM folder that mixes series', async () => {
      const dir = path.join(tmp, 'mixed');
      mkdirSync(dir);
      const slice = (uid: string, k: number) =>
        buildSlice({
          seriesUid: uid,
          rows: 4,
          cols: 4,
          position: [0, 0, 2 * k],
          orientation: [1, 0, 0, 0, 1, 0],
          pixelSpacing: [1, 1],
          instanceNumber: k + 1,
          pixels: samples16(Array.from({ length: 16 }, (_, i) => i * k)),
        });
      for (let k = 0; k < 3; k++) writeFileSync(path.join(dir, `a${k}.dcm`), slice('1.2.840.99.1', k));
      for (let k = 0; k < 2; k++) writeFileSync(path.join(dir, `b${k}.dcm`), slice('1.2.840.99.2', k));
      await fails(dir, /mixes 2 series/);
    });

    it('a bad --window or --out is a usage error before any work', async () => {
      await expect(l2caf(scan, ...MODEL(), '--window', 'p99,p1', '--out', out)).rejects.toMatchObject({ code: 'commander.invalidArgument' });
      await expect(l2caf(scan, ...MODEL(), '--out', path.join(outDir, 'att.png'))).rejects.toThrow(/must end in .nii or .nii.gz/);
      await expect(l2caf(scan, ...MODEL(), '--out', path.join(tmp, 'nowhere', 'att.nii'))).rejects.toThrow(/does not exist/);
      expect(listing(outDir)).toEqual([]);
    });
  });
});
