// Test-only writer of minimal DICOM Part 10 files: 128-byte preamble, "DICM", the file meta group
// (always Explicit VR Little Endian, PS3.10 7.1) with its group length, then the data set encoded
// in the requested transfer syntax. Written from PS3.5 section 7, independently of src/volume.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { deflateRawSync } from 'node:zlib';

export const TS = {
  implicitLE: '1.2.840.10008.1.2',
  explicitLE: '1.2.840.10008.1.2.1',
  deflatedLE: '1.2.840.10008.1.2.1.99',
  explicitBE: '1.2.840.10008.1.2.2',
  jpegLossless: '1.2.840.10008.1.2.4.70',
  jpeg2000: '1.2.840.10008.1.2.4.90',
} as const;

export type Value = string | string[] | number | number[] | Uint8Array;
/** [group, element, VR, value]; numbers are encoded per VR, pixel data as given samples. */
export type Element = [number, number, string, Value];

/** VRs with a 2-byte reserved field and a 4-byte length in explicit VR. */
const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'UC', 'UN', 'UR', 'UT']);

function encodeValue(vr: string, value: Value, le: boolean): Uint8Array {
  if (value instanceof Uint8Array) {
    if (vr === 'OW' && !le) {
      // OW is a stream of 16-bit words: swap each for big endian
      const out = new Uint8Array(value);
      for (let i = 0; i + 1 < out.length; i += 2) [out[i], out[i + 1]] = [out[i + 1], out[i]];
      return pad(out, 0);
    }
    return pad(value, 0);
  }
  const numeric: Record<string, [number, (dv: DataView, o: number, v: number) => void]> = {
    US: [2, (dv, o, v) => dv.setUint16(o, v, le)],
    SS: [2, (dv, o, v) => dv.setInt16(o, v, le)],
    UL: [4, (dv, o, v) => dv.setUint32(o, v, le)],
    SL: [4, (dv, o, v) => dv.setInt32(o, v, le)],
    FL: [4, (dv, o, v) => dv.setFloat32(o, v, le)],
    FD: [8, (dv, o, v) => dv.setFloat64(o, v, le)],
  };
  if (numeric[vr]) {
    const [size, set] = numeric[vr];
    const values = Array.isArray(value) ? (value as number[]) : [value as number];
    const out = new Uint8Array(size * values.length);
    const dv = new DataView(out.buffer);
    values.forEach((v, i) => set(dv, i * size, v));
    return out;
  }
  // Character VRs: multiple values joined by backslash, padded to even length
  // (UI with NUL, everything else with a space).
  const text = (Array.isArray(value) ? value : [value]).map(String).join('\\');
  return pad(new TextEncoder().encode(text), vr === 'UI' ? 0 : 0x20);
}

function pad(bytes: Uint8Array, fill: number): Uint8Array {
  if (bytes.length % 2 === 0) return bytes;
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  out[bytes.length] = fill;
  return out;
}

function encodeElements(elements: Element[], explicit: boolean, le: boolean): Uint8Array {
  const sorted = [...elements].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const parts: Uint8Array[] = [];
  for (const [group, element, vr, value] of sorted) {
    const v = encodeValue(vr, value, le);
    const long = LONG_VRS.has(vr);
    const head = new Uint8Array(explicit ? (long ? 12 : 8) : 8);
    const dv = new DataView(head.buffer);
    dv.setUint16(0, group, le);
    dv.setUint16(2, element, le);
    if (!explicit) dv.setUint32(4, v.length, le);
    else {
      head[4] = vr.charCodeAt(0);
      head[5] = vr.charCodeAt(1);
      if (long) dv.setUint32(8, v.length, le);
      else dv.setUint16(6, v.length, le);
    }
    parts.push(head, v);
  }
  return concat(parts);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export interface DicomFile {
  transferSyntax: string;
  sopClassUid?: string;
  sopInstanceUid?: string;
  elements: Element[];
}

export function buildDicom(f: DicomFile): Buffer {
  const sopClass = f.sopClassUid ?? '1.2.840.10008.5.1.4.1.1.4'; // MR Image Storage
  const sopInstance = f.sopInstanceUid ?? `1.2.826.0.1.3680043.2.1125.${Math.floor(Math.random() * 1e9)}`;
  const metaBody = encodeElements(
    [
      [0x0002, 0x0001, 'OB', new Uint8Array([0, 1])],
      [0x0002, 0x0002, 'UI', sopClass],
      [0x0002, 0x0003, 'UI', sopInstance],
      [0x0002, 0x0010, 'UI', f.transferSyntax],
      [0x0002, 0x0012, 'UI', '1.2.826.0.1.3680043.2.1125.1'],
    ],
    true,
    true,
  );
  const groupLength = encodeElements([[0x0002, 0x0000, 'UL', metaBody.length]], true, true);
  const le = f.transferSyntax !== TS.explicitBE;
  const explicit = f.transferSyntax !== TS.implicitLE;
  let body = encodeElements(
    [[0x0008, 0x0016, 'UI', sopClass], [0x0008, 0x0018, 'UI', sopInstance], ...f.elements],
    explicit,
    le,
  );
  if (f.transferSyntax === TS.deflatedLE) body = deflateRawSync(body);
  const preamble = new Uint8Array(132);
  preamble.set(new TextEncoder().encode('DICM'), 128);
  return Buffer.from(concat([preamble, groupLength, metaBody, body]));
}

/** 16-bit samples as little-endian bytes (OW pixel data is swapped by the builder for BE). */
export function samples16(values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 2);
  const dv = new DataView(out.buffer);
  values.forEach((v, i) => dv.setUint16(i * 2, v & 0xffff, true));
  return out;
}

