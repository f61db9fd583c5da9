// The volume part of the contract (issue 6): open a scan, fetch its voxels and attention volumes
// by binary handle, run the per-slice attention job (src/slices) with slice events, and export
// (attention NIfTI, a video sweep through the slices). PNGs of the views are made in the window
// (they are what the views show), so they have no method here.
//
// Voxel and attention arrays never travel as JSON: they are BinaryRefs of shape [nz, ny, nx]
// (x fastest, the layout of Volume.data in src/volume/types.ts); attention is float32, voxels are
// float32 or, for integer scans, the smallest exact integer type (uint8, int16, uint16).
import { S, type ObjectSpec } from './argSpec.js';
import type { BinaryRef } from './binary.js';
import { ITERATION_LIMIT_RANGE, PRESET_NAMES, SOLVER_NAMES, type AnalysisMethod, type JobId, type JobState, type PresetName, type SolveCountsView, type SolverName, type TraceResult } from './types.js';

export type VolumeAxis = 'x' | 'y' | 'z';
export type VolumeId = string;

export interface VolumeStats {
  min: number;
  max: number;
  mean: number;
  /** 0.5th and 99.5th percentiles: the default (auto) window */
  p005: number;
  p995: number;
}

export interface VolumeDescription {
  volumeId: VolumeId;
  path: string;
  name: string;
  format: 'nifti1' | 'nifti2' | 'dicom';
  /** voxels [nx, ny, nz] (i, j, k) */
  dims: [number, number, number];
  /** voxel size in mm along i, j, k */
  spacing: [number, number, number];
  /** voxel (i, j, k, 1) -> world RAS+ mm, 4x4 rows */
  affine: number[][];
  datatype: string;
  /** volumes in the file (4-D NIfTI); 1 for a 3-D scan */
  frames: number;
  /** which of them is shown */
  t: number;
  /** the voxel axis the scan was acquired along (the default slicing axis) */
  acquisitionAxis: VolumeAxis;
  metadata: Record<string, string | number | number[]>;
  stats: VolumeStats;
  /** [nz, ny, nx]; float32, or uint8/int16/uint16 when every voxel is such an integer */
  voxels: BinaryRef;
}

export interface VolumeJobRequest {
  volumeId: VolumeId;
  /** catalogue id or model folder; default: the catalogue default */
  model?: string;
  layer?: string;
  method: AnalysisMethod;
  /** label or index for class-specific methods; default: each slice's top-1 */
  class?: string | number;
  /** slicing axis; default: the acquisition axis */
  axis?: VolumeAxis;
  /** intensity window given to the model: percentiles (default 0.5..99.5) */
  window?: { lo: number; hi: number };
  /** as for videos: auto (exact on linear heads, else iterative; default), iterative or exact */
  solver?: SolverName;
  preset?: PresetName;
  /** as for videos: bounds every iterative solve; absent = the preset's (PRESET_ITERATION_LIMITS) */
  maxIterations?: number;
  warmStart?: boolean;
}

/** One analysed slice without its map (the map is in the job's attention volume). */
export interface VolumeSliceSummary {
  index: number;
  /** softmax probability of the target; null for class-oblivious maps */
  targetScore: number | null;
  target: { index: number; label: string } | null;
  iterations: number;
  loss: number | null;
  top: { index: number; label: string; score: number } | null;
  /** L2-CAF: where the first map's solve started (uniform | linearised | neighbour | random | warm | exact) */
  start?: string;
  /** L2-CAF: head passes of the first map's Adam phase after L-BFGS, only where it ran (in iterations) */
  adamPasses?: number;
  /** L2-CAF iterative: why the first map's solve ended (optimal | stalled | line-search | pass-limit | settled | iteration-limit) */
  stop?: string;
}

export interface VolumeJobView {
  jobId: JobId;
  volumeId: VolumeId;
  state: JobState;
  request: VolumeJobRequest;
  axis: VolumeAxis;
  /** slices along the axis */
  total: number;
  slices: VolumeSliceSummary[];
  model: { id: string; layer: string; backend: string; engines?: string } | null;
  /** float32 [nz, ny, nx] on the scan's grid, 0..1 per slice times its weight; null until done */
  attention: BinaryRef | null;
  /** solves: as the video timeline's (the slices' iterative L2-CAF maps) */
  summary: { slicesAnalyzed: number; meanIterations: number; fps: number; wallS: number; solves?: SolveCountsView } | null;
  error: string | null;
}

