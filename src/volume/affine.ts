// Affine arithmetic shared by the NIfTI reader and writer: the three ways NIfTI describes
// voxel -> world (base affine, qform quaternion, sform rows) reproduced as nibabel computes
// them, so an affine read here equals nibabel's `img.affine` for the same file.

import type { Mat4 } from './types.js';

/** float32 machine epsilon: NIfTI-1 stores quaternions as float32. */
export const FLOAT32_EPS = 2 ** -23;
/** float64 machine epsilon: NIfTI-2 stores quaternions as float64. */
export const FLOAT64_EPS = 2 ** -52;

export function identity4(): Mat4 {
  return [
    [1, 0, 0, 0],
    [0, 1, 0, 0],
    [0, 0, 1, 0],
    [0, 0, 0, 1],
  ];
}

/** World coordinate of a voxel (i, j, k) under `affine`. */
export function applyAffine(affine: Mat4, ijk: readonly [number, number, number]): [number, number, number] {
  const [i, j, k] = ijk;
  const row = (r: number) => affine[r][0] * i + affine[r][1] * j + affine[r][2] * k + affine[r][3];
  return [row(0), row(1), row(2)];
}

/**
 * nibabel's fall-back ("base") affine, `shape_zoom_affine(shape, zooms, x_flip=True)`: used when
 * neither sform nor qform is set. Axes are scaled by the zooms, x is flipped (Analyze's
 * radiological convention) and the origin sits at the centre of the voxel grid. With fewer than
 * three dimensions the missing ones get size 1 and zoom 1, as nibabel pads them.
 */
export function baseAffine(shape: readonly number[], zooms: readonly number[]): Mat4 {
  const s = [0, 1, 2].map((a) => (a < shape.length ? shape[a] : 1));
  const z = [0, 1, 2].map((a) => (a < zooms.length ? zooms[a] : 1));
  z[0] = -z[0];
  const out = identity4();
  for (let a = 0; a < 3; a++) {
    out[a][a] = z[a];
    out[a][3] = -((s[a] - 1) / 2) * z[a];
  }
  return out;
}

export interface QuaternionForm {
  /** Quaternion b, c, d as stored; a (= w) is implied, non-negative. */
  b: number;
  c: number;
  d: number;
  /** qoffset_x, qoffset_y, qoffset_z. */
  offset: [number, number, number];
  /** pixdim[1..3], already positive. */
  zooms: [number, number, number];
  /** pixdim[0]: -1 flips the third axis; nibabel treats anything but +-1 as 1. */
  qfac: number;
}

/**
 * The qform affine as nibabel's `get_qform`: w from `fillpositive` (w = 0 when |1 - b²-c²-d²| is
 * below `w2Threshold`, nibabel's `quaternion_threshold`: 3 float32 eps for NIfTI-1, 3 float64 eps
 * for NIfTI-2; an error when clearly negative), rotation from `quat2mat` (which normalises the
 * quaternion), then R · diag(zooms with z * qfac), translation from qoffset.
 */
export function qformAffine(q: QuaternionForm, w2Threshold: number): Mat4 {
  const { b, c, d } = q;
  const w2 = 1 - (b * b + c * c + d * d);
  let w: number;
  if (Math.abs(w2) < Math.abs(w2Threshold)) w = 0;
  else if (w2 < 0) throw new Error(`qform quaternion is not a unit quaternion (b²+c²+d² = ${1 - w2})`);
  else w = Math.sqrt(w2);
  const R = quatToMatrix(w, b, c, d);
  const vox = [q.zooms[0], q.zooms[1], q.zooms[2] * (q.qfac === -1 ? -1 : 1)];
  const out = identity4();
  for (let r = 0; r < 3; r++) {
    for (let col = 0; col < 3; col++) out[r][col] = R[r][col] * vox[col];
    out[r][3] = q.offset[r];
  }
  return out;
}

/** nibabel's quat2mat: rotation matrix of a (not necessarily unit) quaternion w, x, y, z. */
export function quatToMatrix(w: number, x: number, y: number, z: number): number[][] {
  const nq = w * w + x * x + y * y + z * z;
  if (nq < FLOAT64_EPS) {
    return [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ];
  }
  const s = 2 / nq;
  const X = x * s, Y = y * s, Z = z * s;
  const wX = w * X, wY = w * Y, wZ = w * Z;
  const xX = x * X, xY = x * Y, xZ = x * Z;
  const yY = y * Y, yZ = y * Z, zZ = z * Z;
  return [
    [1 - (yY + zZ), xY - wZ, xZ + wY],
    [xY + wZ, 1 - (xX + zZ), yZ - wX],
    [xZ - wY, yZ + wX, 1 - (xX + yY)],
  ];
}

