// The NIfTI reader on headers built in the test (niftiBuilder writes fields at the spec's offsets):
// every datatype in both byte orders, NIfTI-2, scaling rules and nibabel's header fixes.
import { gzipSync } from 'node:zlib';

import { describe, expect, it } from 'vitest';

import { readNifti } from '../../src/volume/readNifti.js';
import { buildNifti1, buildNifti2, encodeSamples, maxAbsDiff } from './niftiBuilder.js';

const P = '/data/synthetic.nii';

const CASES = [
  { type: 'uint8', code: 2, bits: 8, values: [0, 1, 127, 128, 200, 255] },
  { type: 'int8', code: 256, bits: 8, values: [-128, -1, 0, 1, 100, 127] },
  { type: 'int16', code: 4, bits: 16, values: [-32768, -300, -1, 0, 258, 32767] },
  { type: 'uint16', code: 512, bits: 16, values: [0, 1, 258, 32768, 40000, 65535] },
  { type: 'int32', code: 8, bits: 32, values: [-2147483648, -70000, -1, 0, 70000, 2147483647] },
  { type: 'uint32', code: 768, bits: 32, values: [0, 1, 70000, 2147483648, 3000000000, 4294967295] },
  { type: 'float32', code: 16, bits: 32, values: [-1.5, -0.25, 0, 3.140625, 1e10, -7e-5] },
  { type: 'float64', code: 64, bits: 64, values: [-1.5, 0.1, 0, 2.5, 1e30, -123456.789] },
  { type: 'int64', code: 1024, bits: 64, values: [-(2 ** 40), -5, 0, 5, 2 ** 40, 123456789] },
  { type: 'uint64', code: 1280, bits: 64, values: [0, 1, 2 ** 33, 2 ** 40, 5, 123456789] },
] as const;

describe('readNifti datatypes', () => {
  for (const c of CASES) {
    for (const le of [true, false]) {
      it(`${c.type} ${le ? 'little' : 'big'}-endian, NIfTI-1 and NIfTI-2`, () => {
        const values = [...c.values];
        const data = encodeSamples(c.type, values, le);
        const fields = { dim: [3, 3, 2, 1, 1, 1, 1, 1], datatype: c.code, bitpix: c.bits, littleEndian: le };
        for (const bytes of [buildNifti1(fields, data), buildNifti2(fields, data)]) {
          const vol = readNifti(bytes, P);
          expect(vol.datatype).toBe(c.type);
          expect(vol.dims).toEqual([3, 2, 1]);
          expect(vol.source.byteOrder).toBe(le ? 'little' : 'big');
          expect(Array.from(vol.data)).toEqual(values.map((v) => Math.fround(v)));
        }
      });
    }
  }

  it('turns RGB24 into Rec. 601 luminance (and ignores scaling for colour)', () => {
    const rgb = new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30]);
    const vol = readNifti(buildNifti1({ dim: [3, 2, 2, 1, 1, 1, 1, 1], datatype: 128, bitpix: 24, sclSlope: 5 }, rgb), P);
    expect(vol.datatype).toBe('rgb24');
    const expected = [0.299 * 255, 0.587 * 255, 0.114 * 255, 0.299 * 10 + 0.587 * 20 + 0.114 * 30];
    expected.forEach((v, i) => expect(vol.data[i]).toBeCloseTo(v, 4));
  });

  it('names unsupported datatypes', () => {
    const data = new Uint8Array(8 * 4);
    expect(() => readNifti(buildNifti1({ dim: [3, 2, 2, 1, 1, 1, 1, 1], datatype: 32, bitpix: 64 }, data), P)).toThrow(
      /^\/data\/synthetic\.nii: NIfTI datatype complex64 \(code 32\) is not supported$/,
    );
    expect(() => readNifti(buildNifti1({ dim: [3, 2, 2, 1, 1, 1, 1, 1], datatype: 99, bitpix: 8 }, data), P)).toThrow(
      /unknown NIfTI datatype code 99/,
    );
  });
});

describe('readNifti scaling', () => {
  const data = encodeSamples('int16', [-2, 0, 3, 100]);
  const dim = [3, 2, 2, 1, 1, 1, 1, 1];
  it('applies scl_slope and scl_inter', () => {
    const vol = readNifti(buildNifti1({ dim, datatype: 4, bitpix: 16, sclSlope: 2, sclInter: 10 }, data), P);
    expect(Array.from(vol.data)).toEqual([6, 10, 16, 210]);
  });
  it('treats slope 0 or NaN as "no scaling" (the intercept is then ignored too)', () => {
    for (const sclSlope of [0, Number.NaN]) {
      const vol = readNifti(buildNifti1({ dim, datatype: 4, bitpix: 16, sclSlope, sclInter: 5 }, data), P);
      expect(Array.from(vol.data)).toEqual([-2, 0, 3, 100]);
    }
  });
  it('applies scaling to float data too, and treats a non-finite intercept as 0', () => {
    const f = encodeSamples('float32', [0.5, 1, 2, 4]);
    const vol = readNifti(buildNifti1({ dim, datatype: 16, bitpix: 32, sclSlope: 4, sclInter: Number.POSITIVE_INFINITY }, f), P);
    expect(Array.from(vol.data)).toEqual([2, 4, 8, 16]);
  });
});

