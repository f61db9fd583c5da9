// The viewer's pure geometry: voxel <-> world, which voxel axis each view slices and draws to the
// right/up, the orientation letters, clicks <-> voxels, slice textures and the 3-D plane placement.
import { describe, expect, it } from 'vitest';
import {
  extractViewSlice, orientationLetter, planeToWorld, screenToVoxel, VIEW_NAMES, viewLayout, voxelAxesToWorld, voxelIndex,
  voxelToScreen, voxelToWorld, worldToVoxel, type Mat4,
} from '../../renderer/volume/geometry.js';

const RAS: Mat4 = [[2, 0, 0, -10], [0, 3, 0, 5], [0, 0, 4, 7], [0, 0, 0, 1]];
/** i -> -x (flipped), j -> +z, k -> +y: slices along j are axial. */
const PERMUTED: Mat4 = [[-1.5, 0, 0, 30], [0, 0, 2, -20], [0, 1, 0, 4], [0, 0, 0, 1]];

function rotZ(deg: number): number[][] {
  const c = Math.cos((deg * Math.PI) / 180);
  const s = Math.sin((deg * Math.PI) / 180);
  return [[c, -s, 0], [s, c, 0], [0, 0, 1]];
}

/** All 48 axis permutations with signs, scaled by `spacing`, as affines. */
function signedPermutations(spacing: number[]): Mat4[] {
  const perms = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
  const out: Mat4[] = [];
  for (const p of perms) {
    for (let signs = 0; signs < 8; signs++) {
      const A = [[0, 0, 0, 3], [0, 0, 0, -7], [0, 0, 0, 11], [0, 0, 0, 1]];
      for (let v = 0; v < 3; v++) A[p[v]!]![v] = (signs & (1 << v) ? -1 : 1) * spacing[v]!;
      out.push(A);
    }
  }
  return out;
}

