// Public surface of the volume attention pipeline.
export type * from './types.js';
export { analyzeVolume } from './analyzeVolume.js';
export { volumeJson, type VolumeJson } from './volumeJson.js';
export { parseWindow, formatWindow } from './parseWindow.js';
export { outputNames, splitNiftiName } from './outputNames.js';
export { mapToSlice } from './mapToSlice.js';
export { resampleTrilinear } from './resample3d.js';
export { sliceWeight } from './weighting.js';
export { writeAttentionVolumes } from './writeAttention.js';
