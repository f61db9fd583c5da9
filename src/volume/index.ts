// Public surface of the 3-D scan I/O.
export type { Axis, Mat4, MetadataValue, Slice, Volume, VolumeFormat, VolumeSource } from './types.js';
export { VolumeError } from './errors.js';
export { readVolume, type ReadVolumeOptions } from './readVolume.js';
export { readNifti, readNiftiFile, parseNiftiHeader, MAX_DATA_BYTES, type NiftiHeader, type NiftiReadOptions } from './readNifti.js';
export { writeNifti, encodeNifti1, sourceXformCodes, NIFTI1_XFORM, type NiftiWriteInput, type NiftiWriteOptions } from './writeNifti.js';
export { readDicomSeries, dicomSeriesFromFiles, TRANSFER_SYNTAX_NAMES, type DicomFileEntry } from './readDicomSeries.js';
export { applyAffine, baseAffine, qformAffine, affineToQuaternion, type QuaternionForm } from './affine.js';
export { extractSlice, insertSlice, sliceCount } from './slice.js';
export { windowIntensity, percentileOfSorted, DEFAULT_WINDOW, type WindowSpec } from './windowIntensity.js';
export { acquisitionAxis } from './acquisitionAxis.js';
export { fitToSquare, fitToBox, squareToSlice, boxToSlice, contentBoxFor, contentBoxIn, type ContentBox, type SquareFit, type BoxFit, type FitOptions } from './fitToSquare.js';
