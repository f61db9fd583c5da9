import { describe, expect, it } from 'vitest';

import { acquisitionAxis } from '../../src/volume/acquisitionAxis.js';
import type { VolumeSource } from '../../src/volume/types.js';
import { fixture, haveFixture } from '../helpers/fixtures.js';
import { readNiftiFile } from '../../src/volume/readNifti.js';

const nifti: VolumeSource = { path: 'a.nii', format: 'nifti1' };
const dicom: VolumeSource = { path: 'dir', format: 'dicom' };

describe('acquisitionAxis', () => {
  it('NIfTI: the axis with the largest spacing', () => {
    expect(acquisitionAxis({ spacing: [5, 1, 1], source: nifti })).toBe('x');
    expect(acquisitionAxis({ spacing: [1, 4, 1], source: nifti })).toBe('y');
    expect(acquisitionAxis({ spacing: [0.9, 0.9, 3], source: nifti })).toBe('z');
  });
  it('NIfTI ties go to z (float32 pixdims within 1e-4 count as equal)', () => {
    expect(acquisitionAxis({ spacing: [2, 2, 2], source: nifti })).toBe('z');
    expect(acquisitionAxis({ spacing: [2.2, 1, 2.1999990940093994], source: nifti })).toBe('z');
  });
  it('DICOM: always the stacking axis z', () => {
    expect(acquisitionAxis({ spacing: [5, 1, 1], source: dicom })).toBe('z');
  });
  it.skipIf(!haveFixture('volumes'))('example4d (2 x 2 x 2.2 mm) -> z', async () => {
    expect(acquisitionAxis(await readNiftiFile(fixture('volumes/example4d.nii.gz')))).toBe('z');
  });
});
