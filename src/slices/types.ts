// The per-slice (and whole-volume) attention job: what it takes and what it gives back. Data only
// in the result (no tensors), so it crosses workers, IPC and JSON as is.
import type { Method, SolveOptions, SolveStop, StartKind } from '../attention/types.js';
import type { BackboneRunner } from '../engine/backboneRunner.js';
import type { BackbonePool } from '../pool/backbonePool.js';
import type { ModelFlags } from '../engine/openModel.js';
import type { Prediction } from '../engine/predictions.js';
import type { ChainLink } from '../engine/analyze.js';
import type { SolveCounts } from '../engine/solveCounts.js';
import type { LoadedModel } from '../models/loadModel.js';
import type { Axis, Volume } from '../volume/types.js';
import type { WindowSpec } from '../volume/windowIntensity.js';

export type Preset = 'paper' | 'converged';

/**
 * How per-slice maps are scaled before they are stacked. Each slice's map is min-max normalised
 * (0..1) on its own, so without a weight a slice of pure noise would be as bright as the slice
 * that holds the object. 'probability' (the default) multiplies a class-specific map by the
 * slice's softmax probability of the target, a class-oblivious map by the slice's top-1
 * probability; 'none' keeps every slice at 0..1.
 */
export type SliceWeighting = 'probability' | 'none';

export interface VolumeJobProgress {
  slicesDone: number;
  slicesTotal: number;
  /** slices per second so far */
  fps: number;
  /** seconds left at the current rate; null until known */
  etaS: number | null;
}

/** One map of one slice (one per method x class). */
export interface SliceMapRecord {
  method: Method;
  /** the class explained; for class-specific methods without --class, the slice's own top-1 */
  target: { index: number; label: string } | null;
  /** softmax probability of the target on the unfiltered slice; null for class-oblivious maps */
  targetScore: number | null;
  /** the target's raw output (logit); null for class-oblivious maps */
  targetLogit: number | null;
  solver: 'iterative' | 'exact' | 'gradient' | 'weights';
  iterations: number;
  loss: number | null;
  warmStarted: boolean;
  /** L2-CAF: where the solve started (uniform | linearised | neighbour | random | warm | exact) */
  start?: StartKind;
  /** L2-CAF: head passes of the Adam phase after L-BFGS, only where it ran (L-BFGS ended unconverged); included in iterations */
  adamPasses?: number;
  /** L2-CAF iterative: why the solve ended (attention/types.ts SolveStop) */
  stop?: SolveStop;
  /** what the slice's 0..1 map was multiplied by before stacking (1 with weighting 'none') */
  weight: number;
}

/** One analysed slice. The flat fields repeat the first map's, as the JSON asks. */
export interface SliceRecord {
  axis: Axis;
  index: number;
  /** top-5 softmax predictions on the unfiltered slice (empty for embedding models) */
  predictions: Prediction[];
  targetScore: number | null;
  iterations: number;
  loss: number | null;
  warmStarted: boolean;
  maps: SliceMapRecord[];
  /** backbone ms, solve ms */
  ms: { backbone: number; solve: number };
}

/** The record of a 3-D (rank-5) model: one filter for the whole volume. */
export interface WholeVolumeRecord {
  predictions: Prediction[];
  /** the model's input [d, h, w, C] the volume was resampled to */
  inputShape: number[];
  /** the filter's shape [d, h, w] */
  filterShape: number[];
  maps: (SliceMapRecord & { ms: number })[];
}

/** One attention volume on the scan's exact grid (dims, x fastest, as Volume.data). */
export interface AttentionVolume {
  /** the slicing axis, or 'volume' for a 3-D model's single filter */
  axis: Axis | 'volume';
  method: Method;
  /** fixed target class, or null: class-oblivious, or (class-specific) each slice's own top-1 */
  target: { index: number; label: string } | null;
  /** for class-specific maps without a fixed target */
  perSliceTop1: boolean;
  weighting: SliceWeighting;
  data: Float32Array;
}

export interface VolumeModelInfo {
  id: string;
  layer: string;
  layerShape: number[];
  backend: string;
  /** what runs it: ONNX Runtime and/or TF.js (enginesOf) */
  engines: string;
  outputKind: 'logits' | 'embedding';
  /** 2: a 2-D layer (per-slice analysis); 3: a rank-5 layer (whole-volume analysis) */
  layerRank: 2 | 3;
}

