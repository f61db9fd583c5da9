// One entry point for "open this scan": a folder is a DICOM series, .nii / .nii.gz is NIfTI.
// Dispatch is by what the path is, not by sniffing contents, so a wrong guess gives a clear error.

import { stat } from 'node:fs/promises';

import { VolumeError } from './errors.js';
import { readDicomSeries } from './readDicomSeries.js';
import { readNiftiFile, type NiftiReadOptions } from './readNifti.js';
import { notRegularReason } from '../fs/regularFile.js';
import type { Volume } from './types.js';

export type ReadVolumeOptions = NiftiReadOptions;

export async function readVolume(path: string, opts: ReadVolumeOptions = {}): Promise<Volume> {
  let st;
  try {
    st = await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new VolumeError(path, code === 'ENOENT' ? 'no such file or folder' : `cannot access (${code ?? String(err)})`);
  }
  if (st.isDirectory()) {
    if (opts.t !== undefined && opts.t !== 0) {
      throw new VolumeError(path, `volume index t=${opts.t} given, but a DICOM series folder holds a single 3-D volume`);
    }
    return readDicomSeries(path);
  }
  // Before the name is looked at: a FIFO called scan.nii would otherwise be read and hang.
  const notRegular = notRegularReason(st);
  if (notRegular) throw new VolumeError(path, notRegular);
  if (/\.nii(\.gz)?$/i.test(path)) return readNiftiFile(path, opts);
  throw new VolumeError(
    path,
    'unsupported scan: expected a .nii or .nii.gz file, or a folder holding one DICOM series',
  );
}
