// Whether a path holds a scan, read cheaply: the NIfTI header must parse (only its first bytes are
// read, through gunzip for .nii.gz), a folder must hold at least one DICOM file (the "DICM" mark
// at byte 128). The service calls it when a file is opened, so a name ending in .nii is never
// taken for a scan on its name alone.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { createGunzip } from 'node:zlib';
import { VolumeError } from './errors.js';
import { parseNiftiHeader } from './readNifti.js';
import { NotRegularFileError, notRegularReason, openRegularFile } from '../fs/regularFile.js';

/** NIfTI-2's header (NIfTI-1's is 348) plus its 4-byte extension flag. */
const HEADER_BYTES = 544;
/** Files of a folder looked at before giving up (a DICOM folder's files are all DICOM). */
const FOLDER_SAMPLE = 16;

// Both open through openRegularFile: opening a FIFO called scan.nii would wait for a writer forever.
async function firstBytes(file: string, n: number): Promise<Uint8Array> {
  const h = await openRegularFile(file);
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await h.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await h.close();
  }
}

async function firstGunzipped(file: string, n: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let got = 0;
  const src = (await openRegularFile(file)).createReadStream();
  const gz = createGunzip();
  try {
    for await (const c of src.pipe(gz)) {
      chunks.push(c as Buffer);
      got += (c as Buffer).length;
      if (got >= n) break;
    }
  } catch (e) {
    throw new VolumeError(file, `not a gzip-compressed NIfTI file (${(e as Error).message})`);
  } finally {
    src.destroy();
    gz.destroy();
  }
  return Buffer.concat(chunks).subarray(0, n);
}

async function probeNifti(file: string): Promise<void> {
  const head = await firstBytes(file, 2).catch((e: NodeJS.ErrnoException) => {
    throw new VolumeError(file, e instanceof NotRegularFileError ? e.message : `cannot read file (${e.code ?? e.message})`);
  });
  const gz = head[0] === 0x1f && head[1] === 0x8b;
  const bytes = gz ? await firstGunzipped(file, HEADER_BYTES) : await firstBytes(file, HEADER_BYTES);
  parseNiftiHeader(bytes, file);
}

async function isDicomFile(file: string): Promise<boolean> {
  const b = await firstBytes(file, 132).catch(() => null);
  return !!b && b.length === 132 && Buffer.from(b.subarray(128)).toString('latin1') === 'DICM';
}

async function probeDicomFolder(folder: string): Promise<void> {
  const entries = await readdir(folder, { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
    throw new VolumeError(folder, `cannot read folder (${e.code ?? e.message})`);
  });
  const files = entries.filter((d) => d.isFile()).map((d) => d.name).sort().slice(0, FOLDER_SAMPLE);
  for (const name of files) if (await isDicomFile(path.join(folder, name))) return;
  throw new VolumeError(folder, 'no DICOM file in this folder (a scan folder holds one DICOM series)');
}

/** Throws a VolumeError naming `file` unless it looks like a scan (see the top of this file). */
export async function probeVolume(file: string, isDirectory: boolean): Promise<void> {
  if (isDirectory) return probeDicomFolder(file);
  // Said first, so a FIFO or a device is not reported as "not a DICOM file" or a NIfTI problem.
  const st = await stat(file).catch((e: NodeJS.ErrnoException) => {
    throw new VolumeError(file, `cannot read file (${e.code ?? e.message})`);
  });
  const notRegular = notRegularReason(st);
  if (notRegular) throw new VolumeError(file, notRegular);
  if (/\.(dcm|ima)$/i.test(file)) {
    if (await isDicomFile(file)) return;
    throw new VolumeError(file, 'not a DICOM file (no "DICM" mark at byte 128)');
  }
  if (!/\.nii(\.gz)?$/i.test(file)) throw new VolumeError(file, 'unsupported scan: expected a .nii or .nii.gz file, or a folder holding one DICOM series');
  return probeNifti(file);
}
