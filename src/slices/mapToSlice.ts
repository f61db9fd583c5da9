// An attention map computed on the padded model input, put back onto the slice's own voxel
// grid: upsampled bilinearly to the input's size (pixel centres aligned, as everywhere in the project),
// then resampled from the content box only, so the padding is undone and never bleeds in. Pure.
import { resizeBilinear } from '../media/resize.js';
import { boxToSlice, type BoxFit } from '../volume/fitToSquare.js';

/**
 * `values`: the map, mapWidth x mapHeight row-major, over the whole (padded) input.
 * Returns sourceWidth x sourceHeight values (row-major, the slice's u, v order).
 */
export function mapToSlice(
  values: Float32Array,
  mapWidth: number,
  mapHeight: number,
  fit: Omit<BoxFit, 'data'>,
): Float32Array {
  const full = resizeBilinear(values, mapWidth, mapHeight, fit.boxWidth, fit.boxHeight);
  return boxToSlice(full, fit);
}