export interface VolumeSettings {
  axes: Axis[];
  methods: Method[];
  classes: (string | number)[];
  window: WindowSpec;
  t: number;
  preset: Preset;
  /** the iteration limit asked for (--max-iterations, the app's limit); absent: the preset's own */
  maxIterations?: number;
  warmStart: boolean;
  weighting: SliceWeighting;
}

export interface VolumeSummary {
  slicesAnalyzed: number;
  meanIterations: number;
  /** slices (or volumes) per second, backbone + solve */
  fps: number;
  wallS: number;
  /** the slices' iterative L2-CAF maps: warm-started, cold, with the Adam phase (absent without any) */
  solves?: SolveCounts;
}

export interface VolumeAnalysis {
  /** the scan that was analysed (geometry and metadata; its data is the raw intensities) */
  volume: Volume;
  model: VolumeModelInfo;
  settings: VolumeSettings;
  /** per axis and per map request; on the scan's grid */
  attention: AttentionVolume[];
  /** in analysis order: axis by axis, slice 0 upwards */
  slices: SliceRecord[];
  /** only for 3-D models */
  whole?: WholeVolumeRecord;
  summary: VolumeSummary;
  /** true when the job was cancelled: `slices` holds what was done, undone slices are 0 */
  partial?: boolean;
}

export interface AnalyzeVolumeOptions {
  /** the scan, already read ... */
  volume?: Volume;
  /** ... or its path (.nii, .nii.gz, or a DICOM series folder) */
  file?: string;
  /** 4-D NIfTI: which volume (default 0) */
  t?: number;
  /** a loaded model (the caller keeps ownership) or how to find one (loaded and disposed here) */
  model?: LoadedModel | ModelFlags;
  /** TF.js backend when the model is loaded here */
  backend?: string;
  layer?: string;
  /** default ['l2caf'] */
  methods?: Method[];
  /** class labels or indices for class-specific methods; empty = each slice's top-1 */
  classes?: (string | number)[];
  /** default: the acquisition axis (acquisitionAxis) */
  axis?: Axis | 'all';
  /** default: percentiles 0.5..99.5 of the whole volume */
  window?: WindowSpec;
  /** default 'converged' */
  preset?: Preset;
  /** overrides of the preset's solver options (solver, constraint, seed, maxIterations...) */
  solve?: Partial<SolveOptions>;
  /** warm-start each slice's L2-CAF filters from the neighbouring slice's; default true */
  warmStart?: boolean;
  /** default 'probability' */
  weighting?: SliceWeighting;
  /** where the backbone runs (a worker pool); default in this thread. Not used for 3-D models. */
  runner?: BackboneRunner;
  /**
   * Without `runner`: backbone worker threads this call starts for the slices (and closes; 0 or
   * absent: none, the backbone in this thread). Each worker loads the model from `workerModel`, or
   * from `model` when that is flags. Not started for 3-D models.
   */
  workers?: number;
  /** how the workers find the model when `model` is a loaded one */
  workerModel?: ModelFlags;
  /**
   * A caller's pool of workers to run the slices on, maps and all, instead of starting one
   * (`l2caf batch --workers`: one pool serves the run's images, clips and scans). Made with this
   * job's layer and plan (FramePlan: methods once each, classes, the solver options the preset and
   * `solve` resolve to, warmStart); used as is and left open. Not used for 3-D models.
   */
  pool?: Pick<BackbonePool, 'concurrency' | 'analyze'> & { readonly layer?: string };
  signal?: AbortSignal;
  onProgress?: (p: VolumeJobProgress) => void;
  /** each slice record as soon as it is done, in order */
  /**
   * each analysed slice, in order; `link`: with warm starts on, for a slice solved in this run (not
   * one from the journal), its place in the warm chain, so that a replay can start where its solve did
   */
  onSlice?: (r: SliceRecord, link?: ChainLink) => void;
  /** 2-D layers: slices an earlier run of the same job finished, and where to record new ones (sliceJournal.ts) */
  resume?: SliceResume;
}

// A volume job's journal entries (sliceJournal.ts reads and writes them).
export interface JournalMap {
  width: number;
  height: number;
  /** the map over the model input, row-major, before weighting and before mapping to the slice */
  values: number[];
}

export interface JournalSlice {
  axis: Axis;
  index: number;
  record: SliceRecord;
  maps: JournalMap[];
  /** the L2-CAF filter per request key, for the next slice's warm start (curvature is not kept) */
  params: Record<string, number[]>;
}

/** Where a job continues from, and how it records each new slice. */
export interface SliceResume {
  done: JournalSlice[];
  append(entry: JournalSlice): Promise<void>;
}
