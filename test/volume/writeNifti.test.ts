import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';

import { afterAll, describe, expect, it } from 'vitest';

import { affineToQuaternion, qformAffine, FLOAT32_EPS } from '../../src/volume/affine.js';
import { readNifti, readNiftiFile } from '../../src/volume/readNifti.js';
import { encodeNifti1, sourceXformCodes, writeNifti } from '../../src/volume/writeNifti.js';
import type { Mat4, Volume } from '../../src/volume/types.js';
import { fixture, haveFixture } from '../helpers/fixtures.js';
import { maxAbsDiff } from './niftiBuilder.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'l2caf-volume-write-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Rotation about a unit axis by an angle (Rodrigues), as rows. */
function rotation(axis: [number, number, number], angle: number): number[][] {
  const [x, y, z] = axis;
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const t = 1 - c;
  return [
    [t * x * x + c, t * x * y - s * z, t * x * z + s * y],
    [t * x * y + s * z, t * y * y + c, t * y * z - s * x],
    [t * x * z - s * y, t * y * z + s * x, t * z * z + c],
  ];
}

/** affine = [R * diag(zooms) | offset]. */
function compose(R: number[][], zooms: number[], offset: number[]): Mat4 {
  return [
    ...[0, 1, 2].map((r) => [R[r][0] * zooms[0], R[r][1] * zooms[1], R[r][2] * zooms[2], offset[r]]),
    [0, 0, 0, 1],
  ];
}

const axis = (() => {
  const v = [0.3, -0.5, 0.81];
  const n = Math.hypot(...v);
  return v.map((x) => x / n) as [number, number, number];
})();
// An oblique affine with a reflection (negative determinant), like most radiological scans.
const OBLIQUE_FLIPPED = compose(rotation(axis, 0.7), [-0.9, 1.1, 2.5], [-90.25, 12.5, 33.75]);
const OBLIQUE = compose(rotation(axis, -2.1), [0.5, 0.75, 3], [10.5, -120.125, 60]);

function randomVolume(dims: [number, number, number]): Float32Array {
  let seed = 12345;
  return Float32Array.from({ length: dims[0] * dims[1] * dims[2] }, () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return (seed / 2 ** 31) * 2000 - 1000;
  });
}

