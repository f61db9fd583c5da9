// Cutting 2-D slices out of a volume and putting 2-D results (attention maps) back.
//
// Orientation is plain voxel order, no display reorientation, so that extract and insert are
// exact inverses and a map computed on a slice lands on the voxels it came from:
//   axis 'z' (index k): u = i, v = j  -> width nx, height ny, pixelSpacing [sx, sy]
//   axis 'y' (index j): u = i, v = k  -> width nx, height nz, pixelSpacing [sx, sz]
//   axis 'x' (index i): u = j, v = k  -> width ny, height nz, pixelSpacing [sy, sz]
// i.e. u is the lower-numbered remaining voxel axis, v the higher one; slice data is row-major
// (index u + width * v), row v = 0 first. Where that is "up" on screen depends on the affine.

import type { Axis, Slice, Volume } from './types.js';

const AXIS_INDEX: Record<Axis, number> = { x: 0, y: 1, z: 2 };
/** The in-plane (u, v) voxel axes for each slicing axis. */
const IN_PLANE: Record<Axis, [number, number]> = { z: [0, 1], y: [0, 2], x: [1, 2] };

/** Number of slices along `axis`. */
export function sliceCount(volume: Pick<Volume, 'dims'>, axis: Axis): number {
  return volume.dims[AXIS_INDEX[axis]];
}

function plane(dims: readonly number[], axis: Axis, index: number) {
  const a = AXIS_INDEX[axis];
  if (a === undefined) throw new Error(`axis must be 'x', 'y' or 'z', got ${JSON.stringify(axis)}`);
  if (!Number.isInteger(index) || index < 0 || index >= dims[a]) {
    throw new RangeError(`slice index ${index} is out of range for axis ${axis} (0..${dims[a] - 1})`);
  }
  const strides = [1, dims[0], dims[0] * dims[1]];
  const [ua, va] = IN_PLANE[axis];
  return {
    width: dims[ua],
    height: dims[va],
    base: index * strides[a],
    su: strides[ua],
    sv: strides[va],
    ua,
    va,
  };
}

export function extractSlice(volume: Pick<Volume, 'dims' | 'spacing' | 'data'>, axis: Axis, index: number): Slice {
  const p = plane(volume.dims, axis, index);
  const data = new Float32Array(p.width * p.height);
  for (let v = 0; v < p.height; v++) {
    const rowBase = p.base + v * p.sv;
    for (let u = 0; u < p.width; u++) data[u + p.width * v] = volume.data[rowBase + u * p.su];
  }
  return { width: p.width, height: p.height, data, pixelSpacing: [volume.spacing[p.ua], volume.spacing[p.va]] };
}

/** Write `slice` into `target.data` at `axis`/`index` (in place); the inverse of extractSlice. */
export function insertSlice(
  target: Pick<Volume, 'dims' | 'data'>,
  axis: Axis,
  index: number,
  slice: Pick<Slice, 'width' | 'height' | 'data'>,
): void {
  const p = plane(target.dims, axis, index);
  if (slice.width !== p.width || slice.height !== p.height) {
    throw new Error(`slice is ${slice.width}x${slice.height} but axis ${axis} of this volume needs ${p.width}x${p.height}`);
  }
  if (slice.data.length !== p.width * p.height) {
    throw new Error(`slice data has ${slice.data.length} values, expected ${p.width * p.height}`);
  }
  for (let v = 0; v < p.height; v++) {
    const rowBase = p.base + v * p.sv;
    for (let u = 0; u < p.width; u++) target.data[rowBase + u * p.su] = slice.data[u + p.width * v];
  }
}