describe('voxel <-> world', () => {
  it('worldToVoxel inverts voxelToWorld for a rotated, flipped, translated affine', () => {
    const R = rotZ(30);
    const A: Mat4 = [0, 1, 2].map((r) => [R[r]![0]! * -2, R[r]![1]! * 1.5, R[r]![2]! * 3, [4, -5, 6][r]!]).concat([[0, 0, 0, 1]]);
    for (const ijk of [[0, 0, 0], [3, 7, 1], [12.5, -2, 9]]) {
      const back = worldToVoxel(A, voxelToWorld(A, ijk));
      back.forEach((v, a) => expect(v).toBeCloseTo(ijk[a]!, 9));
    }
  });
  it('refuses a singular affine', () => {
    expect(() => worldToVoxel([[1, 0, 0, 0], [0, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], [0, 0, 0])).toThrow(/singular/);
  });
  it('voxelAxesToWorld follows the dominant direction, also for an oblique scan', () => {
    expect(voxelAxesToWorld(RAS)).toEqual([0, 1, 2]);
    expect(voxelAxesToWorld(PERMUTED)).toEqual([0, 2, 1]);
    const R = rotZ(25);
    const oblique: Mat4 = [0, 1, 2].map((r) => [R[r]![1]!, R[r]![0]!, R[r]![2]!, 0]).concat([[0, 0, 0, 1]]);
    expect(voxelAxesToWorld(oblique)).toEqual([1, 0, 2]);
  });
  it('orientationLetter names the dominant signed world axis', () => {
    expect(orientationLetter([1, 0.2, 0])).toBe('R');
    expect(orientationLetter([-1, 0.2, 0])).toBe('L');
    expect(orientationLetter([0.1, -2, 0.3])).toBe('P');
    expect(orientationLetter([0, 0.5, 0.9])).toBe('S');
    expect(orientationLetter([0, 0.5, -0.9])).toBe('I');
  });
});

describe('viewLayout', () => {
  const dims = [10, 12, 8];
  it('RAS scan: radiological axial/coronal, anterior-left sagittal', () => {
    const ax = viewLayout(RAS, dims, [2, 3, 4], 'axial');
    expect(ax).toMatchObject({ sliceAxis: 2, right: 0, flipRight: true, up: 1, flipUp: false, labels: { left: 'R', right: 'L', top: 'A', bottom: 'P' } });
    expect(viewLayout(RAS, dims, [2, 3, 4], 'coronal')).toMatchObject({ sliceAxis: 1, right: 0, up: 2, labels: { left: 'R', right: 'L', top: 'S', bottom: 'I' } });
    expect(viewLayout(RAS, dims, [2, 3, 4], 'sagittal')).toMatchObject({ sliceAxis: 0, right: 1, flipRight: true, up: 2, labels: { left: 'A', right: 'P', top: 'S', bottom: 'I' } });
  });
  it('keeps the voxel spacing: the view is n x spacing mm on each side', () => {
    const ax = viewLayout(RAS, dims, [2, 3, 4], 'axial');
    expect([ax.nRight, ax.nUp, ax.widthMm, ax.heightMm]).toEqual([10, 12, 20, 36]);
    const sag = viewLayout(RAS, dims, [2, 3, 4], 'sagittal');
    expect([sag.widthMm, sag.heightMm]).toEqual([36, 32]);
  });
  it('a permuted, flipped scan slices axial along the voxel axis that runs S-I', () => {
    const ax = viewLayout(PERMUTED, dims, [1.5, 2, 1], 'axial');
    expect(ax).toMatchObject({ sliceAxis: 1, right: 0, flipRight: false, up: 2, flipUp: false });
    expect(ax.labels).toEqual({ left: 'R', right: 'L', top: 'A', bottom: 'P' });
  });
  it('for every axis permutation and flip, the R-A-S corner voxel is drawn at the edges labelled R/A/S', () => {
    const d = [5, 6, 7];
    for (const A of signedPermutations([1.5, 2, 0.8])) {
      // the voxel corner furthest along +x, +y, +z
      const corner = [0, 1, 2].map((v) => {
        const w = [0, 1, 2].find((r) => A[r]![v] !== 0)!;
        return A[w]![v]! > 0 ? d[v]! - 1 : 0;
      });
      const world = voxelToWorld(A, corner);
      for (const view of VIEW_NAMES) {
        const l = viewLayout(A, d, [1.5, 2, 0.8], view);
        const { fx, fy } = voxelToScreen(l, corner);
        const horizontal = fx < 0.5 ? l.labels.left : l.labels.right;
        const vertical = fy < 0.5 ? l.labels.top : l.labels.bottom;
        const expected = { axial: ['R', 'A'], coronal: ['R', 'S'], sagittal: ['A', 'S'] }[view];
        expect([horizontal, vertical], `${view} ${JSON.stringify(A)} world ${world}`).toEqual(expected);
      }
    }
  });
});

describe('screen <-> voxel, slice textures, 3-D planes', () => {
  const dims = [4, 5, 3];
  const data = Float32Array.from({ length: 60 }, (_, i) => i * 1.5 + 1);
  it('screenToVoxel inverts voxelToScreen on every voxel of every view', () => {
    for (const A of [RAS, PERMUTED]) {
      for (const view of VIEW_NAMES) {
        const l = viewLayout(A, dims, [1, 1, 1], view);
        for (let k = 0; k < 3; k++) for (let j = 0; j < 5; j++) for (let i = 0; i < 4; i++) {
          const ijk = [i, j, k];
          const { fx, fy } = voxelToScreen(l, ijk);
          expect(screenToVoxel(l, dims, ijk[l.sliceAxis]!, fx, fy)).toEqual(ijk);
        }
      }
    }
  });
  it('clamps clicks outside the image to the grid', () => {
    const l = viewLayout(RAS, dims, [1, 1, 1], 'axial');
    const v = screenToVoxel(l, dims, 99, -0.2, 1.3);
    expect(v.every((x, a) => x >= 0 && x < dims[a]!)).toBe(true);
  });
  it('extractViewSlice puts the voxel under each screen point in its texel (row 0 at the bottom)', () => {
    for (const A of [RAS, PERMUTED]) {
      for (const view of VIEW_NAMES) {
        const l = viewLayout(A, dims, [1, 1, 1], view);
        const index = 1;
        const tex = extractViewSlice(data, dims, l, index);
        expect(tex.length).toBe(l.nRight * l.nUp);
        for (let row = 0; row < l.nUp; row++) for (let c = 0; c < l.nRight; c++) {
          const ijk = screenToVoxel(l, dims, index, (c + 0.5) / l.nRight, 1 - (row + 0.5) / l.nUp);
          expect(tex[row * l.nRight + c]).toBe(data[voxelIndex(dims, ijk)]);
        }
      }
    }
  });
  it('planeToWorld puts each texel centre of the 3-D plane on its voxel in world mm', () => {
    for (const A of [RAS, PERMUTED]) {
      for (const view of VIEW_NAMES) {
        const l = viewLayout(A, dims, [1, 1, 1], view);
        const M = planeToWorld(A, l, 2 % dims[l.sliceAxis]!);
        for (const [c, row] of [[0, 0], [l.nRight - 1, 0], [1, l.nUp - 1]] as const) {
          const x = (c + 0.5) / l.nRight - 0.5;
          const y = (row + 0.5) / l.nUp - 0.5;
          const world = [0, 1, 2].map((r) => M[r]![0]! * x + M[r]![1]! * y + M[r]![3]!);
          const ijk = screenToVoxel(l, dims, 2 % dims[l.sliceAxis]!, (c + 0.5) / l.nRight, 1 - (row + 0.5) / l.nUp);
          const expected = voxelToWorld(A, ijk);
          world.forEach((w, a) => expect(w).toBeCloseTo(expected[a]!, 9));
        }
      }
    }
  });
});