/**
 * Decompose an affine into qform fields as nibabel's `set_qform` does: zooms are the column
 * lengths, qfac = -1 when the direction matrix is a reflection (its last column is then negated),
 * shears are stripped by taking the closest orthogonal matrix (polar decomposition), and the
 * quaternion is taken with w >= 0 so that b, c, d alone describe it.
 */
export function affineToQuaternion(affine: Mat4): QuaternionForm {
  const zooms = [0, 1, 2].map((col) => Math.hypot(affine[0][col], affine[1][col], affine[2][col])) as [
    number,
    number,
    number,
  ];
  if (zooms.some((z) => !(z > 0) || !Number.isFinite(z))) {
    throw new Error(`affine has a zero or non-finite column (column lengths ${zooms.join(', ')})`);
  }
  const R = [0, 1, 2].map((r) => [0, 1, 2].map((col) => affine[r][col] / zooms[col]));
  let qfac = 1;
  if (det3(R) <= 0) {
    qfac = -1;
    for (let r = 0; r < 3; r++) R[r][2] = -R[r][2];
  }
  const P = closestRotation(R);
  let [w, x, y, z] = matrixToQuat(P);
  if (w < 0) [w, x, y, z] = [-w, -x, -y, -z];
  return { b: x, c: y, d: z, offset: [affine[0][3], affine[1][3], affine[2][3]], zooms, qfac };
}

export function det3(m: number[][]): number {
  return (
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
    m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
    m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
  );
}

/** Inverse of a 3x3 matrix; throws when singular. */
function inverse3(m: number[][]): number[][] {
  const d = det3(m);
  if (!(Math.abs(d) > 1e-12)) throw new Error('affine direction matrix is singular');
  const inv = [
    [m[1][1] * m[2][2] - m[1][2] * m[2][1], m[0][2] * m[2][1] - m[0][1] * m[2][2], m[0][1] * m[1][2] - m[0][2] * m[1][1]],
    [m[1][2] * m[2][0] - m[1][0] * m[2][2], m[0][0] * m[2][2] - m[0][2] * m[2][0], m[0][2] * m[1][0] - m[0][0] * m[1][2]],
    [m[1][0] * m[2][1] - m[1][1] * m[2][0], m[0][1] * m[2][0] - m[0][0] * m[2][1], m[0][0] * m[1][1] - m[0][1] * m[1][0]],
  ];
  return inv.map((row) => row.map((v) => v / d));
}

/**
 * Orthogonal polar factor of a non-singular 3x3 matrix (what nibabel gets from SVD as P·Qᵀ), by
 * Newton's iteration X <- (X + X⁻ᵀ) / 2, which converges quadratically and needs no SVD routine.
 */
function closestRotation(m: number[][]): number[][] {
  let X = m.map((row) => row.slice());
  for (let iter = 0; iter < 100; iter++) {
    const inv = inverse3(X);
    const next = [0, 1, 2].map((r) => [0, 1, 2].map((col) => 0.5 * (X[r][col] + inv[col][r])));
    let delta = 0;
    for (let r = 0; r < 3; r++) for (let col = 0; col < 3; col++) delta = Math.max(delta, Math.abs(next[r][col] - X[r][col]));
    X = next;
    if (delta < 1e-15) break;
  }
  return X;
}

/** Quaternion (w, x, y, z) of a rotation matrix (Shepperd's method: pick the largest pivot). */
function matrixToQuat(m: number[][]): [number, number, number, number] {
  const tr = m[0][0] + m[1][1] + m[2][2];
  if (tr > 0) {
    const s = Math.sqrt(tr + 1) * 2;
    return [s / 4, (m[2][1] - m[1][2]) / s, (m[0][2] - m[2][0]) / s, (m[1][0] - m[0][1]) / s];
  }
  if (m[0][0] > m[1][1] && m[0][0] > m[2][2]) {
    const s = Math.sqrt(1 + m[0][0] - m[1][1] - m[2][2]) * 2;
    return [(m[2][1] - m[1][2]) / s, s / 4, (m[0][1] + m[1][0]) / s, (m[0][2] + m[2][0]) / s];
  }
  if (m[1][1] > m[2][2]) {
    const s = Math.sqrt(1 + m[1][1] - m[0][0] - m[2][2]) * 2;
    return [(m[0][2] - m[2][0]) / s, (m[0][1] + m[1][0]) / s, s / 4, (m[1][2] + m[2][1]) / s];
  }
  const s = Math.sqrt(1 + m[2][2] - m[0][0] - m[1][1]) * 2;
  return [(m[1][0] - m[0][1]) / s, (m[0][2] + m[2][0]) / s, (m[1][2] + m[2][1]) / s, s / 4];
}
