// The attention timeline of a clip: what `l2caf video --json` writes, what the cache stores and
// what the app's timeline draws. Data only (no tensors), so it crosses workers, IPC and HTTP as is.
import type { AttentionMap, Method, SolveOptions } from '../attention/types.js';
import type { Prediction } from '../engine/predictions.js';
import type { ModelFlags } from '../engine/openModel.js';

export type Preset = 'paper' | 'converged';

/** One map of one analysed frame. values: row-major, min-max normalised to 0..1 (as in the image JSON). */
export interface FrameMap {
  method: Method;
  target: { index: number; label: string } | null;
  /** score of the target (the raw output) on the unfiltered input; null for class-oblivious maps */
  targetScore: number | null;
  solver: AttentionMap['solver'];
  iterations: number;
  loss: number | null;
  warmStarted: boolean;
  width: number;
  height: number;
  values: number[];
  /** |f| (or the Grad-CAM/CAM map) before normalisation, for clip-wide colour scales */
  raw: number[];
  /** map centroid in 0..1 image coordinates */
  centroid: { x: number; y: number };
  /** Shannon entropy of the map taken as a distribution, divided by log(width*height): 0 peaked .. 1 flat */
  entropy: number;
  /** mean |values - previous analysed frame's values|; null on the first analysed frame */
  flicker: number | null;
}

export interface TimelineFrame {
  index: number;
  timeS: number;
  width: number;
  height: number;
  /** the first map's values (the flat view); all maps are in `maps` */
  values: number[];
  predictions: Prediction[];
  iterations: number;
  loss: number | null;
  warmStarted: boolean;
  flicker: number | null;
  maps: FrameMap[];
}

export interface TimelineVideo {
  path: string;
  width: number;
  height: number;
  fps: number;
  durationS: number;
  frameCount: number;
}

export interface TimelineSummary {
  framesAnalyzed: number;
  meanIterations: number;
  meanFlicker: number | null;
  fps: number;
  wallS: number;
}

export interface Timeline {
  video: TimelineVideo;
  model: { id: string; layer: string; backend: string };
  settings: {
    methods: Method[];
    classes: (string | number)[];
    stride: number;
    fromS: number | null;
    toS: number | null;
    preset: Preset;
    warmStart: boolean;
  };
  frames: TimelineFrame[];
  summary: TimelineSummary;
  /** true when the job was cancelled: frames holds what was done */
  partial?: boolean;
  /** problems that did not stop the job (e.g. the probe's "file looks truncated") */
  warnings?: string[];
  /** how the cache served this job: 'finished' = no model work, 'resumed' = continued a stopped job */
  cache?: { key: string; hit: 'finished' | 'resumed' | 'miss' } | null;
}

export interface VideoJobProgress {
  framesDone: number;
  framesTotal: number;
  fps: number;
  /** seconds left at the current rate; null until known */
  etaS: number | null;
}

export interface VideoJobOptions {
  file: string;
  /** how to find and load the model (--model, preprocessing flags, download progress) */
  model: ModelFlags;
  layer?: string;
  methods: Method[];
  classes: (string | number)[];
  stride?: number;
  fromS?: number;
  toS?: number;
  preset?: Preset;
  warmStart?: boolean;
  /** backbone worker threads; default: the number of cores; 0 = backbone in this thread (no workers) */
  workers?: number;
  /** solver overrides on top of the preset (e.g. { solver: 'iterative' } for the warm-start study) */
  solve?: Partial<Omit<SolveOptions, 'init' | 'traceEvery'>>;
  /** TF.js backend (default: env L2CAF_BACKEND, else the usual order) */
  backend?: string;
  /** cache folder; null disables the cache */
  cacheDir?: string | null;
  signal?: AbortSignal;
  onProgress?: (p: VideoJobProgress) => void;
  /** each analysed frame, in order, as soon as it is ready (the app's timeline fills in with these) */
  onFrame?: (f: TimelineFrame) => void;
}

export interface ExportProgress {
  framesDone: number;
  framesTotal: number;
}

/** Annotated export of a clip with its timeline (CLI `--out`, the app's export dialog). */
export interface ExportOptions {
  file: string;
  timeline: Timeline;
  /** .mp4 | .webm | .gif, or a folder for a PNG sequence */
  out: string;
  /** which map of each frame to show (index into TimelineFrame.maps); default 0 */
  mapIndex?: number;
  colormap?: string;
  /** 0..1 */
  opacity?: number;
  /** 'frame': per-frame min-max; 'clip': one scale for the whole clip from the raw maps */
  scale?: 'frame' | 'clip';
  sideBySide?: boolean;
  /** frames between analysed ones: the nearest analysed map, or a blend of the two around them */
  between?: 'nearest' | 'blend';
  fromS?: number;
  toS?: number;
  signal?: AbortSignal;
  onProgress?: (p: ExportProgress) => void;
}
