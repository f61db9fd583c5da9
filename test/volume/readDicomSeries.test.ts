// DICOM series reader on series this test writes itself (dicomBuilder.ts).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { applyAffine } from '../../src/volume/affine.js';
import { VolumeError } from '../../src/volume/errors.js';
import { readDicomSeries } from '../../src/volume/readDicomSeries.js';
import { buildDicom, buildSlice, samples16, TS, type SliceSpec } from './dicomBuilder.js';
import { maxAbsDiff } from './niftiBuilder.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'l2caf-dicom-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
function freshDir(): string {
  const dir = path.join(root, `case${n++}`);
  mkdirSync(dir);
  return dir;
}

// A sagittal series: rows run along patient +y (posterior), columns along -z (feet); the slice
// normal row x col = (0,1,0) x (0,0,-1) = (-1, 0, 0), so slices stack towards patient right.
const COLS = 5;
const ROWS = 3;
const SLICES = 4;
const IOP: SliceSpec['orientation'] = [0, 1, 0, 0, 0, -1];
const SPACING = 3.5;
const position = (k: number): [number, number, number] => [10 - SPACING * k, -20, 30];
const raw = (i: number, j: number, k: number) => 100 * k + 10 * j + i - 50;
/** Physical value after RescaleSlope 2, RescaleIntercept -10. */
const value = (i: number, j: number, k: number) => 2 * raw(i, j, k) - 10;
// File names and InstanceNumbers deliberately disagree with the spatial order.
const NAMES = ['c.dcm', 'a.dcm', 'd.dcm', 'b.dcm'];
const INSTANCE = [3, 1, 4, 2];

/**
 * Expected RAS affine, by hand: LPS columns are row cosines * column spacing (0.6),
 * column cosines * row spacing (0.8), the slice step (-3.5, 0, 0), origin (10, -20, 30);
 * RAS negates the x and y rows.
 */
const EXPECTED_AFFINE = [
  [0, 0, 3.5, -10],
  [-0.6, 0, 0, 20],
  [0, -0.8, 0, 30],
  [0, 0, 0, 1],
];

function sagittalSlice(k: number, overrides: Partial<SliceSpec> = {}): Buffer {
  const values: number[] = [];
  for (let j = 0; j < ROWS; j++) for (let i = 0; i < COLS; i++) values.push(raw(i, j, k));
  return buildSlice({
    seriesUid: '1.2.3.4.5.100',
    rows: ROWS,
    cols: COLS,
    position: position(k),
    orientation: IOP,
    pixelSpacing: [0.8, 0.6], // [row spacing, column spacing]
    instanceNumber: INSTANCE[k],
    pixels: samples16(values),
    pixelRepresentation: 1,
    rescaleSlope: 2,
    rescaleIntercept: -10,
    ...overrides,
  });
}

function writeSeries(dir: string, make: (k: number) => Buffer, order = [2, 0, 3, 1]): void {
  for (const k of order) writeFileSync(path.join(dir, NAMES[k]), make(k));
}

