// NIfTI-1 / NIfTI-2 reader (.nii, .nii.gz, either byte order) -> Volume.
//
// The header is decoded here rather than with nifti-reader-js because what matters most is the
// affine, and that library picks it differently from nibabel (it prefers the qform whenever
// qform_code > sform_code, and its fall-back has no centring), mis-reads big-endian 64-bit
// NIfTI-2 fields, and does none of the validation wanted here (impossible dims, truncation).
// The header is a fixed table of offsets, so decoding it is short.
//
// Header quirks are handled the way nibabel's load-time `check_fix` does, so that the affine
// equals nibabel's `img.affine`: negative pixdim[1..3] -> abs, zero -> 1; qfac (pixdim[0]) not
// +-1 -> 1; unknown qform/sform codes (not 0..5) -> 0.

import { constants as zlibConstants, gunzipSync } from 'node:zlib';

import { baseAffine, FLOAT32_EPS, FLOAT64_EPS, qformAffine } from './affine.js';
import { VolumeError } from './errors.js';
import { NotRegularFileError, readRegularFile } from '../fs/regularFile.js';
import type { Mat4, MetadataValue, Volume } from './types.js';

/** Largest voxel payload accepted (all volumes together): beyond this the dims are implausible. */
export const MAX_DATA_BYTES = 2 ** 31;

/**
 * Most voxels accepted (all volumes together, x*y*z*t as stored): 2 GiB as float32. The byte limit
 * alone lets 2^31 uint8 voxels through, and each voxel costs about 10x its stored size once
 * decoded to float32, windowed and resampled (a 1.5 MB .nii.gz declaring 2000x2000x400 reached 17
 * GB). A 512x512x1000 CT (2^28 voxels) is well inside.
 */
export const MAX_VOXELS = 2 ** 29;
/** Where the data may start at most (vox_offset): the header and its extensions (CIFTI's XML among them). */
export const MAX_HEADER_BYTES = 256 * 2 ** 20;

/** Enough for either header (NIfTI-1: 348 bytes, NIfTI-2: 540) plus the extension flag. */
const HEADER_BYTES = 544;

export interface NiftiReadOptions {
  /** Which volume of a 4-D (or higher) file to return, counting from 0. Default 0. */
  t?: number;
}

/** The header fields, version-independent, before any fixing. */
export interface NiftiHeader {
  version: 1 | 2;
  littleEndian: boolean;
  /** dim[0..7] as stored. */
  dim: number[];
  datatype: number;
  bitpix: number;
  /** pixdim[0..7] as stored. */
  pixdim: number[];
  voxOffset: number;
  sclSlope: number;
  sclInter: number;
  calMax: number;
  calMin: number;
  sliceDuration: number;
  toffset: number;
  sliceStart: number;
  sliceEnd: number;
  sliceCode: number;
  xyztUnits: number;
  intentCode: number;
  intentName: string;
  dimInfo: number;
  descrip: string;
  auxFile: string;
  qformCode: number;
  sformCode: number;
  quatern: [number, number, number];
  qoffset: [number, number, number];
  /** srow_x, srow_y, srow_z. */
  srow: [number[], number[], number[]];
  magic: string;
}

interface DatatypeInfo {
  name: string;
  bytes: number;
}

/** NIfTI datatype codes this reader decodes. */
const DATATYPES: Record<number, DatatypeInfo> = {
  2: { name: 'uint8', bytes: 1 },
  4: { name: 'int16', bytes: 2 },
  8: { name: 'int32', bytes: 4 },
  16: { name: 'float32', bytes: 4 },
  64: { name: 'float64', bytes: 8 },
  128: { name: 'rgb24', bytes: 3 },
  256: { name: 'int8', bytes: 1 },
  512: { name: 'uint16', bytes: 2 },
  768: { name: 'uint32', bytes: 4 },
  1024: { name: 'int64', bytes: 8 },
  1280: { name: 'uint64', bytes: 8 },
  2304: { name: 'rgba32', bytes: 4 },
};

/** Codes that exist in the standard but make no sense as a scalar image here. */
const UNSUPPORTED_DATATYPES: Record<number, string> = {
  0: 'none',
  1: 'binary (1 bit)',
  32: 'complex64',
  1536: 'float128',
  1792: 'complex128',
  2048: 'complex256',
};

