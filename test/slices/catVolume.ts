// Test volumes with a fixture photo in a known box of a few slices and noise everywhere else,
// built for slicing along a chosen axis, so where the attention lands says whether the pipeline
// flips or transposes anything.
import { decodeImage } from '../../src/media/decodeImage.js';
import { mulberry32 } from '../../src/attention/index.js';
import { insertSlice } from '../../src/volume/slice.js';
import type { Axis, Volume } from '../../src/volume/types.js';

/**
 * In-plane size (u x v), photo box and photo slices: off-centre on purpose, so that the box
 * mirrored in u, in v or across the slices does not overlap the box itself.
 */
export const PLANE = { width: 128, height: 96 };
export const BOX = { u0: 66, v0: 50, width: 57, height: 38 };
export const SLICES = 7;
/** Noise amplitude (grey levels) outside the photo. */
export const NOISE = 255;
export const PHOTO_SLICES = [4, 5];

/** Dims for slicing along `axis` with PLANE as the (u, v) plane (see src/volume/slice.ts). */
export function dimsFor(axis: Axis): [number, number, number] {
  const { width: W, height: H } = PLANE;
  if (axis === 'z') return [W, H, SLICES];
  if (axis === 'y') return [W, SLICES, H];
  return [SLICES, W, H];
}

/** Grey (Rec. 601) photo scaled to the box, 0..255. */
export async function photoGrey(file: string): Promise<Float32Array> {
  const img = await decodeImage(file, { width: BOX.width, height: BOX.height, fit: 'stretch' });
  if (img.width !== BOX.width || img.height !== BOX.height) throw new Error(`decoded ${img.width}x${img.height}`);
  const out = new Float32Array(BOX.width * BOX.height);
  for (let i = 0; i < out.length; i++) out[i] = 0.299 * img.data[3 * i]! + 0.587 * img.data[3 * i + 1]! + 0.114 * img.data[3 * i + 2]!;
  return out;
}

export function catVolume(axis: Axis, photo: Float32Array, seed = 1): Volume {
  const dims = dimsFor(axis);
  const data = new Float32Array(dims[0] * dims[1] * dims[2]);
  const rand = mulberry32(seed);
  const { width: W, height: H } = PLANE;
  for (let s = 0; s < SLICES; s++) {
    const plane = new Float32Array(W * H);
    for (let i = 0; i < plane.length; i++) plane[i] = NOISE * rand();
    if (PHOTO_SLICES.includes(s)) {
      for (let v = 0; v < BOX.height; v++)
        for (let u = 0; u < BOX.width; u++) plane[BOX.u0 + u + W * (BOX.v0 + v)] = photo[u + BOX.width * v]!;
    }
    insertSlice({ dims, data }, axis, s, { width: W, height: H, data: plane });
  }
  return {
    dims,
    spacing: [1, 1, 1],
    // a reflection and an offset, so a written file that loses the affine shows it
    affine: [
      [-1, 0, 0, 40],
      [0, 1, 0, -30],
      [0, 0, 1, 12.5],
      [0, 0, 0, 1],
    ],
    data,
    datatype: 'float32',
    source: { path: `cat-${axis}.nii.gz`, format: 'nifti1' },
    metadata: { sform_code: 1, qform_code: 1 },
  };
}

/** The (u, v, slice) of voxel (i, j, k) for slicing along `axis`. */
export function planeCoords(axis: Axis, [i, j, k]: [number, number, number]): { u: number; v: number; s: number } {
  if (axis === 'z') return { u: i, v: j, s: k };
  if (axis === 'y') return { u: i, v: k, s: j };
  return { u: j, v: k, s: i };
}

export function inBox(c: { u: number; v: number; s: number }): boolean {
  return (
    PHOTO_SLICES.includes(c.s) &&
    c.u >= BOX.u0 && c.u < BOX.u0 + BOX.width &&
    c.v >= BOX.v0 && c.v < BOX.v0 + BOX.height
  );
}
