// The one in-memory shape every 3-D reader returns, whatever the file format.
// Everything downstream (slicing, windowing, attention, writing maps back) works on this.

/** A 4x4 matrix as rows: m[row][col]. */
export type Mat4 = number[][];

export type VolumeFormat = 'nifti1' | 'nifti2' | 'dicom';

/** Voxel axes: x = i (fastest in memory), y = j, z = k. */
export type Axis = 'x' | 'y' | 'z';

export type MetadataValue = string | number | number[];

export interface VolumeSource {
  /** The file (NIfTI) or folder (DICOM series) that was read. */
  path: string;
  format: VolumeFormat;
  /** NIfTI: the file was gzip-compressed. */
  compressed?: boolean;
  /** Byte order of the source data. */
  byteOrder?: 'little' | 'big';
  /** DICOM: number of image files that formed the series. */
  files?: number;
  /** DICOM: transfer syntax UID of the files. */
  transferSyntax?: string;
}

export interface Volume {
  /** Voxel counts [nx, ny, nz]. */
  dims: [number, number, number];
  /** Voxel size in mm along i, j, k (NIfTI: pixdim as nibabel's zooms; DICOM: PixelSpacing and slice positions). */
  spacing: [number, number, number];
  /**
   * Voxel (i, j, k, 1) -> world RAS+ millimetres, as nibabel's `img.affine`.
   * DICOM (LPS) is converted to RAS by negating the first two rows.
   */
  affine: Mat4;
  /** Voxel values with the format's scaling applied, index = i + nx * (j + ny * k). */
  data: Float32Array;
  /** Source datatype name ('uint8', 'int16', 'float32', 'rgb24', ...). */
  datatype: string;
  source: VolumeSource;
  /** What a user may want to see: description, units, TR, modality, qform/sform codes... */
  metadata: Record<string, MetadataValue>;
  /** Number of volumes in a 4-D (or higher) file; absent for plain 3-D. */
  frames?: number;
}

/** A 2-D image cut out of a volume (see extractSlice for the orientation). */
export interface Slice {
  width: number;
  height: number;
  /** Row-major: index = u + width * v. */
  data: Float32Array;
  /** Physical size of one pixel in mm: [along u (width), along v (height)]. */
  pixelSpacing: [number, number];
}
