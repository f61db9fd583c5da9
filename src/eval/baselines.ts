// What deleted pixels become (and what insertion starts from), in the model's input space
// (after preprocessing, so "zero" is the value 0 the network sees: black for x/255 models, the
// dataset mean for mean/std models). Pure, on interleaved H x W x 3 Float32Arrays.
//   blur: a Gaussian blur of the input (RISE's insertion baseline: the object's outline is gone, the
//         image statistics stay), sigma = 5 px at 224 px, scaled with the input size;
//   mean: every pixel the input's per-channel mean;
//   zero: every value 0.
import type { Baseline } from './types.js';

export const BASELINES: readonly Baseline[] = ['blur', 'mean', 'zero'];

/** Default blur for a given input: sigma 5 px at 224 px (RISE uses an 11-tap kernel of sigma 5). */
export function defaultBlurSigma(width: number, height: number): number {
  return (5 * Math.max(width, height)) / 224;
}

export function baselineInput(input: Float32Array, width: number, height: number, kind: Baseline, sigma?: number): Float32Array {
  if (input.length !== width * height * 3) throw new RangeError(`baselineInput: ${input.length} values, expected ${width}x${height}x3`);
  switch (kind) {
    case 'zero':
      return new Float32Array(input.length);
    case 'mean': {
      const sum = [0, 0, 0];
      for (let i = 0; i < input.length; i++) sum[i % 3]! += input[i]!;
      const n = width * height;
      const out = new Float32Array(input.length);
      for (let i = 0; i < out.length; i++) out[i] = sum[i % 3]! / n;
      return out;
    }
    case 'blur':
      return gaussianBlur(input, width, height, 3, sigma ?? defaultBlurSigma(width, height));
  }
}

/** Normalised 1-D Gaussian taps for sigma, radius ceil(3 sigma). */
export function gaussianKernel(sigma: number): Float64Array {
  if (!(sigma > 0)) return Float64Array.of(1);
  const r = Math.ceil(3 * sigma);
  const k = new Float64Array(2 * r + 1);
  let s = 0;
  for (let i = -r; i <= r; i++) s += k[i + r] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i]! /= s;
  return k;
}

/**
 * Separable Gaussian blur of an interleaved image; edges repeat the border pixel (so a constant
 * image stays constant and the mean is nearly kept).
 */
export function gaussianBlur(src: Float32Array, width: number, height: number, channels: number, sigma: number): Float32Array {
  const k = gaussianKernel(sigma);
  const r = (k.length - 1) / 2;
  const tmp = new Float32Array(src.length);
  const out = new Float32Array(src.length);
  const clamp = (v: number, hi: number) => (v < 0 ? 0 : v > hi ? hi : v);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < channels; c++) {
        let s = 0;
        for (let i = -r; i <= r; i++) s += k[i + r]! * src[(y * width + clamp(x + i, width - 1)) * channels + c]!;
        tmp[(y * width + x) * channels + c] = s;
      }
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < channels; c++) {
        let s = 0;
        for (let i = -r; i <= r; i++) s += k[i + r]! * tmp[(clamp(y + i, height - 1) * width + x) * channels + c]!;
        out[(y * width + x) * channels + c] = s;
      }
  return out;
}