const XFORM_NAMES = ['unknown', 'scanner', 'aligned', 'talairach', 'mni', 'template'];
const SPATIAL_UNITS: Record<number, string> = { 0: 'unknown', 1: 'm', 2: 'mm', 3: 'um' };
const TIME_UNITS: Record<number, string> = { 0: 'unknown', 8: 's', 16: 'ms', 24: 'us', 32: 'Hz', 40: 'ppm', 48: 'rad/s' };

/** Read a .nii / .nii.gz file from disk. */
export async function readNiftiFile(path: string, opts: NiftiReadOptions = {}): Promise<Volume> {
  let bytes: Uint8Array;
  try {
    bytes = await readRegularFile(path);
  } catch (err) {
    if (err instanceof NotRegularFileError) throw new VolumeError(path, err.message);
    throw new VolumeError(path, `cannot read file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  return readNifti(bytes, path, opts);
}

/** Parse NIfTI bytes (gzip-compressed or not). `path` is only used in messages and `source`. */
export function readNifti(input: Uint8Array, path: string, opts: NiftiReadOptions = {}): Volume {
  const compressed = isGzip(input);
  // Everything the header decides is checked before the data is inflated, so a small .nii.gz
  // declaring huge dims (a "bomb") is refused without allocating anything large.
  const hdr = parseNiftiHeader(compressed ? gunzipHead(input, HEADER_BYTES, path) : input, path);

  const dtype = DATATYPES[hdr.datatype];
  if (!dtype) {
    const known = UNSUPPORTED_DATATYPES[hdr.datatype];
    throw new VolumeError(
      path,
      known
        ? `NIfTI datatype ${known} (code ${hdr.datatype}) is not supported`
        : `unknown NIfTI datatype code ${hdr.datatype}`,
    );
  }

  const ndim = hdr.dim[0];
  const size = (a: number) => (a <= ndim ? hdr.dim[a] : 1);
  const dims: [number, number, number] = [size(1), size(2), size(3)];
  const nvox = dims[0] * dims[1] * dims[2];
  let frames = 1;
  for (let a = 4; a <= ndim; a++) frames *= hdr.dim[a];
  const totalBytes = nvox * frames * dtype.bytes;
  if (totalBytes > MAX_DATA_BYTES) {
    throw new VolumeError(
      path,
      `impossible dims [${hdr.dim.slice(1, ndim + 1).join(', ')}]: ${totalBytes} bytes of ${dtype.name} data ` +
        `exceeds the ${MAX_DATA_BYTES}-byte limit`,
    );
  }
  const voxelProblem = tooManyVoxels(hdr.dim);
  if (voxelProblem) throw new VolumeError(path, voxelProblem);

  const t = opts.t ?? 0;
  if (!Number.isInteger(t) || t < 0 || t >= frames) {
    throw new VolumeError(
      path,
      `volume index t=${t} is out of range: the file has ${frames} volume${frames === 1 ? '' : 's'} (t = 0..${frames - 1})`,
    );
  }

  const needed = hdr.voxOffset + totalBytes;
  // vox_offset comes from the header too: a small header declaring its data gigabytes in would
  // otherwise raise the inflate limit with it (extensions before the data are kilobytes to a few MiB).
  if (hdr.voxOffset > MAX_HEADER_BYTES) {
    throw new VolumeError(path, `vox_offset ${hdr.voxOffset} puts the data past the ${MAX_HEADER_BYTES}-byte limit for the header and its extensions`);
  }
  const bytes = compressed ? gunzip(input, path, needed) : input;
  if (bytes.length < needed) {
    throw new VolumeError(
      path,
      `truncated: dims [${hdr.dim.slice(1, ndim + 1).join(', ')}] of ${dtype.name} need ${needed} bytes ` +
        `(data from offset ${hdr.voxOffset}) but ${compressed ? 'the decompressed file has' : 'the file has'} ${bytes.length}`,
    );
  }

  // nibabel's get_slope_inter: a zero or non-finite slope means "no scaling" (the intercept is then
  // ignored too); a non-finite intercept with a usable slope counts as 0. NIfTI says scaling does
  // not apply to RGB data.
  let slope = hdr.sclSlope;
  let inter = Number.isFinite(hdr.sclInter) ? hdr.sclInter : 0;
  const isColour = dtype.name === 'rgb24' || dtype.name === 'rgba32';
  if (slope === 0 || !Number.isFinite(slope) || isColour) {
    slope = 1;
    inter = 0;
  }

  // A voxel size that is not a finite number (NaN, Inf) makes every mm-based step (the views, the
  // sweep sizes, the written affine) meaningless: refused here, before any work, naming the file.
  for (let a = 1; a <= Math.min(3, ndim); a++) {
    const p = hdr.pixdim[a]!;
    if (!Number.isFinite(p)) throw new VolumeError(path, `pixdim[${a}] (the voxel size along axis ${a}) is ${p}: it must be a finite number`);
  }
  const start = hdr.voxOffset + t * nvox * dtype.bytes;
  const data = decodeVoxels(bytes, start, nvox, dtype.name, hdr.littleEndian, slope, inter);

  const fixed = fixLikeNibabel(hdr);
  const spacing: [number, number, number] = [0, 1, 2].map((a) => (a < ndim ? fixed.zooms[a] : 1)) as [
    number,
    number,
    number,
  ];
  const best = bestAffine(hdr, fixed, dims, ndim, path);
  // -0 (from flips of zero entries) equals 0 but prints and deep-compares differently.
  const affine = best.affine.map((row) => row.map((v) => (v === 0 ? 0 : v)));
  const from = best.from;

  const volume: Volume = {
    dims,
    spacing,
    affine,
    data,
    datatype: dtype.name,
    source: {
      path,
      format: hdr.version === 1 ? 'nifti1' : 'nifti2',
      compressed,
      byteOrder: hdr.littleEndian ? 'little' : 'big',
    },
    metadata: niftiMetadata(hdr, fixed, from, t, frames),
  };
  if (ndim >= 4) volume.frames = frames;
  return volume;
}

/** Decode the fixed-size header (NIfTI-1: 348 bytes, NIfTI-2: 540) and validate what must hold. */
export function parseNiftiHeader(bytes: Uint8Array, path: string): NiftiHeader {
  if (bytes.length < 4) throw new VolumeError(path, `not a NIfTI file (only ${bytes.length} bytes)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // sizeof_hdr tells version and byte order at once: 348 or 540, read in one of the two orders.
  let version: 1 | 2;
  let le: boolean;
  const sizeLE = dv.getInt32(0, true);
  const sizeBE = dv.getInt32(0, false);
  if (sizeLE === 348 || sizeBE === 348) {
    version = 1;
    le = sizeLE === 348;
  } else if (sizeLE === 540 || sizeBE === 540) {
    version = 2;
    le = sizeLE === 540;
  } else {
    throw new VolumeError(path, 'not a NIfTI file (sizeof_hdr is neither 348 nor 540 in either byte order)');
  }
  const hdrSize = version === 1 ? 348 : 540;
  if (bytes.length < hdrSize) {
    throw new VolumeError(path, `truncated: only ${bytes.length} bytes, shorter than the ${hdrSize}-byte NIfTI-${version} header`);
  }

  const str = (off: number, len: number) => {
    let end = off;
    while (end < off + len && bytes[end] !== 0) end++;
    return Buffer.from(bytes.buffer, bytes.byteOffset + off, end - off).toString('latin1').trim();
  };
  const magicOff = version === 1 ? 344 : 4;
  const magic = str(magicOff, 4);
  const single = version === 1 ? 'n+1' : 'n+2';
  const pair = version === 1 ? 'ni1' : 'ni2';
  if (magic === pair) {
    throw new VolumeError(path, 'is the header of a .hdr/.img pair; only single-file .nii / .nii.gz is supported');
  }
  if (magic !== single) {
    throw new VolumeError(
      path,
      `not a NIfTI-${version} file: magic is ${JSON.stringify(magic)}, expected "${single}"` +
        (version === 1 ? ' (an Analyze 7.5 header?)' : ''),
    );
  }

  const i16 = (o: number) => dv.getInt16(o, le);
  const i32 = (o: number) => dv.getInt32(o, le);
  const i64 = (o: number) => Number(dv.getBigInt64(o, le));
  const f32 = (o: number) => dv.getFloat32(o, le);
  const f64 = (o: number) => dv.getFloat64(o, le);
  const range = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

  let h: NiftiHeader;
  if (version === 1) {
    h = {
      version,
      littleEndian: le,
      dimInfo: bytes[39],
      dim: range(8, (i) => i16(40 + 2 * i)),
      intentCode: i16(68),
      datatype: i16(70),
      bitpix: i16(72),
      sliceStart: i16(74),
      pixdim: range(8, (i) => f32(76 + 4 * i)),
      voxOffset: Math.trunc(f32(108)),
      sclSlope: f32(112),
      sclInter: f32(116),
      sliceEnd: i16(120),
      sliceCode: bytes[122],
      xyztUnits: bytes[123],
      calMax: f32(124),
      calMin: f32(128),
      sliceDuration: f32(132),
      toffset: f32(136),
      descrip: str(148, 80),
      auxFile: str(228, 24),
      qformCode: i16(252),
      sformCode: i16(254),
      quatern: [f32(256), f32(260), f32(264)],
      qoffset: [f32(268), f32(272), f32(276)],
      srow: [range(4, (i) => f32(280 + 4 * i)), range(4, (i) => f32(296 + 4 * i)), range(4, (i) => f32(312 + 4 * i))],
      intentName: str(328, 16),
      magic,
    };
  } else {
    h = {
      version,
      littleEndian: le,
      datatype: i16(12),
      bitpix: i16(14),
      dim: range(8, (i) => i64(16 + 8 * i)),
      pixdim: range(8, (i) => f64(104 + 8 * i)),
      voxOffset: i64(168),
      sclSlope: f64(176),
      sclInter: f64(184),
      calMax: f64(192),
      calMin: f64(200),
      sliceDuration: f64(208),
      toffset: f64(216),
      sliceStart: i64(224),
      sliceEnd: i64(232),
      descrip: str(240, 80),
      auxFile: str(320, 24),
      qformCode: i32(344),
      sformCode: i32(348),
      quatern: [f64(352), f64(360), f64(368)],
      qoffset: [f64(376), f64(384), f64(392)],
      srow: [range(4, (i) => f64(400 + 8 * i)), range(4, (i) => f64(432 + 8 * i)), range(4, (i) => f64(464 + 8 * i))],
      sliceCode: i32(496),
      xyztUnits: i32(500),
      intentCode: i32(504),
      intentName: str(508, 16),
      dimInfo: bytes[524],
      magic,
    };
  }

  const ndim = h.dim[0];
  if (!(ndim >= 1 && ndim <= 7)) {
    throw new VolumeError(path, `impossible dims: dim[0] = ${ndim}, must be 1..7`);
  }
  for (let a = 1; a <= ndim; a++) {
    if (!(h.dim[a] >= 1)) {
      throw new VolumeError(path, `impossible dims: dim[${a}] = ${h.dim[a]} (dim = [${h.dim.join(', ')}]), sizes must be >= 1`);
    }
  }
  // nibabel refuses a single-file offset inside the header (its "vox offset too low" error).
  const minOffset = version === 1 ? 352 : 544;
  if (!(h.voxOffset >= minOffset)) {
    throw new VolumeError(path, `vox_offset ${h.voxOffset} points inside the header (must be >= ${minOffset})`);
  }
  return h;
}

interface FixedFields {
  zooms: number[];
  qfac: number;
  qformCode: number;
  sformCode: number;
}

/** The header as nibabel sees it after `check_fix` on load (see the note at the top). */
function fixLikeNibabel(h: NiftiHeader): FixedFields {
  const zooms = h.pixdim.slice(1).map((p, i) => {
    if (i >= 3) return p;
    if (p === 0) return 1;
    return Math.abs(p);
  });
  const validCode = (c: number) => (Number.isInteger(c) && c >= 0 && c < XFORM_NAMES.length ? c : 0);
  return {
    zooms,
    qfac: h.pixdim[0] === -1 ? -1 : 1,
    qformCode: validCode(h.qformCode),
    sformCode: validCode(h.sformCode),
  };
}

/** nibabel's get_best_affine: sform if its code is set, else qform if its code is set, else base. */
function bestAffine(
  h: NiftiHeader,
  f: FixedFields,
  dims: [number, number, number],
  ndim: number,
  path: string,
): { affine: Mat4; from: 'sform' | 'qform' | 'base' } {
  if (f.sformCode !== 0) {
    return { affine: [h.srow[0].slice(), h.srow[1].slice(), h.srow[2].slice(), [0, 0, 0, 1]], from: 'sform' };
  }
  if (f.qformCode !== 0) {
    try {
      const affine = qformAffine(
        {
          b: h.quatern[0],
          c: h.quatern[1],
          d: h.quatern[2],
          offset: h.qoffset,
          zooms: [f.zooms[0], f.zooms[1], f.zooms[2]],
          qfac: f.qfac,
        },
        3 * (h.version === 1 ? FLOAT32_EPS : FLOAT64_EPS),
      );
      return { affine, from: 'qform' };
    } catch (err) {
      throw new VolumeError(path, (err as Error).message);
    }
  }
  const n = Math.min(ndim, 3);
  return { affine: baseAffine(dims.slice(0, n), f.zooms.slice(0, n)), from: 'base' };
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Decode `count` voxels of `type` starting at byte `start` into float32, applying v * slope + inter. */
function decodeVoxels(
  bytes: Uint8Array,
  start: number,
  count: number,
  type: string,
  littleEndian: boolean,
  slope: number,
  inter: number,
): Float32Array {
  const out = new Float32Array(count);
  if (type === 'rgb24' || type === 'rgba32') {
    // Interleaved per voxel (RGBRGB... / RGBARGBA...). Luminance with the Rec. 601 luma weights
    // (what PIL and most image tools use for "L"), alpha ignored.
    const step = type === 'rgb24' ? 3 : 4;
    for (let i = 0, p = start; i < count; i++, p += step) {
      out[i] = 0.299 * bytes[p] + 0.587 * bytes[p + 1] + 0.114 * bytes[p + 2];
    }
    return out;
  }
  // Copy into a fresh, aligned buffer, swap to host order if needed, then view it as a typed array.
  const size = DATATYPES_BY_NAME[type].bytes;
  // (Not bytes.slice: on a Node Buffer that is a view into a shared pool, not a copy.)
  const raw = new Uint8Array(count * size);
  raw.set(bytes.subarray(start, start + count * size));
  if (size > 1 && littleEndian !== HOST_LITTLE_ENDIAN) swapBytes(raw, size);
  const buf = raw.buffer;
  const view = ((): ArrayLike<number> | BigInt64Array | BigUint64Array => {
    switch (type) {
      case 'uint8': return new Uint8Array(buf);
      case 'int8': return new Int8Array(buf);
      case 'int16': return new Int16Array(buf);
      case 'uint16': return new Uint16Array(buf);
      case 'int32': return new Int32Array(buf);
      case 'uint32': return new Uint32Array(buf);
      case 'float32': return new Float32Array(buf);
      case 'float64': return new Float64Array(buf);
      case 'int64': return new BigInt64Array(buf);
      case 'uint64': return new BigUint64Array(buf);
      default: throw new Error(`unhandled datatype ${type}`);
    }
  })();
  const scaled = slope !== 1 || inter !== 0;
  if (view instanceof BigInt64Array || view instanceof BigUint64Array) {
    // 64-bit integers lose precision above 2^53; they end up as float32 anyway.
    for (let i = 0; i < count; i++) out[i] = Number(view[i]) * slope + inter;
  } else if (scaled) {
    for (let i = 0; i < count; i++) out[i] = view[i] * slope + inter;
  } else {
    for (let i = 0; i < count; i++) out[i] = view[i];
  }
  return out;
}

const DATATYPES_BY_NAME: Record<string, DatatypeInfo> = Object.fromEntries(
  Object.values(DATATYPES).map((d) => [d.name, d]),
);

/** Reverse each `size`-byte group in place. */
export function swapBytes(a: Uint8Array, size: number): void {
  for (let p = 0; p + size <= a.length; p += size) {
    for (let lo = p, hi = p + size - 1; lo < hi; lo++, hi--) {
      const tmp = a[lo];
      a[lo] = a[hi];
      a[hi] = tmp;
    }
  }
}

function niftiMetadata(
  h: NiftiHeader,
  f: FixedFields,
  affineFrom: string,
  t: number,
  frames: number,
): Record<string, MetadataValue> {
  const ndim = h.dim[0];
  const m: Record<string, MetadataValue> = {
    description: h.descrip,
    dim: h.dim.slice(0, ndim + 1),
    pixdim: h.pixdim.slice(0, ndim + 1),
    spatial_units: SPATIAL_UNITS[h.xyztUnits & 0x07] ?? 'unknown',
    qform_code: h.qformCode,
    sform_code: h.sformCode,
    qform: XFORM_NAMES[f.qformCode],
    sform: XFORM_NAMES[f.sformCode],
    affine_from: affineFrom,
    qfac: f.qfac,
    scl_slope: h.sclSlope,
    scl_inter: h.sclInter,
  };
  const timeUnits = TIME_UNITS[h.xyztUnits & 0x38] ?? 'unknown';
  if (ndim >= 4) {
    m.time_units = timeUnits;
    // pixdim[4] is the time between volumes (TR for fMRI), in time_units.
    m.TR = h.pixdim[4];
    m.volume = t;
    m.frames = frames;
  }
  if (h.auxFile) m.aux_file = h.auxFile;
  if (h.intentName) m.intent_name = h.intentName;
  if (h.intentCode) m.intent_code = h.intentCode;
  if (h.calMin || h.calMax) {
    m.cal_min = h.calMin;
    m.cal_max = h.calMax;
  }
  // dim_info packs freq/phase/slice axes (1-based, 0 = unknown) in 2 bits each.
  const sliceDim = (h.dimInfo >> 4) & 3;
  if (sliceDim) m.slice_dim = sliceDim - 1;
  if (h.sliceCode) m.slice_code = h.sliceCode;
  if (h.sliceDuration) m.slice_duration = h.sliceDuration;
  if (h.toffset) m.toffset = h.toffset;
  return m;
}

function isGzip(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/** Why dims (dim[0..7] as stored, dim[0] already checked) hold too many voxels, or null. */
export function tooManyVoxels(dim: readonly number[]): string | null {
  const sizes = dim.slice(1, dim[0]! + 1);
  const count = sizes.reduce((a, b) => a * b, 1);
  if (count <= MAX_VOXELS) return null;
  return `dims [${sizes.join(', ')}] hold ${count} voxels, more than the ${MAX_VOXELS}-voxel limit (2 GiB as float32)`;
}

/** Output allowed per attempt while gunzipHead looks for the header. */
const HEAD_OUTPUT_CAP = 2 ** 20;

/**
 * The first `n` bytes of a gzip stream (fewer if it is shorter), without inflating the rest.
 * Synchronous zlib cannot stop after n bytes, so growing prefixes of the input are inflated with a
 * sync flush (a cut stream is then no error) and an output cap. A prefix whose output overshoots
 * the cap is bisected: one input byte adds at most a few KB of output, so some prefix lands
 * between n and the cap, and no attempt ever holds more than the cap.
 */
export function gunzipHead(b: Uint8Array, n: number, path: string): Uint8Array {
  let short = 0; // longest prefix known to give fewer than n bytes
  let over = Infinity; // shortest prefix known to overshoot the cap
  let len = Math.min(b.length, 4096);
  for (;;) {
    let out: Buffer | null = null;
    try {
      out = gunzipSync(b.subarray(0, len), { finishFlush: zlibConstants.Z_SYNC_FLUSH, maxOutputLength: HEAD_OUTPUT_CAP });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ERR_BUFFER_TOO_LARGE') {
        throw new VolumeError(path, `truncated or corrupt gzip data (${(err as Error).message})`);
      }
    }
    if (out && out.length < n && len === b.length) {
      // The whole file gives less than a header. A cut stream inflates without error under the
      // sync flush: inflated plainly, a truncated one says so (a 100-byte cut said "only 0 bytes").
      try {
        gunzipSync(b, { maxOutputLength: HEAD_OUTPUT_CAP });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ERR_BUFFER_TOO_LARGE') throw new VolumeError(path, `truncated or corrupt gzip data (${(err as Error).message})`);
      }
    }
    if (out && (out.length >= n || len === b.length)) return out.subarray(0, n);
    if (out) short = len;
    else over = len;
    len = over === Infinity ? Math.min(b.length, len * 2) : Math.floor((short + over) / 2);
    // Cannot happen by the argument above; kept so that a zlib surprise cannot loop forever.
    if (len <= short) throw new VolumeError(path, 'corrupt gzip data (no prefix yields the NIfTI header)');
  }
}

/**
 * Bytes a .nii.gz may inflate to past what its header needs (header, extensions, every volume).
 * Writers put nothing there; a few MiB of slack keeps an odd trailing block readable.
 */
export const TRAILING_SLACK = 16 * 2 ** 20;

/**
 * Inflates a .nii.gz, at most `needed` + TRAILING_SLACK bytes: the header's dims are already
 * bounded, but a small header in front of far more data (a gzip bomb behind a 1-voxel header) would
 * otherwise be inflated up to the 2 GiB cap before the surplus was noticed.
 */
function gunzip(b: Uint8Array, path: string, needed: number): Uint8Array {
  const cap = needed + TRAILING_SLACK;
  try {
    return gunzipSync(b, { maxOutputLength: cap });
  } catch (err) {
    const msg = (err as Error).message;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') {
      throw new VolumeError(path, `the decompressed data is larger than its header declares (over ${cap} bytes; the header's dims need ${needed})`);
    }
    throw new VolumeError(path, `truncated or corrupt gzip data (${msg})`);
  }
}