describe('readNifti geometry', () => {
  const data = new Uint8Array(4 * 3 * 2);
  const dim = [3, 4, 3, 2, 1, 1, 1, 1];

  it('NIfTI-2 sform (float64 rows) and gzip', () => {
    const srow: [number[], number[], number[]] = [
      [0.1, -1.2, 0.3, 10.123456789],
      [0.9, 0.2, -0.05, -20.5],
      [0.01, 0.02, 3.3, 1e-3],
    ];
    for (const le of [true, false]) {
      const bytes = buildNifti2({ dim, datatype: 2, bitpix: 8, sformCode: 1, srow, littleEndian: le }, data);
      const vol = readNifti(gzipSync(bytes), '/data/x.nii.gz');
      expect(vol.source).toMatchObject({ format: 'nifti2', compressed: true });
      expect(vol.affine).toEqual([...srow, [0, 0, 0, 1]]); // float64: exact
    }
  });

  it('qform with rotation and qfac -1, NIfTI-1 (hand-computed)', () => {
    // 90° about z: quaternion (w, b, c, d) = (cos 45°, 0, 0, sin 45°): R = [[0,-1,0],[1,0,0],[0,0,1]].
    // pixdim 2, 3, 4 with qfac -1: columns R[:,0]*2, R[:,1]*3, R[:,2]*4*-1.
    const s = Math.SQRT1_2;
    const vol = readNifti(
      buildNifti1({ dim, datatype: 2, bitpix: 8, qformCode: 1, quatern: [0, 0, s], qoffset: [5, 6, 7], pixdim: [-1, 2, 3, 4, 1, 1, 1, 1] }, data),
      P,
    );
    expect(vol.metadata.affine_from).toBe('qform');
    expect(maxAbsDiff(vol.affine, [
      [0, -3, 0, 5],
      [2, 0, 0, 6],
      [0, 0, -4, 7],
      [0, 0, 0, 1],
    ])).toBeLessThan(1e-6);
  });

  it('prefers the sform over the qform whatever their codes (nibabel: sform_code != 0 wins)', () => {
    const vol = readNifti(
      buildNifti1({
        dim, datatype: 2, bitpix: 8, qformCode: 4, sformCode: 1, quatern: [0, 0, 1],
        srow: [[7, 0, 0, 1], [0, 8, 0, 2], [0, 0, 9, 3]],
      }, data),
      P,
    );
    expect(vol.affine[0]).toEqual([7, 0, 0, 1]);
  });

  it('applies nibabel header fixes: bad sform code ignored, qfac 0 -> 1, negative/zero pixdim', () => {
    const vol = readNifti(
      buildNifti1({
        dim, datatype: 2, bitpix: 8, qformCode: 2, sformCode: 7, quatern: [0, 0, 0], qoffset: [1, 2, 3],
        pixdim: [0, -2, 0, 3, 1, 1, 1, 1], srow: [[9, 9, 9, 9], [9, 9, 9, 9], [9, 9, 9, 9]],
      }, data),
      P,
    );
    expect(vol.metadata.affine_from).toBe('qform');
    expect(vol.spacing).toEqual([2, 1, 3]);
    expect(vol.affine).toEqual([
      [2, 0, 0, 1],
      [0, 1, 0, 2],
      [0, 0, 3, 3],
      [0, 0, 0, 1],
    ]);
  });

  it('base affine of a 2-D image pads z with size 1 and zoom 1 (nibabel shape_zoom_affine)', () => {
    const vol = readNifti(buildNifti1({ dim: [2, 4, 3, 7, 1, 1, 1, 1], datatype: 2, bitpix: 8, pixdim: [1, 2, 3, 5, 1, 1, 1, 1] }, new Uint8Array(12)), P);
    expect(vol.dims).toEqual([4, 3, 1]);
    expect(vol.spacing).toEqual([2, 3, 1]);
    expect(vol.affine).toEqual([
      [-2, 0, 0, 3],
      [0, 3, 0, -3],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ]);
  });

  it('rejects a non-unit quaternion and a .hdr/.img pair header', () => {
    expect(() => readNifti(buildNifti1({ dim, datatype: 2, bitpix: 8, qformCode: 1, quatern: [1, 1, 0] }, data), P)).toThrow(
      /qform quaternion is not a unit quaternion/,
    );
    expect(() => readNifti(buildNifti1({ dim, datatype: 2, bitpix: 8, magic: 'ni1\0' }, data), P)).toThrow(/\.hdr\/\.img pair/);
    expect(() => readNifti(buildNifti1({ dim, datatype: 2, bitpix: 8, voxOffset: 348 }, data), P)).toThrow(/vox_offset 348/);
  });

  it('picks a frame of a 5-D file by flattened index', () => {
    // dims 2x1x1 x 2 x 3 = 6 frames of 2 voxels
    const values = Array.from({ length: 12 }, (_, i) => i);
    const bytes = buildNifti1({ dim: [5, 2, 1, 1, 2, 3, 1, 1], datatype: 2, bitpix: 8 }, encodeSamples('uint8', values));
    const vol = readNifti(bytes, P, { t: 5 });
    expect(vol.frames).toBe(6);
    expect(Array.from(vol.data)).toEqual([10, 11]);
    expect(() => readNifti(bytes, P, { t: 6 })).toThrow(/t=6 is out of range: the file has 6 volumes/);
  });
});
