// Test-only NIfTI builders: write header fields at the offsets given in nifti1.h / nifti2.h,
// independently of src/volume, so reader tests do not check the reader against itself.

export interface NiftiFields {
  dim: number[]; // dim[0..7]
  datatype: number;
  bitpix: number;
  pixdim?: number[]; // pixdim[0..7]
  voxOffset?: number;
  sclSlope?: number;
  sclInter?: number;
  xyztUnits?: number;
  descrip?: string;
  qformCode?: number;
  sformCode?: number;
  quatern?: [number, number, number];
  qoffset?: [number, number, number];
  srow?: [number[], number[], number[]];
  magic?: string;
  littleEndian?: boolean;
}

const DEFAULT_PIXDIM = [1, 1, 1, 1, 1, 1, 1, 1];

export function buildNifti1(f: NiftiFields, data: Uint8Array): Uint8Array {
  const le = f.littleEndian ?? true;
  const voxOffset = f.voxOffset ?? 352;
  const out = new Uint8Array(voxOffset + data.length);
  const dv = new DataView(out.buffer);
  dv.setInt32(0, 348, le);
  f.dim.forEach((v, i) => dv.setInt16(40 + 2 * i, v, le));
  dv.setInt16(70, f.datatype, le);
  dv.setInt16(72, f.bitpix, le);
  (f.pixdim ?? DEFAULT_PIXDIM).forEach((v, i) => dv.setFloat32(76 + 4 * i, v, le));
  dv.setFloat32(108, voxOffset, le);
  dv.setFloat32(112, f.sclSlope ?? 1, le);
  dv.setFloat32(116, f.sclInter ?? 0, le);
  out[123] = f.xyztUnits ?? 2;
  out.set(new TextEncoder().encode((f.descrip ?? '').slice(0, 79)), 148);
  dv.setInt16(252, f.qformCode ?? 0, le);
  dv.setInt16(254, f.sformCode ?? 0, le);
  (f.quatern ?? [0, 0, 0]).forEach((v, i) => dv.setFloat32(256 + 4 * i, v, le));
  (f.qoffset ?? [0, 0, 0]).forEach((v, i) => dv.setFloat32(268 + 4 * i, v, le));
  const srow = f.srow ?? [
    [1, 0, 0, 0],
    [0, 1, 0, 0],
    [0, 0, 1, 0],
  ];
  srow.forEach((row, r) => row.forEach((v, c) => dv.setFloat32(280 + 16 * r + 4 * c, v, le)));
  out.set(new TextEncoder().encode(f.magic ?? 'n+1\0'), 344);
  out.set(data, voxOffset);
  return out;
}

export function buildNifti2(f: NiftiFields, data: Uint8Array): Uint8Array {
  const le = f.littleEndian ?? true;
  const voxOffset = f.voxOffset ?? 544;
  const out = new Uint8Array(voxOffset + data.length);
  const dv = new DataView(out.buffer);
  dv.setInt32(0, 540, le);
  out.set(new TextEncoder().encode(f.magic ?? 'n+2\0\r\n\x1a\n'), 4);
  dv.setInt16(12, f.datatype, le);
  dv.setInt16(14, f.bitpix, le);
  f.dim.forEach((v, i) => dv.setBigInt64(16 + 8 * i, BigInt(v), le));
  (f.pixdim ?? DEFAULT_PIXDIM).forEach((v, i) => dv.setFloat64(104 + 8 * i, v, le));
  dv.setBigInt64(168, BigInt(voxOffset), le);
  dv.setFloat64(176, f.sclSlope ?? 1, le);
  dv.setFloat64(184, f.sclInter ?? 0, le);
  out.set(new TextEncoder().encode((f.descrip ?? '').slice(0, 79)), 240);
  dv.setInt32(344, f.qformCode ?? 0, le);
  dv.setInt32(348, f.sformCode ?? 0, le);
  (f.quatern ?? [0, 0, 0]).forEach((v, i) => dv.setFloat64(352 + 8 * i, v, le));
  (f.qoffset ?? [0, 0, 0]).forEach((v, i) => dv.setFloat64(376 + 8 * i, v, le));
  const srow = f.srow ?? [
    [1, 0, 0, 0],
    [0, 1, 0, 0],
    [0, 0, 1, 0],
  ];
  srow.forEach((row, r) => row.forEach((v, c) => dv.setFloat64(400 + 32 * r + 8 * c, v, le)));
  dv.setInt32(500, f.xyztUnits ?? 2, le);
  out.set(data, voxOffset);
  return out;
}

/** Encode numbers as a given NIfTI sample type and byte order. */
export function encodeSamples(
  type: 'uint8' | 'int8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'float64' | 'int64' | 'uint64',
  values: number[],
  littleEndian = true,
): Uint8Array {
  const size = { uint8: 1, int8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, float32: 4, float64: 8, int64: 8, uint64: 8 }[type];
  const out = new Uint8Array(values.length * size);
  const dv = new DataView(out.buffer);
  values.forEach((v, i) => {
    const o = i * size;
    switch (type) {
      case 'uint8': dv.setUint8(o, v); break;
      case 'int8': dv.setInt8(o, v); break;
      case 'int16': dv.setInt16(o, v, littleEndian); break;
      case 'uint16': dv.setUint16(o, v, littleEndian); break;
      case 'int32': dv.setInt32(o, v, littleEndian); break;
      case 'uint32': dv.setUint32(o, v, littleEndian); break;
      case 'float32': dv.setFloat32(o, v, littleEndian); break;
      case 'float64': dv.setFloat64(o, v, littleEndian); break;
      case 'int64': dv.setBigInt64(o, BigInt(v), littleEndian); break;
      case 'uint64': dv.setBigUint64(o, BigInt(v), littleEndian); break;
    }
  });
  return out;
}

/** Max absolute difference between two 4x4 matrices. */
export function maxAbsDiff(a: number[][], b: number[][]): number {
  let d = 0;
  for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) d = Math.max(d, Math.abs(a[r][c] - b[r][c]));
  return d;
}
