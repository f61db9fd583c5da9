// Deflated DICOM files inflate within one budget per series: a small file whose data set inflates to
// gigabytes must be a one-line error naming it, not an out-of-memory crash.
import { deflateRawSync } from 'node:zlib';

import dicomParser from 'dicom-parser';

import { describe, expect, it } from 'vitest';

import { caught } from '../helpers/caught.js';
import { boundedInflater, inflateBudget, MAX_INFLATED_BYTES, metaGroupEnd } from '../../src/volume/dicomInflate.js';
import { VolumeError } from '../../src/volume/errors.js';
import { dicomSeriesFromFiles } from '../../src/volume/readDicomSeries.js';
import { buildSlice, TS } from './dicomBuilder.js';

/**
 * A deflated 512x512 16-bit slice of zeros: 512 KiB of data set in about 1 KiB of file. Fixed
 * instance UIDs: the deflated bytes depend on them (the random ones made these tests fail now and then).
 */
function zeroSlice(k: number, uid = `1.2.826.0.1.3680043.2.1125.${5000 + k}`): Buffer {
  return buildSlice({
    seriesUid: '7.7', rows: 512, cols: 512, position: [0, 0, k], orientation: [1, 0, 0, 0, 1, 0],
    pixelSpacing: [1, 1], instanceNumber: k, pixels: new Uint8Array(512 * 512 * 2), transferSyntax: TS.deflatedLE, sopInstanceUid: uid,
  });
}

describe('deflated DICOM within a budget', () => {
  it('reads a deflated series within the budget and counts what it inflated', () => {
    const files = [0, 1].map((k) => ({ name: `/scans/s${k}.dcm`, bytes: zeroSlice(k) }));
    expect(files[0]!.bytes.length).toBeLessThan(4096);
    const budget = inflateBudget(2 ** 21);
    const vol = dicomSeriesFromFiles('/scans', files, budget);
    expect(vol.dims).toEqual([512, 512, 2]);
    expect(vol.data.every((v) => v === 0)).toBe(true);
    expect(budget.left).toBeLessThan(2 ** 21 - 2 * 512 * 512 * 2);
    expect(MAX_INFLATED_BYTES).toBe(2 ** 31);
  });

  it('names the file whose data set goes past the series budget (shared by every file)', () => {
    const files = [0, 1, 2].map((k) => ({ name: `/scans/s${k}.dcm`, bytes: zeroSlice(k) }));
    // room for two slices' data sets, not three
    const err = caught(() => dicomSeriesFromFiles('/scans', files, inflateBudget(2 * 512 * 512 * 2 + 4096)));
    expect(err).toBeInstanceOf(VolumeError);
    expect(err.message).toBe(`/scans/s2.dcm: the deflated data set inflates past the ${2 * 512 * 512 * 2 + 4096}-byte limit of a series`);
  });

  it('names the file of a corrupt deflate stream', () => {
    const good = zeroSlice(0);
    // the meta header ends where the deflated body starts: garble the body's first bytes
    const bad = Buffer.from(good);
    bad.fill(0xff, bad.length - 64);
    const bomb = { name: '/scans/bad.dcm', bytes: bad };
    const err = caught(() => dicomSeriesFromFiles('/scans', [bomb]));
    expect(err).toBeInstanceOf(VolumeError);
    expect(err.message).toMatch(/^\/scans\/bad\.dcm: corrupt deflated data set \(/);
  });

  it('reads a deflated file whose first compressed bytes look like a sequence to a meta-header reader', () => {
    // With this instance UID the deflated data set begins with bytes that dicom-parser's
    // readPart10Header, reading one element past the meta group, took for a sequence and refused
    // ("item tag (FFFE,E000) not found"); the meta group is now cut at its group length.
    const odd = zeroSlice(1, '1.2.826.0.1.3680043.2.1125.10');
    expect(() => dicomParser.readPart10Header(odd)).toThrow();
    const vol = dicomSeriesFromFiles('/scans', [{ name: '/scans/a.dcm', bytes: zeroSlice(0) }, { name: '/scans/b.dcm', bytes: odd }]);
    expect(vol.dims).toEqual([512, 512, 2]);
  });

  it('finds the meta group end from its group length, or says there is none', () => {
    const f = zeroSlice(0);
    const end = metaGroupEnd(f)!;
    // the implementation class UID is the meta group's last value (the builder's); the deflated data set follows
    expect(f.subarray(end - 28, end).toString('latin1')).toBe('1.2.826.0.1.3680043.2.1125.1');
    expect(metaGroupEnd(f.subarray(0, 140))).toBeNull();
    const noLength = Buffer.from(f);
    noLength.writeUInt16LE(0x0001, 134); // (0002,0001) instead of the group length
    expect(metaGroupEnd(noLength)).toBeNull();
    const past = Buffer.from(f);
    past.writeUInt32LE(f.length, 140);
    expect(metaGroupEnd(past)).toBeNull();
  });

  it('the inflater keeps the bytes before the data set and inflates the rest', () => {
    const body = Uint8Array.from({ length: 1000 }, (_, i) => i % 7);
    const file = Buffer.concat([Buffer.from([1, 2, 3]), deflateRawSync(body)]);
    const budget = inflateBudget(5000);
    const out = boundedInflater('/x.dcm', budget)(file, 3);
    expect(Array.from(out.subarray(0, 3))).toEqual([1, 2, 3]);
    expect(Array.from(out.subarray(3))).toEqual(Array.from(body));
    expect(budget.left).toBe(4000);
  });
});