export interface SliceSpec {
  seriesUid: string;
  rows: number;
  cols: number;
  position: [number, number, number];
  orientation: [number, number, number, number, number, number];
  pixelSpacing: [number, number];
  instanceNumber: number;
  pixels: Uint8Array; // already encoded samples (little-endian for 16-bit)
  bitsAllocated?: number;
  bitsStored?: number;
  pixelRepresentation?: number;
  rescaleSlope?: number;
  rescaleIntercept?: number;
  transferSyntax?: string;
  /** fixed, where a test needs the same bytes every run (random otherwise) */
  sopInstanceUid?: string;
  extra?: Element[];
}

/** One CT/MR-like single-frame image. */
export function buildSlice(s: SliceSpec): Buffer {
  const bits = s.bitsAllocated ?? 16;
  const elements: Element[] = [
    [0x0008, 0x0060, 'CS', 'MR'],
    [0x0008, 0x103e, 'LO', 'T1 axial test'],
    [0x0018, 0x0050, 'DS', '9.99'], // SliceThickness deliberately unlike the real spacing
    [0x0018, 0x5100, 'CS', 'HFS'],
    [0x0020, 0x000e, 'UI', s.seriesUid],
    [0x0020, 0x0013, 'IS', String(s.instanceNumber)],
    [0x0020, 0x0032, 'DS', s.position.map(String)],
    [0x0020, 0x0037, 'DS', s.orientation.map(String)],
    [0x0028, 0x0002, 'US', 1],
    [0x0028, 0x0004, 'CS', 'MONOCHROME2'],
    [0x0028, 0x0010, 'US', s.rows],
    [0x0028, 0x0011, 'US', s.cols],
    [0x0028, 0x0030, 'DS', s.pixelSpacing.map(String)],
    [0x0028, 0x0100, 'US', bits],
    [0x0028, 0x0101, 'US', s.bitsStored ?? bits],
    [0x0028, 0x0102, 'US', (s.bitsStored ?? bits) - 1],
    [0x0028, 0x0103, 'US', s.pixelRepresentation ?? 0],
    [0x7fe0, 0x0010, bits === 8 ? 'OB' : 'OW', s.pixels],
    ...(s.extra ?? []),
  ];
  if (s.rescaleSlope !== undefined) elements.push([0x0028, 0x1053, 'DS', String(s.rescaleSlope)]);
  if (s.rescaleIntercept !== undefined) elements.push([0x0028, 0x1052, 'DS', String(s.rescaleIntercept)]);
  return buildDicom({ transferSyntax: s.transferSyntax ?? TS.explicitLE, elements, ...(s.sopInstanceUid ? { sopInstanceUid: s.sopInstanceUid } : {}) });
}

/** A two-slice series (1x2 pixels each, series 1.1) written as 0.dcm and 1.dcm into `dir` (made here). */
export function writeTwoSliceSeries(dir: string): void {
  mkdirSync(dir);
  for (let k = 0; k < 2; k++) {
    writeFileSync(path.join(dir, `${k}.dcm`), buildSlice({
      seriesUid: '1.1', rows: 1, cols: 2, position: [0, 0, k], orientation: [1, 0, 0, 0, 1, 0],
      pixelSpacing: [1, 1], instanceNumber: k, pixels: samples16([k, k + 1]),
    }));
  }
}