/** How a view puts a slice on screen (from renderer/volume's geometry), for the video sweep. */
export interface SweepOrientation {
  /** voxel axis (0, 1, 2) along screen right, and whether it runs right-to-left */
  right: number;
  flipRight: boolean;
  /** voxel axis along screen up, and whether it runs top-to-bottom */
  up: number;
  flipUp: boolean;
}

export interface VolumeExportRequest {
  /** the attention job (nifti, sweep with overlay) */
  jobId: JobId;
  format: 'nifti' | 'mp4' | 'webm' | 'gif';
  /** sweep: the slicing axis and how it is drawn; default the job's axis, voxel order */
  axis?: VolumeAxis;
  orientation?: SweepOrientation;
  /** sweep: grey window (intensities); default the auto window */
  windowLo?: number;
  windowHi?: number;
  colormap?: string;
  opacity?: number;
  /** attention below this (0..1) is not tinted */
  threshold?: number;
  fps?: number;
}

export interface VolumeMethods {
  /** reads a NIfTI file or DICOM folder (4-D: volume t) and keeps it; voxels by handle */
  'volume.open': { args: { path: string; t?: number }; result: VolumeDescription };
  'volume.close': { args: { volumeId: VolumeId }; result: { closed: boolean } };
  /** starts the per-slice attention job; job.progress, volume.slice, job.done/error/cancelled follow */
  'volume.start': { args: VolumeJobRequest; result: { jobId: JobId } };
  /** the job's slices so far and, once done, its attention volume */
  'volume.result': { args: { jobId: JobId }; result: VolumeJobView };
  /** attention NIfTI or a video sweep; an export job whose job.done carries the ExportResult */
  'volume.export': { args: VolumeExportRequest; result: { jobId: JobId } };
  /** replays the solve of one analysed slice (index along the job's axis) with a trace, as video.trace does a frame's */
  'volume.trace': { args: { jobId: JobId; index: number; every?: number }; result: TraceResult };
}

const ID = { type: 'string', maxLength: 64, pattern: /^[A-Za-z0-9_-]+$/ } as const;
const AXIS = ['x', 'y', 'z'] as const;

export const VOLUME_METHOD_SPECS: { readonly [K in keyof VolumeMethods]: ObjectSpec } = {
  'volume.open': S.obj({ path: S.path(), t: S.int(0, 100_000, true) }),
  'volume.close': S.obj({ volumeId: ID }),
  'volume.start': S.obj({
    volumeId: ID,
    model: S.path(true),
    layer: S.str(256, true),
    method: S.oneOf(['l2caf', 'l2caf-class', 'gradcam', 'cam']),
    class: { type: 'oneOf', optional: true, of: [S.str(256), S.int(0, 1_000_000)] },
    axis: S.oneOf(AXIS, true),
    window: S.obj({ lo: S.num(0, 100), hi: S.num(0, 100) }, true),
    solver: S.oneOf(SOLVER_NAMES, true),
    preset: S.oneOf(PRESET_NAMES, true),
    maxIterations: S.int(ITERATION_LIMIT_RANGE[0], ITERATION_LIMIT_RANGE[1], true),
    warmStart: S.bool(true),
  }),
  'volume.result': S.obj({ jobId: ID }),
  'volume.trace': S.obj({ jobId: ID, index: S.int(0, 100_000), every: S.int(1, 10_000, true) }),
  'volume.export': S.obj({
    jobId: ID,
    format: S.oneOf(['nifti', 'mp4', 'webm', 'gif']),
    axis: S.oneOf(AXIS, true),
    orientation: S.obj({ right: S.int(0, 2), flipRight: S.bool(), up: S.int(0, 2), flipUp: S.bool() }, true),
    windowLo: S.num(-1e12, 1e12, true),
    windowHi: S.num(-1e12, 1e12, true),
    colormap: S.str(32, true),
    opacity: S.num(0, 1, true),
    threshold: S.num(0, 1, true),
    fps: S.num(1, 60, true),
  }),
};

/** A slice of a running volume job is done (its record; the map comes with the result). */
export interface VolumeSliceEvent {
  type: 'volume.slice';
  jobId: JobId;
  slice: VolumeSliceSummary;
  done: number;
  total: number;
}

export type VolumeEvent = VolumeSliceEvent;

export const VOLUME_EVENT_TYPES: readonly VolumeEvent['type'][] = ['volume.slice'];
