// Float32 NIfTI-1 writer (.nii.gz or .nii), used to save attention maps in the scan's space.
//
// The affine goes in twice, as nibabel does: verbatim as the sform, and decomposed into
// quaternion + pixdim + qfac as the qform, so tools that only read one of them (some only read
// the qform) still place the map correctly. Little-endian, no extensions, vox_offset 352.
// The file appears atomically: written under a temporary name in the same folder, then renamed.

import { writeFileAtomic } from '../fs/writeFileAtomic.js';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

import { affineToQuaternion } from './affine.js';
import { VolumeError } from './errors.js';
import type { Mat4, Volume } from './types.js';

const gzipAsync = promisify(gzip);
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export const NIFTI1_XFORM = { unknown: 0, scanner: 1, aligned: 2, talairach: 3, mni: 4, template: 5 } as const;

export interface NiftiWriteInput {
  dims: [number, number, number];
  affine: Mat4;
  data: ArrayLike<number>;
}

export interface NiftiWriteOptions {
  /** sform_code, default 2 (aligned anatomy). Use `sourceXformCodes` to copy a source scan's. */
  sformCode?: number;
  /** qform_code, default 2 (aligned anatomy). */
  qformCode?: number;
  /** Up to 79 characters stored in the header's descrip field. */
  description?: string;
  /** Compress; default: when the path ends in .gz. */
  gzip?: boolean;
}

/**
 * The xform codes to write a map derived from `source` with, so the result means what the source
 * meant: a NIfTI source's own codes (unless it had none, then sform "aligned" so its affine is
 * still used exactly), a DICOM source's "scanner" (the DICOM patient coordinate system).
 */
export function sourceXformCodes(source: Volume): { sformCode: number; qformCode: number } {
  if (source.source.format === 'dicom') return { sformCode: NIFTI1_XFORM.scanner, qformCode: NIFTI1_XFORM.scanner };
  const valid = (c: unknown) => (typeof c === 'number' && Number.isInteger(c) && c >= 0 && c <= 5 ? c : 0);
  const sformCode = valid(source.metadata.sform_code);
  const qformCode = valid(source.metadata.qform_code);
  if (sformCode === 0 && qformCode === 0) return { sformCode: NIFTI1_XFORM.aligned, qformCode: 0 };
  return { sformCode, qformCode };
}

/** The complete uncompressed .nii bytes (header + 4 zero extension bytes + float32 data). */
export function encodeNifti1(input: NiftiWriteInput, opts: NiftiWriteOptions = {}): Uint8Array {
  const [nx, ny, nz] = input.dims;
  for (const n of input.dims) {
    if (!Number.isInteger(n) || n < 1 || n > 32767) {
      throw new Error(`dims [${input.dims.join(', ')}] cannot be stored in NIfTI-1 (integers 1..32767)`);
    }
  }
  const nvox = nx * ny * nz;
  if (input.data.length !== nvox) {
    throw new Error(`data has ${input.data.length} values but dims [${input.dims.join(', ')}] need ${nvox}`);
  }
  const A = input.affine;
  if (A.length !== 4 || A.some((row) => row.length !== 4 || row.some((v) => !Number.isFinite(v)))) {
    throw new Error('affine must be a finite 4x4 matrix');
  }
  const q = affineToQuaternion(A);
  const sformCode = opts.sformCode ?? NIFTI1_XFORM.aligned;
  const qformCode = opts.qformCode ?? NIFTI1_XFORM.aligned;

  const VOX_OFFSET = 352;
  const out = new Uint8Array(VOX_OFFSET + nvox * 4);
  const dv = new DataView(out.buffer);
  const le = true;
  dv.setInt32(0, 348, le);
  out[38] = 'r'.charCodeAt(0); // Analyze "regular", which nibabel and FSL also write
  const dim = [3, nx, ny, nz, 1, 1, 1, 1];
  dim.forEach((v, i) => dv.setInt16(40 + 2 * i, v, le));
  dv.setInt16(70, 16, le); // datatype float32
  dv.setInt16(72, 32, le); // bitpix
  const pixdim = [q.qfac, q.zooms[0], q.zooms[1], q.zooms[2], 1, 1, 1, 1];
  pixdim.forEach((v, i) => dv.setFloat32(76 + 4 * i, v, le));
  dv.setFloat32(108, VOX_OFFSET, le);
  dv.setFloat32(112, 1, le); // scl_slope: values are stored as they are
  dv.setFloat32(116, 0, le);
  out[123] = 2; // xyzt_units: mm
  const descrip = Buffer.from((opts.description ?? '').slice(0, 79), 'latin1');
  out.set(descrip.subarray(0, 79), 148);
  dv.setInt16(252, qformCode, le);
  dv.setInt16(254, sformCode, le);
  dv.setFloat32(256, q.b, le);
  dv.setFloat32(260, q.c, le);
  dv.setFloat32(264, q.d, le);
  q.offset.forEach((v, i) => dv.setFloat32(268 + 4 * i, v, le));
  for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) dv.setFloat32(280 + 16 * r + 4 * c, A[r][c], le);
  out.set([0x6e, 0x2b, 0x31, 0x00], 344); // "n+1\0": single file
  // bytes 348..351 stay 0: no extensions
  if (HOST_LITTLE_ENDIAN) new Float32Array(out.buffer, VOX_OFFSET, nvox).set(input.data);
  else for (let i = 0; i < nvox; i++) dv.setFloat32(VOX_OFFSET + 4 * i, input.data[i], le);
  return out;
}

/** Write `input` to `file` (.nii.gz or .nii); the file only appears once completely written. */
export async function writeNifti(file: string, input: NiftiWriteInput, opts: NiftiWriteOptions = {}): Promise<void> {
  let bytes: Uint8Array;
  try {
    bytes = encodeNifti1(input, opts);
    if (opts.gzip ?? /\.gz$/i.test(file)) bytes = await gzipAsync(bytes);
  } catch (err) {
    throw new VolumeError(file, `cannot write NIfTI: ${(err as Error).message}`);
  }
  try {
    await writeFileAtomic(file, bytes);
  } catch (err) {
    throw new VolumeError(file, `cannot write file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}
