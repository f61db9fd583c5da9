// A folder of single-frame DICOM files forming one series -> Volume.
//
// Geometry follows the DICOM patient coordinate system (LPS: +x left, +y posterior, +z head),
// converted to RAS (negate x and y) so the affine means the same as a NIfTI/nibabel affine.
// Voxel i runs along a row (ImageOrientationPatient's row cosines, i.e. across columns),
// j down the rows (column cosines), k along the sorted slices; in memory i is fastest, which is
// exactly DICOM's row-major pixel order, so slices are copied as they are.

import { readdir } from 'node:fs/promises';
import path from 'node:path';

import dicomParser from 'dicom-parser';
import type { DataSet } from 'dicom-parser';

import { boundedInflater, inflateBudget, inflateDataSet, metaGroupEnd, type InflateBudget } from './dicomInflate.js';
import { VolumeError } from './errors.js';
import { NotRegularFileError, readRegularFile } from '../fs/regularFile.js';
import type { Mat4, MetadataValue, Volume } from './types.js';

export interface DicomFileEntry {
  /** File name (or path) used in messages. */
  name: string;
  bytes: Uint8Array;
}

/** Transfer syntaxes whose pixel data is stored as plain samples. */
const UNCOMPRESSED = new Set([
  '1.2.840.10008.1.2', // Implicit VR Little Endian
  '1.2.840.10008.1.2.1', // Explicit VR Little Endian
  '1.2.840.10008.1.2.1.99', // Deflated Explicit VR LE: only the data set is deflated; dicom-parser inflates it with zlib
  '1.2.840.10008.1.2.2', // Explicit VR Big Endian (retired, still found in archives)
]);
const BIG_ENDIAN = '1.2.840.10008.1.2.2';
const DEFLATED = '1.2.840.10008.1.2.1.99';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';

/** Names for the error message when a series uses a transfer syntax we cannot decode. */
export const TRANSFER_SYNTAX_NAMES: Record<string, string> = {
  '1.2.840.10008.1.2': 'Implicit VR Little Endian',
  '1.2.840.10008.1.2.1': 'Explicit VR Little Endian',
  '1.2.840.10008.1.2.1.98': 'Encapsulated Uncompressed Explicit VR Little Endian',
  '1.2.840.10008.1.2.1.99': 'Deflated Explicit VR Little Endian',
  '1.2.840.10008.1.2.2': 'Explicit VR Big Endian',
  '1.2.840.10008.1.2.4.50': 'JPEG Baseline (Process 1)',
  '1.2.840.10008.1.2.4.51': 'JPEG Extended (Process 2 & 4)',
  '1.2.840.10008.1.2.4.57': 'JPEG Lossless, Non-Hierarchical (Process 14)',
  '1.2.840.10008.1.2.4.70': 'JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])',
  '1.2.840.10008.1.2.4.80': 'JPEG-LS Lossless',
  '1.2.840.10008.1.2.4.81': 'JPEG-LS Lossy (Near-Lossless)',
  '1.2.840.10008.1.2.4.90': 'JPEG 2000 Image Compression (Lossless Only)',
  '1.2.840.10008.1.2.4.91': 'JPEG 2000 Image Compression',
  '1.2.840.10008.1.2.4.92': 'JPEG 2000 Part 2 Multi-component Image Compression (Lossless Only)',
  '1.2.840.10008.1.2.4.93': 'JPEG 2000 Part 2 Multi-component Image Compression',
  '1.2.840.10008.1.2.4.100': 'MPEG2 Main Profile / Main Level',
  '1.2.840.10008.1.2.4.102': 'MPEG-4 AVC/H.264 High Profile / Level 4.1',
  '1.2.840.10008.1.2.4.201': 'High-Throughput JPEG 2000 Image Compression (Lossless Only)',
  '1.2.840.10008.1.2.4.202': 'High-Throughput JPEG 2000 with RPCL Options Image Compression (Lossless Only)',
  '1.2.840.10008.1.2.4.203': 'High-Throughput JPEG 2000 Image Compression',
  '1.2.840.10008.1.2.5': 'RLE Lossless',
};

