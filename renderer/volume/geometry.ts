// Pure geometry of the volume viewer: voxel <-> world through the affine, and for each view
// (axial, coronal, sagittal) which voxel axis is sliced, which runs to screen right and up (and
// whether reversed), the orientation letters at the four edges, and the view's size in mm.
//
// Convention (radiological, as most clinical viewers): axial and coronal show the patient's right
// on the screen's left; axial has anterior up, coronal and sagittal superior up; sagittal has
// anterior on the left. World is RAS+ (x to the Right, y Anterior, z Superior), as the affine gives.
// The voxel axes are snapped to the nearest world axes (an oblique scan is shown in its own voxel
// grid, not resampled), so the labels name the world direction a screen edge is closest to.

export type Mat4 = readonly (readonly number[])[];
export type Vec3 = [number, number, number];
export type ViewName = 'axial' | 'coronal' | 'sagittal';
export const VIEW_NAMES: readonly ViewName[] = ['axial', 'coronal', 'sagittal'];

/** The world direction (axis 0/1/2 = x/y/z, sign) each view looks along and draws to the right/up. */
const VIEW_WORLD: Record<ViewName, { normal: number; right: [number, 1 | -1]; up: [number, 1 | -1] }> = {
  axial: { normal: 2, right: [0, -1], up: [1, 1] },
  coronal: { normal: 1, right: [0, -1], up: [2, 1] },
  sagittal: { normal: 0, right: [1, -1], up: [2, 1] },
};

const LETTERS: [string, string][] = [['R', 'L'], ['A', 'P'], ['S', 'I']];

export interface ViewLayout {
  view: ViewName;
  /** voxel axis (0 = i, 1 = j, 2 = k) the view slices */
  sliceAxis: number;
  /** voxel axis along screen right; flipRight: its index grows to the left */
  right: number;
  flipRight: boolean;
  /** voxel axis along screen up; flipUp: its index grows downwards */
  up: number;
  flipUp: boolean;
  /** slice size in voxels and mm (right x up) */
  nRight: number;
  nUp: number;
  widthMm: number;
  heightMm: number;
  /** the letters at the screen edges */
  labels: { left: string; right: string; top: string; bottom: string };
}

export function voxelToWorld(affine: Mat4, ijk: readonly number[]): Vec3 {
  const r = (row: number) => affine[row]![0]! * ijk[0]! + affine[row]![1]! * ijk[1]! + affine[row]![2]! * ijk[2]! + affine[row]![3]!;
  return [r(0), r(1), r(2)];
}

/** Continuous voxel coordinates of a world point (inverse of the affine's 3x3 part). */
export function worldToVoxel(affine: Mat4, xyz: readonly number[]): Vec3 {
  const a = affine;
  const m = [0, 1, 2].map((r) => [0, 1, 2].map((c) => a[r]![c]!));
  const det =
    m[0]![0]! * (m[1]![1]! * m[2]![2]! - m[1]![2]! * m[2]![1]!) -
    m[0]![1]! * (m[1]![0]! * m[2]![2]! - m[1]![2]! * m[2]![0]!) +
    m[0]![2]! * (m[1]![0]! * m[2]![1]! - m[1]![1]! * m[2]![0]!);
  if (!Number.isFinite(det) || Math.abs(det) < 1e-12) throw new Error('the affine is singular: voxels cannot be placed in the world');
  const d = [xyz[0]! - a[0]![3]!, xyz[1]! - a[1]![3]!, xyz[2]! - a[2]![3]!];
  const inv = (r: number, c: number) => {
    const rows = [0, 1, 2].filter((x) => x !== c);
    const cols = [0, 1, 2].filter((x) => x !== r);
    const minor = m[rows[0]!]![cols[0]!]! * m[rows[1]!]![cols[1]!]! - m[rows[0]!]![cols[1]!]! * m[rows[1]!]![cols[0]!]!;
    return ((r + c) % 2 === 0 ? 1 : -1) * minor / det;
  };
  return [0, 1, 2].map((r) => inv(r, 0) * d[0]! + inv(r, 1) * d[1]! + inv(r, 2) * d[2]!) as Vec3;
}

/**
 * Which world axis each voxel axis is closest to: the permutation maximising the sum of
 * |cosine| between voxel axis directions (affine columns) and world axes. worldOf[voxelAxis].
 */
export function voxelAxesToWorld(affine: Mat4): number[] {
  const cos = [0, 1, 2].map((v) => {
    const col = [0, 1, 2].map((w) => affine[w]![v]!);
    const n = Math.hypot(...col) || 1;
    return col.map((c) => Math.abs(c) / n);
  });
  const perms = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
  let best = perms[0]!;
  let bestScore = -1;
  for (const p of perms) {
    const s = cos[0]![p[0]!]! + cos[1]![p[1]!]! + cos[2]![p[2]!]!;
    if (s > bestScore + 1e-12) {
      bestScore = s;
      best = p;
    }
  }
  return best;
}

/** The letter of the world direction a vector points to most (R/L, A/P, S/I). */
export function orientationLetter(v: readonly number[]): string {
  let a = 0;
  for (let i = 1; i < 3; i++) if (Math.abs(v[i]!) > Math.abs(v[a]!)) a = i;
  return v[a]! >= 0 ? LETTERS[a]![0] : LETTERS[a]![1];
}

function column(affine: Mat4, axis: number, sign: number): Vec3 {
  return [affine[0]![axis]! * sign, affine[1]![axis]! * sign, affine[2]![axis]! * sign];
}

