// A small .nii.gz declaring huge dims (a "bomb") must be refused from its header, before the data is
// inflated: the limit is on voxels, since the float32 working copy is what grows.
import { gzipSync } from 'node:zlib';

import { describe, expect, it } from 'vitest';

import { caught } from '../helpers/caught.js';
import { VolumeError } from '../../src/volume/errors.js';
import { gunzipHead, MAX_HEADER_BYTES, MAX_VOXELS, readNifti, tooManyVoxels, TRAILING_SLACK } from '../../src/volume/readNifti.js';
import { buildNifti1, buildNifti2 } from './niftiBuilder.js';

const P = '/data/bomb.nii.gz';

describe('tooManyVoxels', () => {
  it('counts every stored dim (x*y*z*t) against 2^29', () => {
    expect(MAX_VOXELS).toBe(2 ** 29);
    expect(tooManyVoxels([3, 512, 512, 1000, 1, 1, 1, 1])).toBeNull(); // a large CT, 2.6e8 voxels
    expect(tooManyVoxels([3, 1024, 1024, 512, 7, 7, 7, 7])).toBeNull(); // exactly 2^29; dims past dim[0] ignored
    expect(tooManyVoxels([4, 512, 512, 512, 5, 1, 1, 1])).toMatch(/^dims \[512, 512, 512, 5\] hold 671088640 voxels, more than the 536870912-voxel limit/);
    expect(tooManyVoxels([3, 2000, 2000, 400, 1, 1, 1, 1])).toMatch(/1600000000 voxels/);
  });
});

describe('gunzipHead', () => {
  it('returns the first n bytes, or all of a shorter stream', () => {
    const raw = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7) % 251);
    expect(Array.from(gunzipHead(gzipSync(raw), 544, P))).toEqual(Array.from(raw.subarray(0, 544)));
    expect(Array.from(gunzipHead(gzipSync(raw.subarray(0, 10)), 544, P))).toEqual(Array.from(raw.subarray(0, 10)));
  });

  it('says a stream cut before the header is truncated (it returned the little it inflated: "only 0 bytes")', () => {
    const raw = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7) % 251);
    expect(() => gunzipHead(gzipSync(raw).subarray(0, 100), 544, P)).toThrow(/truncated or corrupt gzip data \(unexpected end of file\)/);
  });

  it('finds the head of a highly compressible stream without inflating it all', () => {
    // 64 MB of zeros compress ~1000:1; each attempt is capped at 1 MB of output
    const raw = new Uint8Array(64 * 2 ** 20);
    raw[3] = 9;
    const head = gunzipHead(gzipSync(raw, { level: 9 }), 544, P);
    expect(head.length).toBe(544);
    expect(head[3]).toBe(9);
  });

  it('names the file for data that is not gzip', () => {
    const err = caught(() => gunzipHead(Uint8Array.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff]), 544, P));
    expect(err).toBeInstanceOf(VolumeError);
    expect(err.message).toMatch(/^\/data\/bomb\.nii\.gz: truncated or corrupt gzip data/);
  });
});