const DICOMDIR_SOP_CLASS = '1.2.840.10008.1.3.10';

/** What one image file contributes to the series. */
interface SliceFile {
  name: string;
  seriesUid: string;
  transferSyntax: string;
  ds: DataSet;
  rows: number;
  cols: number;
  bitsAllocated: number;
  bitsStored: number;
  signed: boolean;
  ipp: [number, number, number];
  iop: [number, number, number, number, number, number];
  pixelSpacing: [number, number] | undefined;
  slope: number;
  intercept: number;
}

/** Read every file in `folder` (not its subfolders) and assemble the one series found there. */
export async function readDicomSeries(folder: string): Promise<Volume> {
  let dirents;
  try {
    dirents = await readdir(folder, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new VolumeError(folder, code === 'ENOTDIR' ? 'is not a folder' : `cannot read folder (${code ?? String(err)})`);
  }
  // Only regular files are members (subfolders, FIFOs, sockets are passed over, as subfolders
  // always were); readRegularFile checks again, as one could be swapped in after the listing.
  const files = dirents.filter((d) => d.isFile()).map((d) => d.name).sort();
  if (files.length === 0) throw new VolumeError(folder, 'folder is empty: no DICOM files to read');
  const entries: DicomFileEntry[] = [];
  for (const name of files) {
    const full = path.join(folder, name);
    try {
      entries.push({ name: full, bytes: await readRegularFile(full) });
    } catch (err) {
      if (err instanceof NotRegularFileError) throw new VolumeError(full, err.message);
      throw new VolumeError(full, `cannot read file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  }
  return dicomSeriesFromFiles(folder, entries);
}

/** Assemble one series from in-memory files (pure; `folder` is only used in messages and `source`). */
export function dicomSeriesFromFiles(folder: string, entries: DicomFileEntry[], budget: InflateBudget = inflateBudget()): Volume {
  const slices: SliceFile[] = [];
  let ignored = 0;
  for (const entry of entries) {
    const s = parseSliceFile(entry, budget);
    if (s) slices.push(s);
    else ignored++;
  }
  if (slices.length === 0) {
    throw new VolumeError(
      folder,
      entries.length === 0
        ? 'folder is empty: no DICOM files to read'
        : `no DICOM image files among ${entries.length} file${entries.length === 1 ? '' : 's'}`,
    );
  }

  const bySeries = new Map<string, SliceFile[]>();
  for (const s of slices) {
    const list = bySeries.get(s.seriesUid) ?? [];
    list.push(s);
    bySeries.set(s.seriesUid, list);
  }
  if (bySeries.size > 1) {
    const found = [...bySeries].map(([uid, list]) => `${uid || '(no SeriesInstanceUID)'} (${list.length} files)`);
    throw new VolumeError(
      folder,
      `folder mixes ${bySeries.size} series; put one series per folder. Series found: ${found.join(', ')}`,
    );
  }

  const first = slices[0];
  const unsupported = slices.find((s) => !UNCOMPRESSED.has(s.transferSyntax));
  if (unsupported) throw unsupportedSyntax(unsupported.name, unsupported.transferSyntax);
  for (const s of slices) {
    const same = (what: string, a: unknown, b: unknown) => {
      if (a !== b) throw new VolumeError(s.name, `${what} is ${String(b)} but ${first.name} has ${String(a)}; not one volume`);
    };
    same('Rows', first.rows, s.rows);
    same('Columns', first.cols, s.cols);
    same('BitsAllocated', first.bitsAllocated, s.bitsAllocated);
    same('PixelRepresentation', first.signed ? 1 : 0, s.signed ? 1 : 0);
    if (s.iop.some((v, i) => Math.abs(v - first.iop[i]) > 1e-4)) {
      throw new VolumeError(
        s.name,
        `ImageOrientationPatient [${s.iop.join(', ')}] differs from ${first.name} [${first.iop.join(', ')}]; not one volume`,
      );
    }
  }

  // Sort along the slice normal; file names and InstanceNumber are not reliable orderings.
  const row = first.iop.slice(0, 3) as [number, number, number];
  const col = first.iop.slice(3, 6) as [number, number, number];
  // Normalised: cosines written with few digits are not exactly unit length.
  const normal = normalize(cross(row, col), first.name);
  const positioned = slices.map((s) => ({ s, pos: dot(s.ipp, normal) })).sort((a, b) => a.pos - b.pos);
  const n = positioned.length;
  for (let k = 1; k < n; k++) {
    if (Math.abs(positioned[k].pos - positioned[k - 1].pos) < 1e-3) {
      throw new VolumeError(
        folder,
        `${positioned[k - 1].s.name} and ${positioned[k].s.name} are at the same slice position ` +
          `(${positioned[k].pos.toFixed(3)} mm): several echoes or time points in one series are not supported`,
      );
    }
  }

  const warnings: string[] = [];
  const ps = first.pixelSpacing ?? [1, 1];
  if (!first.pixelSpacing) warnings.push('PixelSpacing missing; assumed 1 mm');
  // Slice spacing and the k axis come from the positions, never SliceThickness (which can differ
  // from the spacing: overlapping or gapped slices). The k column is the mean slice-to-slice
  // displacement, so a tilted-gantry stack keeps its true geometry.
  let sliceSpacing: number;
  let kvec: [number, number, number];
  if (n > 1) {
    const p0 = positioned[0].s.ipp;
    const pn = positioned[n - 1].s.ipp;
    sliceSpacing = (positioned[n - 1].pos - positioned[0].pos) / (n - 1);
    kvec = [0, 1, 2].map((a) => (pn[a] - p0[a]) / (n - 1)) as [number, number, number];
    let worst = 0;
    for (let k = 1; k < n; k++) worst = Math.max(worst, Math.abs(positioned[k].pos - positioned[k - 1].pos - sliceSpacing));
    if (worst > Math.max(1e-3, 0.01 * sliceSpacing)) {
      warnings.push(`irregular slice spacing (gaps differ from the mean ${sliceSpacing.toFixed(4)} mm by up to ${worst.toFixed(4)} mm)`);
    }
  } else {
    sliceSpacing = numberOr(first.ds.floatString('x00180088'), numberOr(first.ds.floatString('x00180050'), 1));
    kvec = normal.map((v) => v * sliceSpacing) as [number, number, number];
  }

  const [nx, ny] = [first.cols, first.rows];
  const data = new Float32Array(nx * ny * n);
  positioned.forEach(({ s }, k) => decodePixels(s, data, k * nx * ny));

  // LPS affine columns: i along the row cosines scaled by the column spacing (PixelSpacing[1]),
  // j along the column cosines scaled by the row spacing (PixelSpacing[0]), k between slices.
  const origin = positioned[0].s.ipp;
  const lps: Mat4 = [0, 1, 2].map((r) => [row[r] * ps[1], col[r] * ps[0], kvec[r], origin[r]]);
  lps.push([0, 0, 0, 1]);
  // LPS -> RAS: negate x and y (rows 0 and 1).
  const affine = lps.map((r, i) => (i < 2 ? r.map((v) => (v === 0 ? 0 : -v)) : r));

  const datatype = `${first.signed ? 'int' : 'uint'}${first.bitsAllocated}`;
  return {
    dims: [nx, ny, n],
    spacing: [ps[1], ps[0], sliceSpacing],
    affine,
    data,
    datatype,
    source: {
      path: folder,
      format: 'dicom',
      files: n,
      transferSyntax: first.transferSyntax,
      byteOrder: first.transferSyntax === BIG_ENDIAN ? 'big' : 'little',
    },
    metadata: dicomMetadata(first, positioned.map((p) => p.s), normal, ignored, warnings),
  };
}

/** Parse one file; null when it is not a DICOM image (no DICM prefix, a DICOMDIR, no pixel data). */
function parseSliceFile(entry: DicomFileEntry, budget: InflateBudget): SliceFile | null {
  const { bytes, name } = entry;
  if (bytes.length < 132 || String.fromCharCode(bytes[128], bytes[129], bytes[130], bytes[131]) !== 'DICM') return null;
  // dicom-parser's Node paths (deflate) call Buffer methods, so hand it a Buffer view (no copy).
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

  // The meta group alone (dicomInflate.ts says why): its reader would read one element past it.
  const metaEnd = metaGroupEnd(buf);
  let meta: DataSet;
  try {
    meta = dicomParser.readPart10Header(metaEnd === null ? buf : buf.subarray(0, metaEnd));
  } catch (err) {
    throw new VolumeError(name, `cannot parse DICOM meta header (${describeParserError(err)})`);
  }
  if (meta.string('x00020002') === DICOMDIR_SOP_CLASS) return null;
  const transferSyntax = meta.string('x00020010') ?? '';
  if (!transferSyntax) throw new VolumeError(name, 'DICOM meta header has no TransferSyntaxUID (0002,0010)');
  const seriesPlaceholder = (ds: DataSet): SliceFile => ({
    name,
    seriesUid: ds.string('x0020000e') ?? '',
    transferSyntax,
    ds,
    rows: 0,
    cols: 0,
    bitsAllocated: 0,
    bitsStored: 0,
    signed: false,
    ipp: [0, 0, 0],
    iop: [1, 0, 0, 0, 1, 0],
    pixelSpacing: undefined,
    slope: 1,
    intercept: 0,
  });
  if (!UNCOMPRESSED.has(transferSyntax)) {
    // Still parse (dicom-parser reads encapsulated data fine) to learn the series, so a mixed
    // folder is reported as such; the transfer syntax error comes once the series is known.
    try {
      return seriesPlaceholder(dicomParser.parseDicom(buf, { untilTag: 'x7fe00010' }));
    } catch {
      throw unsupportedSyntax(name, transferSyntax);
    }
  }

  let ds: DataSet;
  try {
    // A deflated data set is inflated here, within the series' budget, and parsed as the explicit
    // VR little endian it is (without a group length, dicom-parser's own path with that budget).
    ds = transferSyntax === DEFLATED && metaEnd !== null
      ? dicomParser.parseDicom(inflateDataSet(name, buf.subarray(metaEnd), budget), { TransferSyntaxUID: EXPLICIT_LE })
      : dicomParser.parseDicom(buf, { inflater: boundedInflater(name, budget) });
  } catch (err) {
    if (err instanceof VolumeError) throw err;
    throw new VolumeError(name, `cannot parse DICOM (${describeParserError(err)})`);
  }
  if (!ds.elements.x7fe00010) return null; // not an image (structured report, presentation state...)

  const required = (tag: string, label: string): number => {
    const v = ds.uint16(tag);
    if (v === undefined) throw new VolumeError(name, `missing ${label}`);
    return v;
  };
  const rows = required('x00280010', 'Rows (0028,0010)');
  const cols = required('x00280011', 'Columns (0028,0011)');
  const bitsAllocated = required('x00280100', 'BitsAllocated (0028,0100)');
  const bitsStored = ds.uint16('x00280101') ?? bitsAllocated;
  const signed = (ds.uint16('x00280103') ?? 0) === 1;
  const samples = ds.uint16('x00280002') ?? 1;
  if (samples !== 1) throw new VolumeError(name, `SamplesPerPixel = ${samples} (colour) is not supported; only greyscale`);
  const frames = ds.intString('x00280008') ?? 1;
  if (frames !== 1) throw new VolumeError(name, `multi-frame DICOM (NumberOfFrames = ${frames}) is not supported`);
  if (![8, 16, 32].includes(bitsAllocated)) {
    throw new VolumeError(name, `BitsAllocated = ${bitsAllocated} is not supported (8, 16 or 32)`);
  }
  if (!(rows > 0 && cols > 0)) throw new VolumeError(name, `impossible image size ${cols}x${rows}`);

  const numbers = (tag: string, count: number, label: string): number[] => {
    const out: number[] = [];
    for (let i = 0; i < count; i++) {
      const v = ds.floatString(tag, i);
      if (v === undefined || !Number.isFinite(v)) throw new VolumeError(name, `missing or invalid ${label}`);
      out.push(v);
    }
    return out;
  };
  const ipp = numbers('x00200032', 3, 'ImagePositionPatient (0020,0032); cannot place the slice') as SliceFile['ipp'];
  const iop = numbers('x00200037', 6, 'ImageOrientationPatient (0020,0037); cannot place the slice') as SliceFile['iop'];
  const spacing0 = ds.floatString('x00280030', 0);
  const spacing1 = ds.floatString('x00280030', 1);
  const pixelSpacing =
    spacing0 !== undefined && spacing1 !== undefined && spacing0 > 0 && spacing1 > 0
      ? ([spacing0, spacing1] as [number, number])
      : undefined;

  return {
    name,
    seriesUid: ds.string('x0020000e') ?? '',
    transferSyntax,
    ds,
    rows,
    cols,
    bitsAllocated,
    bitsStored: Math.min(bitsStored, bitsAllocated),
    signed,
    ipp,
    iop,
    pixelSpacing,
    slope: numberOr(ds.floatString('x00281053'), 1),
    intercept: numberOr(ds.floatString('x00281052'), 0),
  };
}

/** Decode one slice's pixels into `out` at `offset`, rescaled to real values. */
function decodePixels(s: SliceFile, out: Float32Array, offset: number): void {
  const el = s.ds.elements.x7fe00010;
  const bytesPer = s.bitsAllocated / 8;
  const count = s.rows * s.cols;
  const need = count * bytesPer;
  if (el.length < need || el.dataOffset + need > s.ds.byteArray.length) {
    throw new VolumeError(s.name, `pixel data is truncated: ${s.cols}x${s.rows} at ${s.bitsAllocated} bits needs ${need} bytes`);
  }
  const raw = new Uint8Array(need);
  raw.set(s.ds.byteArray.subarray(el.dataOffset, el.dataOffset + need));
  if (bytesPer > 1 && (s.transferSyntax === BIG_ENDIAN) === HOST_LITTLE_ENDIAN) {
    for (let p = 0; p < need; p += bytesPer) raw.subarray(p, p + bytesPer).reverse();
  }
  const view =
    bytesPer === 1 ? raw : bytesPer === 2 ? new Uint16Array(raw.buffer) : new Uint32Array(raw.buffer);
  // Only BitsStored bits are the value: bits above HighBit may hold overlays in older files, so
  // mask them off (unsigned) or sign-extend from the top stored bit (signed). HighBit is assumed
  // to be BitsStored - 1, as every modality writes it.
  const bits = s.bitsStored;
  const shift = 32 - bits;
  const mask = bits >= 32 ? 0xffffffff : 2 ** bits - 1;
  const { slope, intercept } = s;
  for (let i = 0; i < count; i++) {
    const u = view[i];
    const v = s.signed ? (u << shift) >> shift : bits >= 32 ? u : (u & mask) >>> 0;
    out[offset + i] = v * slope + intercept;
  }
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function dicomMetadata(
  first: SliceFile,
  sorted: SliceFile[],
  normal: number[],
  ignored: number,
  warnings: string[],
): Record<string, MetadataValue> {
  const ds = first.ds;
  const m: Record<string, MetadataValue> = {};
  // Keys are DICOM keywords. Patient identity (name, ID, birth date) is deliberately left out.
  const strings: [string, string][] = [
    ['Modality', 'x00080060'],
    ['SeriesDescription', 'x0008103e'],
    ['StudyDescription', 'x00081030'],
    ['BodyPartExamined', 'x00180015'],
    ['PatientPosition', 'x00185100'],
    ['Manufacturer', 'x00080070'],
    ['ManufacturerModelName', 'x00081090'],
    ['PhotometricInterpretation', 'x00280004'],
    ['ConvolutionKernel', 'x00181210'],
    ['SeriesInstanceUID', 'x0020000e'],
  ];
  for (const [key, tag] of strings) {
    const v = ds.string(tag);
    if (v) m[key] = v;
  }
  const numbersTags: [string, string][] = [
    ['SeriesNumber', 'x00200011'],
    ['SliceThickness', 'x00180050'],
    ['SpacingBetweenSlices', 'x00180088'],
    ['RepetitionTime', 'x00180080'],
    ['EchoTime', 'x00180081'],
    ['MagneticFieldStrength', 'x00180087'],
    ['KVP', 'x00180060'],
    ['WindowCenter', 'x00281050'],
    ['WindowWidth', 'x00281051'],
  ];
  for (const [key, tag] of numbersTags) {
    const v = ds.floatString(tag); // first value when multi-valued (e.g. several window presets)
    if (v !== undefined && Number.isFinite(v)) m[key] = v;
  }
  m.TransferSyntaxUID = first.transferSyntax;
  m.TransferSyntax = TRANSFER_SYNTAX_NAMES[first.transferSyntax] ?? first.transferSyntax;
  m.ImageOrientationPatient = [...first.iop];
  m.ImagePositionPatient = [...sorted[0].ipp];
  m.PixelSpacing = first.pixelSpacing ? [...first.pixelSpacing] : [1, 1];
  m.BitsStored = first.bitsStored;
  const slopes = new Set(sorted.map((s) => s.slope));
  const intercepts = new Set(sorted.map((s) => s.intercept));
  m.RescaleSlope = slopes.size === 1 ? first.slope : 'varies per slice';
  m.RescaleIntercept = intercepts.size === 1 ? first.intercept : 'varies per slice';
  m.slice_normal_lps = normal.map((v) => (v === 0 ? 0 : v));
  m.stacking_axis = 'z';
  if (ignored) m.ignored_files = ignored;
  if (warnings.length) m.warnings = warnings.join('; ');
  return m;
}

function describeParserError(err: unknown): string {
  // dicom-parser throws strings, Errors, or { exception, dataSet } objects.
  if (typeof err === 'string') return err;
  if (err instanceof Error) return err.message;
  if (err && typeof err === 'object' && 'exception' in err) return describeParserError((err as { exception: unknown }).exception);
  return String(err);
}

function unsupportedSyntax(file: string, uid: string): VolumeError {
  const name = TRANSFER_SYNTAX_NAMES[uid];
  return new VolumeError(
    file,
    `transfer syntax ${uid}${name ? ` (${name})` : ''} is compressed or unknown; only uncompressed ` +
      'Implicit VR Little Endian, Explicit VR Little/Big Endian (and Deflated Explicit VR LE) are supported',
  );
}

function normalize(v: [number, number, number], file: string): [number, number, number] {
  const len = Math.hypot(v[0], v[1], v[2]);
  if (!(len > 1e-6)) throw new VolumeError(file, 'ImageOrientationPatient row and column cosines are parallel');
  return [v[0] / len, v[1] / len, v[2] / len];
}

function numberOr(v: number | undefined, fallback: number): number {
  return v !== undefined && Number.isFinite(v) ? v : fallback;
}

function cross(a: readonly number[], b: readonly number[]): [number, number, number] {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

function dot(a: readonly number[], b: readonly number[]): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}