export function viewLayout(affine: Mat4, dims: readonly number[], spacing: readonly number[], view: ViewName): ViewLayout {
  const worldOf = voxelAxesToWorld(affine);
  const voxelFor = (w: number) => worldOf.indexOf(w);
  const spec = VIEW_WORLD[view];
  const sliceAxis = voxelFor(spec.normal);
  const right = voxelFor(spec.right[0]);
  const up = voxelFor(spec.up[0]);
  // reversed when the voxel axis points against the wanted world direction
  const flipRight = Math.sign(affine[spec.right[0]]![right]!) !== spec.right[1];
  const flipUp = Math.sign(affine[spec.up[0]]![up]!) !== spec.up[1];
  const rightDir = column(affine, right, flipRight ? -1 : 1);
  const upDir = column(affine, up, flipUp ? -1 : 1);
  const sp = (a: number) => Math.abs(spacing[a]!) || 1;
  return {
    view,
    sliceAxis,
    right,
    flipRight,
    up,
    flipUp,
    nRight: dims[right]!,
    nUp: dims[up]!,
    widthMm: dims[right]! * sp(right),
    heightMm: dims[up]! * sp(up),
    labels: {
      right: orientationLetter(rightDir),
      left: orientationLetter(rightDir.map((x) => -x)),
      top: orientationLetter(upDir),
      bottom: orientationLetter(upDir.map((x) => -x)),
    },
  };
}

/**
 * The voxel under a point of the view: fx, fy in 0..1 across the slice image (fy = 0 at the top),
 * on slice `index`. Clamped to the grid.
 */
export function screenToVoxel(l: ViewLayout, dims: readonly number[], index: number, fx: number, fy: number): Vec3 {
  const clamp = (v: number, n: number) => Math.max(0, Math.min(n - 1, v));
  let r = clamp(Math.floor(fx * l.nRight), l.nRight);
  let u = clamp(Math.floor((1 - fy) * l.nUp), l.nUp);
  if (l.flipRight) r = l.nRight - 1 - r;
  if (l.flipUp) u = l.nUp - 1 - u;
  const out: Vec3 = [0, 0, 0];
  out[l.sliceAxis] = clamp(index, dims[l.sliceAxis]!);
  out[l.right] = r;
  out[l.up] = u;
  return out;
}

/** Where a voxel's centre is drawn in the view: fx, fy in 0..1 (fy = 0 at the top). */
export function voxelToScreen(l: ViewLayout, ijk: readonly number[]): { fx: number; fy: number } {
  let r = ijk[l.right]!;
  let u = ijk[l.up]!;
  if (l.flipRight) r = l.nRight - 1 - r;
  if (l.flipUp) u = l.nUp - 1 - u;
  return { fx: (r + 0.5) / l.nRight, fy: 1 - (u + 0.5) / l.nUp };
}

/** Flat index of voxel (i, j, k) in x-fastest data. */
export function voxelIndex(dims: readonly number[], ijk: readonly number[]): number {
  return ijk[0]! + dims[0]! * (ijk[1]! + dims[1]! * ijk[2]!);
}

/**
 * Slice `index` of the view as a texture: nRight x nUp values, row 0 at the bottom of the screen
 * (WebGL's texture order), column 0 at the left. Reuses `out` when its size fits.
 */
export function extractViewSlice(data: ArrayLike<number>, dims: readonly number[], l: ViewLayout, index: number, out?: Float32Array): Float32Array {
  const n = l.nRight * l.nUp;
  const dst = out && out.length === n ? out : new Float32Array(n);
  const strides = [1, dims[0]!, dims[0]! * dims[1]!];
  const base = index * strides[l.sliceAxis]!;
  const sr = strides[l.right]!;
  const su = strides[l.up]!;
  for (let row = 0; row < l.nUp; row++) {
    const u = l.flipUp ? l.nUp - 1 - row : row;
    const rowBase = base + u * su;
    const o = row * l.nRight;
    if (l.flipRight) for (let c = 0; c < l.nRight; c++) dst[o + c] = data[rowBase + (l.nRight - 1 - c) * sr]!;
    else for (let c = 0; c < l.nRight; c++) dst[o + c] = data[rowBase + c * sr]!;
  }
  return dst;
}

/**
 * The 4x4 (row-major rows) placing a unit plane (x, y in -0.5..0.5, z = 0; texture u = x + 0.5,
 * v = y + 0.5) on slice `index` of the view in world mm: the 3-D view draws the same textures as
 * the 2-D views with this matrix. Texel centres land on voxel centres.
 */
export function planeToWorld(affine: Mat4, l: ViewLayout, index: number): number[][] {
  // voxel coordinate along an in-plane axis as a function of the plane's x (or y): p = s*n*x + c
  const along = (n: number, flip: boolean) => (flip ? { s: -n, c: n / 2 - 0.5 } : { s: n, c: n / 2 - 0.5 });
  const R = along(l.nRight, l.flipRight);
  const U = along(l.nUp, l.flipUp);
  // V: plane -> voxel (columns: x, y, z, translation)
  const V = [0, 1, 2].map(() => [0, 0, 0, 0]);
  V[l.right]![0] = R.s;
  V[l.right]![3] = R.c;
  V[l.up]![1] = U.s;
  V[l.up]![3] = U.c;
  V[l.sliceAxis]![2] = 1;
  V[l.sliceAxis]![3] = index;
  const out = [0, 1, 2].map((r) =>
    [0, 1, 2, 3].map((c) => affine[r]![0]! * V[0]![c]! + affine[r]![1]! * V[1]![c]! + affine[r]![2]! * V[2]![c]! + (c === 3 ? affine[r]![3]! : 0)),
  );
  out.push([0, 0, 0, 1]);
  return out;
}
