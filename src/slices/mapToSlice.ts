// An attention map computed on the padded square input, put back onto the slice's own voxel
// grid: upsampled bilinearly to the square (pixel centres aligned, as everywhere in the project),
// then resampled from the content box only, so the padding is undone and never bleeds in. Pure.
import { resizeBilinear } from '../media/resize.js';
import { squareToSlice, type SquareFit } from '../volume/fitToSquare.js';

/**
 * `values`: the map, mapWidth x mapHeight row-major, over the whole square input.
 * Returns sourceWidth x sourceHeight values (row-major, the slice's u, v order).
 */
export function mapToSlice(
  values: Float32Array,
  mapWidth: number,
  mapHeight: number,
  fit: Pick<SquareFit, 'size' | 'contentBox' | 'sourceWidth' | 'sourceHeight'>,
): Float32Array {
  const square = resizeBilinear(values, mapWidth, mapHeight, fit.size, fit.size);
  return squareToSlice(square, fit);
}