async function expectVolumeError(p: Promise<unknown>, re: RegExp): Promise<string> {
  let caught: unknown;
  try {
    await p;
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(VolumeError);
  const msg = (caught as Error).message;
  expect(msg).toMatch(re);
  expect(msg).not.toContain('\n');
  return msg;
}

describe('readDicomSeries', () => {
  it('assembles a shuffled Explicit VR LE series in slice order with spacing and affine from positions', async () => {
    const dir = freshDir();
    writeSeries(dir, (k) => sagittalSlice(k));
    const vol = await readDicomSeries(dir);
    expect(vol.dims).toEqual([COLS, ROWS, SLICES]);
    expect(vol.datatype).toBe('int16');
    expect(vol.source).toMatchObject({ path: dir, format: 'dicom', files: 4, transferSyntax: TS.explicitLE });
    expect(vol.spacing[0]).toBe(0.6);
    expect(vol.spacing[1]).toBe(0.8);
    expect(vol.spacing[2]).toBeCloseTo(SPACING, 12); // from positions, not SliceThickness (9.99)
    expect(maxAbsDiff(vol.affine, EXPECTED_AFFINE)).toBeLessThan(1e-12);
    for (let k = 0; k < SLICES; k++) {
      for (let j = 0; j < ROWS; j++) {
        for (let i = 0; i < COLS; i++) expect(vol.data[i + COLS * (j + ROWS * k)]).toBe(value(i, j, k));
      }
    }
    // Voxel (2, 1, 3) by hand: LPS = (10,-20,30) + 2*0.6*(0,1,0) + 1*0.8*(0,0,-1) + 3*3.5*(-1,0,0)
    // = (-0.5, -18.8, 29.2) -> RAS (0.5, 18.8, 29.2)
    applyAffine(vol.affine, [2, 1, 3]).forEach((v, a) => expect(v).toBeCloseTo([0.5, 18.8, 29.2][a], 12));
    expect(vol.metadata).toMatchObject({
      Modality: 'MR',
      SeriesDescription: 'T1 axial test',
      PatientPosition: 'HFS',
      SliceThickness: 9.99,
      RescaleSlope: 2,
      RescaleIntercept: -10,
      TransferSyntax: 'Explicit VR Little Endian',
      stacking_axis: 'z',
    });
  });

  for (const [label, ts] of [
    ['Implicit VR Little Endian', TS.implicitLE],
    ['Explicit VR Big Endian', TS.explicitBE],
    ['Deflated Explicit VR Little Endian', TS.deflatedLE],
  ] as const) {
    it(`reads ${label} to the same volume`, async () => {
      const dir = freshDir();
      writeSeries(dir, (k) => sagittalSlice(k, { transferSyntax: ts }));
      const vol = await readDicomSeries(dir);
      expect(vol.source.transferSyntax).toBe(ts);
      expect(maxAbsDiff(vol.affine, EXPECTED_AFFINE)).toBeLessThan(1e-12);
      const expected: number[] = [];
      for (let k = 0; k < SLICES; k++) for (let j = 0; j < ROWS; j++) for (let i = 0; i < COLS; i++) expected.push(value(i, j, k));
      expect(Array.from(vol.data)).toEqual(expected);
    });
  }

  it('reads an 8-bit axial series (HFS standard orientation)', async () => {
    const dir = freshDir();
    for (let k = 0; k < 3; k++) {
      writeFileSync(
        path.join(dir, `img${2 - k}`), // no extension, reverse names
        buildSlice({
          seriesUid: '9.9', rows: 2, cols: 2, position: [-100, -120, -50 + 2.5 * k], orientation: [1, 0, 0, 0, 1, 0],
          pixelSpacing: [0.5, 0.25], instanceNumber: 1, pixels: new Uint8Array([k, 10 + k, 20 + k, 255]), bitsAllocated: 8,
        }),
      );
    }
    const vol = await readDicomSeries(dir);
    expect(vol.datatype).toBe('uint8');
    expect(vol.spacing).toEqual([0.25, 0.5, 2.5]);
    // LPS diag(0.25, 0.5, 2.5) at (-100, -120, -50) -> RAS: x and y rows negated
    expect(maxAbsDiff(vol.affine, [
      [-0.25, 0, 0, 100],
      [0, -0.5, 0, 120],
      [0, 0, 2.5, -50],
      [0, 0, 0, 1],
    ])).toBeLessThan(1e-12);
    expect(Array.from(vol.data)).toEqual([0, 10, 20, 255, 1, 11, 21, 255, 2, 12, 22, 255]);
  });

  it('keeps only BitsStored bits: masks unsigned, sign-extends signed', async () => {
    const dir = freshDir();
    const common = { rows: 1, cols: 3, orientation: [1, 0, 0, 0, 1, 0] as SliceSpec['orientation'], pixelSpacing: [1, 1] as [number, number], instanceNumber: 1, bitsStored: 12 };
    // unsigned 12-bit with junk (overlay bits) above bit 11
    writeFileSync(path.join(dir, 'u1'), buildSlice({ ...common, seriesUid: '7.1', position: [0, 0, 0], pixels: samples16([0xf000 | 5, 0x1000 | 4095, 7]) }));
    writeFileSync(path.join(dir, 'u2'), buildSlice({ ...common, seriesUid: '7.1', position: [0, 0, 1], pixels: samples16([1, 2, 3]) }));
    const u = await readDicomSeries(dir);
    expect(Array.from(u.data.subarray(0, 3))).toEqual([5, 4095, 7]);

    const dir2 = freshDir();
    // signed 12-bit: 0x0fff is -1, 0x0800 is -2048, 0x07ff is 2047 (upper nibble junk)
    writeFileSync(path.join(dir2, 's1'), buildSlice({ ...common, seriesUid: '7.2', position: [0, 0, 0], pixelRepresentation: 1, pixels: samples16([0x0fff, 0xa800, 0x37ff]) }));
    writeFileSync(path.join(dir2, 's2'), buildSlice({ ...common, seriesUid: '7.2', position: [0, 0, 1], pixelRepresentation: 1, pixels: samples16([0, 0, 0]) }));
    const s = await readDicomSeries(dir2);
    expect(Array.from(s.data.subarray(0, 3))).toEqual([-1, -2048, 2047]);
  });

  it('ignores non-DICOM files and a DICOMDIR next to the images', async () => {
    const dir = freshDir();
    writeSeries(dir, (k) => sagittalSlice(k));
    writeFileSync(path.join(dir, 'README.txt'), 'exported by some viewer\n');
    writeFileSync(path.join(dir, 'DICOMDIR'), buildDicom({ transferSyntax: TS.explicitLE, sopClassUid: '1.2.840.10008.1.3.10', elements: [] }));
    const vol = await readDicomSeries(dir);
    expect(vol.dims).toEqual([COLS, ROWS, SLICES]);
    expect(vol.metadata.ignored_files).toBe(2);
  });

  it('uses SliceThickness for the k axis of a single-slice series', async () => {
    const dir = freshDir();
    writeFileSync(path.join(dir, 'only.dcm'), sagittalSlice(0));
    const vol = await readDicomSeries(dir);
    expect(vol.dims).toEqual([COLS, ROWS, 1]);
    expect(vol.spacing[2]).toBe(9.99);
    expect(vol.affine.map((r) => r[2])).toEqual([9.99, 0, 0, 0]); // normal (-1,0,0) LPS -> +x RAS
  });

  it('refuses a folder mixing series, listing each with its file count', async () => {
    const dir = freshDir();
    writeSeries(dir, (k) => sagittalSlice(k), [0, 1, 2]);
    writeFileSync(path.join(dir, 'other1.dcm'), sagittalSlice(0, { seriesUid: '1.2.3.4.5.200' }));
    writeFileSync(path.join(dir, 'other2.dcm'), sagittalSlice(1, { seriesUid: '1.2.3.4.5.200' }));
    const msg = await expectVolumeError(readDicomSeries(dir), /mixes 2 series/);
    expect(msg).toContain('1.2.3.4.5.100 (3 files)');
    expect(msg).toContain('1.2.3.4.5.200 (2 files)');
    expect(msg.startsWith(dir)).toBe(true);
  });

  it('refuses an empty folder and a folder without DICOM files', async () => {
    const empty = freshDir();
    await expectVolumeError(readDicomSeries(empty), /folder is empty/);
    const text = freshDir();
    writeFileSync(path.join(text, 'notes.txt'), 'not an image');
    mkdirSync(path.join(text, 'sub'));
    await expectVolumeError(readDicomSeries(text), /no DICOM image files among 1 file$/);
  });

  it('names a compressed transfer syntax', async () => {
    const dir = freshDir();
    writeSeries(dir, (k) => sagittalSlice(k, { transferSyntax: TS.jpegLossless }), [0, 1]);
    const msg = await expectVolumeError(readDicomSeries(dir), /transfer syntax 1\.2\.840\.10008\.1\.2\.4\.70 \(JPEG Lossless/);
    expect(msg).toMatch(/\.dcm: /); // names the file

    const dir2 = freshDir();
    writeFileSync(path.join(dir2, 'x.dcm'), sagittalSlice(0, { transferSyntax: '1.2.3.999' }));
    await expectVolumeError(readDicomSeries(dir2), /transfer syntax 1\.2\.3\.999 is compressed or unknown/);
  });

  it('refuses slices at the same position, inconsistent sizes and missing geometry', async () => {
    const dup = freshDir();
    writeFileSync(path.join(dup, 'a.dcm'), sagittalSlice(0));
    writeFileSync(path.join(dup, 'b.dcm'), sagittalSlice(1, { position: position(0) }));
    await expectVolumeError(readDicomSeries(dup), /same slice position/);

    const sizes = freshDir();
    writeFileSync(path.join(sizes, 'a.dcm'), sagittalSlice(0));
    writeFileSync(path.join(sizes, 'b.dcm'), sagittalSlice(1, { rows: 1, pixels: samples16([1, 2, 3, 4, 5]) }));
    await expectVolumeError(readDicomSeries(sizes), /Rows is 1 but .*a\.dcm has 3/);

    const noPos = freshDir();
    const slice = buildSlice({
      seriesUid: '5.5', rows: 1, cols: 1, position: [0, 0, 0], orientation: [1, 0, 0, 0, 1, 0], pixelSpacing: [1, 1],
      instanceNumber: 1, pixels: samples16([1]), extra: [],
    });
    // Corrupt the IPP tag number (0020,0032) -> (0020,0031) so the element no longer counts.
    const at = slice.indexOf(Buffer.from([0x20, 0x00, 0x32, 0x00, 0x44, 0x53]));
    slice[at + 2] = 0x31;
    writeFileSync(path.join(noPos, 'p.dcm'), slice);
    await expectVolumeError(readDicomSeries(noPos), /p\.dcm: missing or invalid ImagePositionPatient/);
  });

  it('refuses a path that is not a folder', async () => {
    const dir = freshDir();
    const file = path.join(dir, 'file.dcm');
    writeFileSync(file, sagittalSlice(0));
    await expectVolumeError(readDicomSeries(file), /is not a folder/);
    await expectVolumeError(readDicomSeries(path.join(dir, 'nope')), /cannot read folder \(ENOENT\)/);
  });
});
