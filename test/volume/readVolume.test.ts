import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { readVolume } from '../../src/volume/readVolume.js';
import { fixture, haveFixture } from '../helpers/fixtures.js';
import { writeTwoSliceSeries } from './dicomBuilder.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'l2caf-readvolume-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('readVolume', () => {
  it('reads a folder as a DICOM series', async () => {
    const dir = path.join(root, 'series');
    writeTwoSliceSeries(dir);
    const vol = await readVolume(dir);
    expect(vol.source.format).toBe('dicom');
    expect(vol.dims).toEqual([2, 1, 2]);
    await expect(readVolume(dir, { t: 1 })).rejects.toThrow(/single 3-D volume/);
  });

  it.skipIf(!haveFixture('volumes'))('reads .nii and .nii.gz as NIfTI, passing t through', async () => {
    expect((await readVolume(fixture('volumes/anatomical.nii'))).source.format).toBe('nifti1');
    const v = await readVolume(fixture('volumes/example4d.nii.gz'), { t: 1 });
    expect(v.metadata.volume).toBe(1);
  });

  it('refuses other files and missing paths with a clear error', async () => {
    const png = path.join(root, 'scan.png');
    writeFileSync(png, 'x');
    await expect(readVolume(png)).rejects.toThrow(/scan\.png: unsupported scan: expected a \.nii or \.nii\.gz file, or a folder/);
    await expect(readVolume(path.join(root, 'missing.nii'))).rejects.toThrow(/missing\.nii: no such file or folder/);
  });
});
