// The NIfTI reader against the shared fixtures.
//
// Every expected number below was obtained independently of src/volume: the header bytes were
// decoded with python3 `struct` (gunzip + unpack at the nifti1.h offsets) and the affines worked
// out by hand from those fields following nibabel's rules:
//   - all three fixtures have sform_code > 0, so img.affine = [srow_x; srow_y; srow_z; 0 0 0 1];
//   - the qform variants (sform_code zeroed here) use nibabel's fillpositive (w = 0 when
//     |1 - b²-c²-d²| < 3 * float32 eps) + quat2mat, times diag(pixdim1, pixdim2, pixdim3 * qfac);
//   - the base variants (both codes zeroed) use shape_zoom_affine: diag(-px, py, pz) with the
//     origin at the grid centre, offset_x = +(nx-1)/2*px, offset_y/z = -(n-1)/2*p.
// Voxel values: raw samples unpacked with struct at vox_offset, scaled by scl_slope/scl_inter.
import { readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';

import { describe, expect, it } from 'vitest';

import { readNifti, readNiftiFile } from '../../src/volume/readNifti.js';
import { VolumeError } from '../../src/volume/errors.js';
import { fixture, haveFixture } from '../helpers/fixtures.js';
import { maxAbsDiff } from './niftiBuilder.js';

const ANATOMY = 'volumes/someones_anatomy.nii.gz';
const EXAMPLE4D = 'volumes/example4d.nii.gz';
const BIG_ENDIAN = 'volumes/anatomical.nii';

function sum(a: Float32Array): number {
  let s = 0;
  for (const v of a) s += v;
  return s;
}

/** Expect `fn` to throw a one-line VolumeError naming `path` and matching `re`. */
function expectVolumeError(fn: () => unknown, path: string, re: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(VolumeError);
  const msg = (caught as Error).message;
  expect(msg).toMatch(re);
  expect(msg.startsWith(path)).toBe(true);
  expect(msg).not.toContain('\n');
}

describe.skipIf(!haveFixture('volumes'))('readNifti on the shared fixtures', () => {
  it('reads someones_anatomy.nii.gz: NIfTI-1, uint8, scaled, sform (code 4)', async () => {
    const vol = await readNiftiFile(fixture(ANATOMY));
    expect(vol.dims).toEqual([57, 67, 56]);
    expect(vol.spacing).toEqual([2.75, 2.75, 2.75]);
    expect(vol.datatype).toBe('uint8');
    expect(vol.source).toMatchObject({ format: 'nifti1', compressed: true, byteOrder: 'little' });
    expect(vol.frames).toBeUndefined();
    // srow_x/y/z from the header (sform_code 4 = MNI)
    expect(vol.affine).toEqual([
      [2.75, 0, 0, -78],
      [0, 2.75, 0, -91],
      [0, 0, 2.75, -91],
      [0, 0, 0, 1],
    ]);
    expect(vol.metadata).toMatchObject({ sform_code: 4, qform_code: 4, sform: 'mni', affine_from: 'sform', spatial_units: 'mm' });
    // scl_slope 0.35245904326438904, scl_inter 6.678363800048828 (float32 in the header)
    expect(vol.data.length).toBe(57 * 67 * 56);
    expect(vol.data[0]).toBeCloseTo(6 * 0.35245904326438904 + 6.678363800048828, 4); // raw 6
    expect(vol.data[28 + 57 * (33 + 67 * 28)]).toBeCloseTo(64.12918785214424, 4); // raw 163
    expect(vol.data[10 + 57 * (20 + 67 * 5)]).toBeCloseTo(23.596397876739502, 4); // raw 48
    expect(vol.data[56 + 57 * (66 + 67 * 55)]).toBeCloseTo(7.735740929841995, 4); // raw 3
    // sum of raw = 23849669 -> sum of scaled = 23849669 * slope + nvox * inter
    expect(sum(vol.data) / 9834293.113646).toBeCloseTo(1, 5);
  });

  it('reads example4d.nii.gz: 4-D int16, t selects the volume, sform (code 1)', async () => {
    const v0 = await readNiftiFile(fixture(EXAMPLE4D));
    const v1 = await readNiftiFile(fixture(EXAMPLE4D), { t: 1 });
    for (const v of [v0, v1]) {
      expect(v.dims).toEqual([128, 96, 24]);
      expect(v.frames).toBe(2);
      expect(v.datatype).toBe('int16');
      // pixdim[1..3] = 2, 2, 2.1999990940093994 (float32)
      expect(v.spacing).toEqual([2, 2, 2.1999990940093994]);
      expect(
        maxAbsDiff(v.affine, [
          [-2.0, 6.714715653593746e-19, 9.081024511081715e-18, 117.8551025390625],
          [-6.714715653593746e-19, 1.9737114906311035, -0.35552823543548584, -35.72294235229492],
          [8.25548088896093e-18, 0.3232076168060303, 2.171081781387329, -7.248798370361328],
          [0, 0, 0, 1],
        ]),
      ).toBe(0);
    }
    expect(v0.metadata).toMatchObject({ description: 'FSL3.3', TR: 2000, time_units: 's', volume: 0, frames: 2, qfac: -1 });
    expect(v1.metadata.volume).toBe(1);
    const idx = 64 + 128 * (48 + 96 * 12);
    expect(v0.data[idx]).toBe(265);
    expect(v1.data[idx]).toBe(266);
    expect(sum(v0.data)).toBe(50994397);
    expect(sum(v1.data)).toBe(50990959);
  });

  it('rejects an out-of-range volume index with a clear error', () => {
    const path = fixture(EXAMPLE4D);
    const bytes = readFileSync(path);
    expectVolumeError(() => readNifti(bytes, path, { t: 2 }), path, /t=2 is out of range.*2 volumes/);
    expectVolumeError(() => readNifti(bytes, path, { t: -1 }), path, /t=-1 is out of range/);
    expectVolumeError(() => readNifti(bytes, path, { t: 0.5 }), path, /out of range/);
  });

  it('reads the big-endian anatomical.nii', async () => {
    const vol = await readNiftiFile(fixture(BIG_ENDIAN));
    expect(vol.source).toMatchObject({ format: 'nifti1', compressed: false, byteOrder: 'big' });
    expect(vol.dims).toEqual([33, 41, 25]);
    expect(vol.spacing).toEqual([2, 2, 2]);
    expect(vol.datatype).toBe('int16');
    expect(vol.affine).toEqual([
      [-2, 0, 0, 32],
      [0, 2, 0, -40],
      [0, 0, 2, -16],
      [0, 0, 0, 1],
    ]);
    expect(vol.metadata.description).toBe('spm - 3D normalized');
    expect(vol.data[0]).toBe(10712);
    expect(vol.data[16 + 33 * (20 + 41 * 12)]).toBe(11881);
    expect(vol.data[32 + 33 * (40 + 41 * 24)]).toBe(2971);
    expect(Math.min(...vol.data)).toBe(-610);
    expect(Math.max(...vol.data)).toBe(30393);
    expect(sum(vol.data)).toBe(284166082);
  });

  it('uses the qform when sform_code is 0 (example4d: w = 0 by nibabel threshold, qfac -1)', () => {
    const path = fixture(EXAMPLE4D);
    const raw = gunzipSync(readFileSync(path));
    new DataView(raw.buffer, raw.byteOffset).setInt16(254, 0, true); // sform_code = 0
    const vol = readNifti(raw, path);
    expect(vol.metadata.affine_from).toBe('qform');
    // b, c, d = -1.9451068140294884e-26, -0.9967085123062134, -0.0810687392950058; 1 - b²-c²-d² =
    // 1.005e-9 < 3 * 2^-23, so w = 0; pixdim 2, 2, 2.1999990940093994, qfac -1.
    const expected = [
      [-1.9999999999999996, 7.754818083349146e-26, -6.938240866840628e-27, 117.8551025390625],
      [7.754818083349146e-26, 1.9737114380100416, -0.3555282251099068, -35.72294235229492],
      [6.307494294641727e-27, 0.3232076104740321, 2.17108168772904, -7.248798370361328],
      [0, 0, 0, 1],
    ];
    expect(maxAbsDiff(vol.affine, expected)).toBeLessThan(1e-12);
  });

  it('uses the qform of the big-endian file when sform_code is 0 (quaternion 0,1,0 with qfac -1)', () => {
    const path = fixture(BIG_ENDIAN);
    const raw = new Uint8Array(readFileSync(path));
    new DataView(raw.buffer).setInt16(254, 0, false);
    const vol = readNifti(raw, path);
    expect(vol.metadata.affine_from).toBe('qform');
    // quat2mat(0, 0, 1, 0) = diag(-1, 1, -1); times diag(2, 2, 2 * -1) = diag(-2, 2, 2)
    expect(maxAbsDiff(vol.affine, [
      [-2, 0, 0, 32],
      [0, 2, 0, -40],
      [0, 0, 2, -16],
      [0, 0, 0, 1],
    ])).toBeLessThan(1e-12);
  });

  it('falls back to the base affine when both codes are 0', () => {
    const path = fixture(ANATOMY);
    const raw = gunzipSync(readFileSync(path));
    const dv = new DataView(raw.buffer, raw.byteOffset);
    dv.setInt16(252, 0, true);
    dv.setInt16(254, 0, true);
    const vol = readNifti(raw, path);
    expect(vol.metadata.affine_from).toBe('base');
    // 57x67x56 at 2.75: x offset +28*2.75 = 77, y -33*2.75 = -90.75, z -27.5*2.75 = -75.625
    expect(vol.affine).toEqual([
      [-2.75, 0, 0, 77],
      [0, 2.75, 0, -90.75],
      [0, 0, 2.75, -75.625],
      [0, 0, 0, 1],
    ]);

    const raw4 = gunzipSync(readFileSync(fixture(EXAMPLE4D)));
    const dv4 = new DataView(raw4.buffer, raw4.byteOffset);
    dv4.setInt16(252, 0, true);
    dv4.setInt16(254, 0, true);
    const vol4 = readNifti(raw4, fixture(EXAMPLE4D));
    // 128x96x24 at 2, 2, 2.1999990940093994: offsets +63.5*2, -47.5*2, -11.5*2.1999990940093994
    expect(maxAbsDiff(vol4.affine, [
      [-2, 0, 0, 127],
      [0, 2, 0, -95],
      [0, 0, 2.1999990940093994, -25.299989581108093],
      [0, 0, 0, 1],
    ])).toBeLessThan(1e-12);
  });

  it('reports a truncated .nii.gz (cut gzip stream)', () => {
    const path = fixture(ANATOMY);
    const bytes = readFileSync(path);
    expectVolumeError(() => readNifti(bytes.subarray(0, bytes.length >> 1), path), path, /truncated or corrupt gzip/);
  });

  it('reports a .nii.gz whose complete gzip stream holds too little data', () => {
    const path = fixture(ANATOMY);
    const short = gzipSync(gunzipSync(readFileSync(path)).subarray(0, 100000));
    expectVolumeError(() => readNifti(short, path), path, /truncated: dims \[57, 67, 56\] of uint8 need 214216 bytes.*has 100000/);
  });

  it('reports a truncated .nii (data shorter than dims say)', () => {
    const path = fixture(BIG_ENDIAN);
    const bytes = readFileSync(path);
    expectVolumeError(() => readNifti(bytes.subarray(0, 60000), path), path, /truncated: .*need 68002 bytes/);
    expectVolumeError(() => readNifti(bytes.subarray(0, 200), path), path, /shorter than the 348-byte NIfTI-1 header/);
  });

  it('reports impossible dims', () => {
    const path = fixture(BIG_ENDIAN);
    const withDim = (index: number, value: number) => {
      const raw = new Uint8Array(readFileSync(path));
      new DataView(raw.buffer).setInt16(40 + 2 * index, value, false);
      return raw;
    };
    expectVolumeError(() => readNifti(withDim(0, 0), path), path, /impossible dims: dim\[0\] = 0/);
    expectVolumeError(() => readNifti(withDim(0, 8), path), path, /impossible dims: dim\[0\] = 8/);
    expectVolumeError(() => readNifti(withDim(2, 0), path), path, /impossible dims: dim\[2\] = 0/);
    expectVolumeError(() => readNifti(withDim(3, -25), path), path, /impossible dims: dim\[3\] = -25/);
    // 33 x 32767 x 32767 int16 = 70 GB: beyond the limit, refused before any allocation
    const huge = withDim(2, 32767);
    new DataView(huge.buffer).setInt16(46, 32767, false);
    expectVolumeError(() => readNifti(huge, path), path, /impossible dims .*exceeds the 2147483648-byte limit/);
  });

  it('rejects a file that is not NIfTI', () => {
    const path = '/tmp/not-a-scan.nii';
    expectVolumeError(() => readNifti(new TextEncoder().encode('hello, I am a text file'.repeat(30)), path), path, /not a NIfTI file/);
    expectVolumeError(() => readNifti(new Uint8Array(2), path), path, /not a NIfTI file/);
    // A NIfTI-sized header without the n+1 magic (Analyze 7.5)
    const raw = new Uint8Array(readFileSync(fixture(BIG_ENDIAN)));
    raw.set([0, 0, 0, 0], 344);
    expectVolumeError(() => readNifti(raw, path), path, /not a NIfTI-1 file: magic/);
  });

  it('reports a missing file', async () => {
    await expect(readNiftiFile('/nonexistent/scan.nii.gz')).rejects.toThrow(/^\/nonexistent\/scan\.nii\.gz: cannot read file \(ENOENT\)/);
  });
});