describe('readNifti refuses a bomb from its header', () => {
  // Only the header and a few bytes: the check must fire before any data is needed.
  const dim = [3, 2000, 2000, 400, 1, 1, 1, 1];
  for (const [name, build] of [['NIfTI-1', buildNifti1], ['NIfTI-2', buildNifti2]] as const) {
    it(`${name}: 2000x2000x400 uint8 (1.6 GB, under the byte limit) in a few hundred bytes of gzip`, () => {
      const bomb = gzipSync(build({ dim, datatype: 2, bitpix: 8 }, new Uint8Array(16)));
      expect(bomb.length).toBeLessThan(1000);
      const err = caught(() => readNifti(bomb, P));
      expect(err).toBeInstanceOf(VolumeError);
      expect(err.message).toBe(
        '/data/bomb.nii.gz: dims [2000, 2000, 400] hold 1600000000 voxels, more than the 536870912-voxel limit (2 GiB as float32)',
      );
    });
  }

  it('counts the volumes of a 4-D file too', () => {
    const bomb = gzipSync(buildNifti1({ dim: [4, 512, 512, 100, 30, 1, 1, 1], datatype: 2, bitpix: 8 }, new Uint8Array(4)));
    expect(caught(() => readNifti(bomb, P)).message).toMatch(/dims \[512, 512, 100, 30\] hold 786432000 voxels/);
  });

  it('still reads a small scan whose gzip stream has a long file name field', () => {
    // FNAME (flag 0x08) of 10 KB before the deflate data: the header is further into the input
    const nii = buildNifti1({ dim: [3, 2, 2, 1, 1, 1, 1, 1], datatype: 2, bitpix: 8 }, Uint8Array.from([1, 2, 3, 4]));
    const gz = gzipSync(nii);
    const withName = Buffer.concat([gz.subarray(0, 3), Buffer.from([gz[3]! | 0x08]), gz.subarray(4, 10), Buffer.alloc(10_000, 0x61), Buffer.from([0]), gz.subarray(10)]);
    expect(Array.from(readNifti(withName, P).data)).toEqual([1, 2, 3, 4]);
  });
});

describe('readNifti inflates no more than the header needs', () => {
  const dim = [3, 2, 2, 1, 1, 1, 1, 1];
  it('refuses a tiny header in front of far more data, without inflating it all', () => {
    // 1 GiB of zeros behind a 4-voxel header: ~1 MB of gzip. Before, it was inflated (up to 2 GiB)
    // and only then found to be more than the header needs.
    const header = gzipSync(buildNifti1({ dim, datatype: 2, bitpix: 8 }, Uint8Array.from([1, 2, 3, 4])));
    const zeros = gzipSync(new Uint8Array(64 * 2 ** 20), { level: 9 });
    // gzip members concatenate: the stream inflates to the header + 16 x 64 MiB
    const bomb = Buffer.concat([header, ...Array.from({ length: 16 }, () => zeros)]);
    expect(bomb.length).toBeLessThan(2 ** 21);
    const before = process.memoryUsage().arrayBuffers;
    const err = caught(() => readNifti(bomb, P));
    expect(err).toBeInstanceOf(VolumeError);
    expect(err.message).toMatch(/^\/data\/bomb\.nii\.gz: the decompressed data is larger than its header declares \(over \d+ bytes; the header's dims need 356\)$/);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(4 * TRAILING_SLACK);
  });

  it('refuses a vox_offset gigabytes in before inflating (it would raise the limit with it)', () => {
    // the 4-voxel header of above, its data said to start 3.9e9 bytes in, then 1 GiB of zeros
    const nii = buildNifti1({ dim, datatype: 2, bitpix: 8 }, Uint8Array.from([1, 2, 3, 4]));
    new DataView(nii.buffer).setFloat32(108, 3.9e9, true);
    const zeros = gzipSync(new Uint8Array(64 * 2 ** 20), { level: 9 });
    const bomb = Buffer.concat([gzipSync(nii), ...Array.from({ length: 16 }, () => zeros)]);
    const before = process.memoryUsage().arrayBuffers;
    const err = caught(() => readNifti(bomb, P));
    expect(err.message).toBe(`/data/bomb.nii.gz: vox_offset 3900000000 puts the data past the ${MAX_HEADER_BYTES}-byte limit for the header and its extensions`);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(4 * TRAILING_SLACK);
  });

  it('still reads a file with a little data after the volume', () => {
    const nii = buildNifti1({ dim, datatype: 2, bitpix: 8 }, Uint8Array.from([1, 2, 3, 4, 0, 0, 0, 0]));
    expect(Array.from(readNifti(gzipSync(Buffer.concat([nii, Buffer.alloc(4096)])), P).data)).toEqual([1, 2, 3, 4]);
  });
});
