// Which voxel axis the scan was acquired along: slicing along it gives the images with the
// finest in-plane resolution, which is what a 2-D CNN should look at.

import type { Axis, Volume } from './types.js';

/**
 * DICOM: always 'z', the axis the files were stacked along. NIfTI: the axis with the largest
 * spacing (thick slices are the acquisition direction); ties (within 1e-4 relative, since pixdims
 * are float32) go to the later axis, so an isotropic volume gives 'z'.
 */
export function acquisitionAxis(volume: Pick<Volume, 'spacing' | 'source'>): Axis {
  if (volume.source.format === 'dicom') return 'z';
  const axes: Axis[] = ['x', 'y', 'z'];
  let best = 0;
  for (let a = 1; a < 3; a++) {
    const s = volume.spacing[a];
    const b = volume.spacing[best];
    if (s >= b || Math.abs(s - b) <= 1e-4 * Math.max(Math.abs(s), Math.abs(b))) best = a;
  }
  return axes[best];
}
