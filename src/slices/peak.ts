// Where an attention volume is strongest, in voxels and in world millimetres. Pure.
import { applyAffine } from '../volume/affine.js';
import type { Mat4 } from '../volume/types.js';

export interface Peak {
  voxel: [number, number, number];
  world: [number, number, number];
  value: number;
}

export function peakOf(data: ArrayLike<number>, dims: readonly [number, number, number], affine: Mat4): Peak {
  let best = 0;
  for (let i = 1; i < data.length; i++) if (data[i]! > data[best]!) best = i;
  const [nx, ny] = dims;
  const voxel: [number, number, number] = [best % nx, Math.floor(best / nx) % ny, Math.floor(best / (nx * ny))];
  const world = applyAffine(affine, voxel).map((v) => Math.round(v * 1e4) / 1e4) as [number, number, number];
  return { voxel, world, value: data[best] ?? 0 };
}
