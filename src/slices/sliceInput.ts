// One slice of a windowed volume as the RGB picture a 2-D CNN takes: resampled to the model's
// input (square or not) keeping its physical aspect (padded with black, never stretched), grey
// replicated to three channels. Pure.
import { extractSlice } from '../volume/slice.js';
import { fitToBox, type BoxFit } from '../volume/fitToSquare.js';
import type { Axis, Slice, Volume } from '../volume/types.js';

export interface SliceInput {
  /** width x height x 3 bytes, row-major */
  rgb: Uint8Array;
  width: number;
  height: number;
  /** the input's geometry, to map results back onto the slice (mapToSlice) */
  fit: Omit<BoxFit, 'data'>;
}

/** Grey 0..1 values to interleaved RGB bytes (values outside 0..1 are clamped). */
export function greyToRgb(grey: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(grey.length * 3);
  for (let i = 0; i < grey.length; i++) {
    const g = grey[i]!;
    // NaN fails both comparisons and becomes 0
    const b = g >= 1 ? 255 : g > 0 ? Math.round(g * 255) : 0;
    out[3 * i] = out[3 * i + 1] = out[3 * i + 2] = b;
  }
  return out;
}

/**
 * `windowed` holds the volume's intensities already mapped to 0..1 (windowIntensity), with the
 * volume's dims and spacing.
 */
/** `size`: the model input, N (N x N) or [height, width]. */
export function sliceInput(windowed: Pick<Volume, 'dims' | 'spacing' | 'data'>, axis: Axis, index: number, size: number | readonly [number, number]): SliceInput {
  return sliceToInput(extractSlice(windowed, axis, index), size);
}

/** One slice, already cut (extractSlice) and windowed, as the model's input picture. */
export function sliceToInput(slice: Slice, size: number | readonly [number, number]): SliceInput {
  const [height, width] = typeof size === 'number' ? [size, size] : size;
  const { data, ...fit } = fitToBox(slice, width, height, { pad: 0 });
  return { rgb: greyToRgb(data), width, height, fit };
}