describe('writeNifti', () => {
  it('round-trips .nii.gz: same values, dims and affine', async () => {
    const dims: [number, number, number] = [7, 5, 4];
    const data = randomVolume(dims);
    const file = path.join(tmp, 'map.nii.gz');
    await writeNifti(file, { dims, affine: OBLIQUE_FLIPPED, data }, { description: 'attention map' });
    const back = await readNiftiFile(file);
    expect(back.dims).toEqual(dims);
    expect(back.datatype).toBe('float32');
    expect(back.source).toMatchObject({ format: 'nifti1', compressed: true, byteOrder: 'little' });
    expect(Array.from(back.data)).toEqual(Array.from(data));
    expect(maxAbsDiff(back.affine, OBLIQUE_FLIPPED)).toBeLessThan(1e-5);
    expect(back.spacing.map((s) => +s.toFixed(5))).toEqual([0.9, 1.1, 2.5]);
    expect(back.metadata).toMatchObject({ description: 'attention map', sform_code: 2, qform_code: 2, affine_from: 'sform' });
    // Nothing left behind but the file itself (the temporary name was renamed).
    expect(readdirSync(tmp).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('writes a qform that alone reproduces the affine (sform ignored)', () => {
    for (const affine of [OBLIQUE_FLIPPED, OBLIQUE]) {
      const bytes = encodeNifti1({ dims: [2, 2, 2], affine, data: new Float32Array(8) });
      new DataView(bytes.buffer).setInt16(254, 0, true); // sform_code = 0: reader must use the qform
      const back = readNifti(bytes, '/tmp/q.nii');
      expect(back.metadata.affine_from).toBe('qform');
      expect(maxAbsDiff(back.affine, affine)).toBeLessThan(1e-5);
      // qfac follows the sign of the determinant
      expect(back.metadata.qfac).toBe(affine === OBLIQUE_FLIPPED ? -1 : 1);
    }
  });

  it('writes a plain .nii with the standard layout (348 header, n+1, vox_offset 352, little-endian)', async () => {
    const file = path.join(tmp, 'plain.nii');
    await writeNifti(file, { dims: [3, 1, 1], affine: OBLIQUE, data: [1, 2, 3] }, { sformCode: 4, qformCode: 1 });
    const raw = readFileSync(file);
    expect(raw.length).toBe(352 + 12);
    expect(raw.readInt32LE(0)).toBe(348);
    expect(raw.subarray(344, 348).toString('latin1')).toBe('n+1\0');
    expect(raw.readFloatLE(108)).toBe(352);
    expect(raw.readInt16LE(70)).toBe(16); // float32
    expect(raw.readInt16LE(252)).toBe(1);
    expect(raw.readInt16LE(254)).toBe(4);
    expect([raw.readFloatLE(352), raw.readFloatLE(356), raw.readFloatLE(360)]).toEqual([1, 2, 3]);
  });

  it('gzips by extension and refuses bad input with a one-line error naming the file', async () => {
    const file = path.join(tmp, 'bad.nii.gz');
    await expect(writeNifti(file, { dims: [2, 2, 2], affine: OBLIQUE, data: new Float32Array(7) })).rejects.toThrow(
      /bad\.nii\.gz: cannot write NIfTI: data has 7 values but dims \[2, 2, 2\] need 8$/,
    );
    await expect(writeNifti(file, { dims: [40000, 1, 1], affine: OBLIQUE, data: new Float32Array(40000) })).rejects.toThrow(
      /cannot be stored in NIfTI-1/,
    );
    const zeroColumn = OBLIQUE.map((r) => [r[0], 0, r[2], r[3]]);
    await expect(writeNifti(file, { dims: [2, 2, 2], affine: zeroColumn, data: new Float32Array(8) })).rejects.toThrow(/zero/);
    await expect(writeNifti(path.join(tmp, 'missing-dir', 'x.nii'), { dims: [1, 1, 1], affine: OBLIQUE, data: [0] })).rejects.toThrow(
      /cannot write file \(ENOENT\)/,
    );
    expect(readdirSync(tmp)).not.toContain('bad.nii.gz');
  });

  it.skipIf(!haveFixture('volumes'))('re-writes a fixture with its own codes and affine', async () => {
    const src = await readNiftiFile(fixture('volumes/example4d.nii.gz'), { t: 1 });
    const file = path.join(tmp, 'copy.nii.gz');
    await writeNifti(file, src, sourceXformCodes(src));
    const back = await readNiftiFile(file);
    expect(back.metadata).toMatchObject({ sform_code: 1, qform_code: 1 });
    expect(maxAbsDiff(back.affine, src.affine)).toBeLessThan(1e-5);
    expect(Array.from(back.data)).toEqual(Array.from(src.data));
    // The bytes really are gzip (magic 1f 8b) and decompress to 352 + 4 * voxels.
    const raw = readFileSync(file);
    expect([raw[0], raw[1]]).toEqual([0x1f, 0x8b]);
    expect(gunzipSync(raw).length).toBe(352 + 4 * 128 * 96 * 24);
  });
});

describe('sourceXformCodes', () => {
  const base = { dims: [1, 1, 1], spacing: [1, 1, 1], affine: [], data: new Float32Array(1), datatype: 'uint8' } as unknown as Volume;
  it('copies NIfTI codes, uses scanner for DICOM, aligned when the source had none', () => {
    expect(sourceXformCodes({ ...base, source: { path: 'a', format: 'nifti1' }, metadata: { sform_code: 4, qform_code: 0 } })).toEqual({ sformCode: 4, qformCode: 0 });
    expect(sourceXformCodes({ ...base, source: { path: 'a', format: 'nifti1' }, metadata: { sform_code: 0, qform_code: 0 } })).toEqual({ sformCode: 2, qformCode: 0 });
    expect(sourceXformCodes({ ...base, source: { path: 'a', format: 'nifti1' }, metadata: { sform_code: 9, qform_code: 1 } })).toEqual({ sformCode: 0, qformCode: 1 });
    expect(sourceXformCodes({ ...base, source: { path: 'a', format: 'dicom' }, metadata: {} })).toEqual({ sformCode: 1, qformCode: 1 });
  });
});

describe('affineToQuaternion', () => {
  it('recovers zooms, qfac and the rotation (qformAffine inverts it)', () => {
    const q = affineToQuaternion(OBLIQUE_FLIPPED);
    expect(q.qfac).toBe(-1);
    q.zooms.forEach((z, i) => expect(z).toBeCloseTo([0.9, 1.1, 2.5][i], 12));
    expect(q.offset).toEqual([-90.25, 12.5, 33.75]);
    expect(maxAbsDiff(qformAffine(q, 3 * FLOAT32_EPS), OBLIQUE_FLIPPED)).toBeLessThan(1e-12);
  });

  it('handles 180° rotations (w = 0) and the identity', () => {
    for (const A of [compose([[-1, 0, 0], [0, 1, 0], [0, 0, -1]], [2, 2, 2], [1, 2, 3]), compose([[1, 0, 0], [0, 1, 0], [0, 0, 1]], [1, 2, 3], [0, 0, 0])]) {
      const q = affineToQuaternion(A);
      expect(maxAbsDiff(qformAffine(q, 3 * FLOAT32_EPS), A)).toBeLessThan(1e-12);
    }
  });

  it('strips shears to the closest orthogonal directions (like nibabel), keeping column lengths', () => {
    const sheared: Mat4 = [
      [1, 0.1, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ];
    const q = affineToQuaternion(sheared);
    const A = qformAffine(q, 3 * FLOAT32_EPS);
    // Columns stay the input's lengths and become orthogonal.
    const col = (c: number) => [A[0][c], A[1][c], A[2][c]];
    const dot = (a: number[], b: number[]) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
    expect(Math.abs(dot(col(0), col(1)))).toBeLessThan(1e-12);
    expect(Math.hypot(...col(1))).toBeCloseTo(Math.hypot(0.1, 1), 12);
    // Polar factor of [[1, a], [0, 1]] / norms is a rotation about z by half the shear angle.
    const angle = Math.atan2(0.1, 1) / 2;
    expect(A[0][0]).toBeCloseTo(Math.cos(angle), 12);
    expect(A[1][0]).toBeCloseTo(-Math.sin(angle), 12);
  });
});
