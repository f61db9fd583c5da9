// The attention timeline of a clip: what `l2caf video --json` writes, what the cache stores and
// what the app's timeline draws. Data only (no tensors), so it crosses workers, IPC and HTTP as is.
import type { AttentionMap, Method, SolveOptions } from '../attention/types.js';
import type { ChainLink } from '../engine/analyze.js';
import type { SolveCounts } from '../engine/solveCounts.js';
import type { Prediction } from '../engine/predictions.js';
import type { ModelFlags } from '../engine/openModel.js';
import type { BackbonePool } from '../pool/backbonePool.js';
import type { LoadedModel } from '../models/loadModel.js';
import type { TintBlend } from '../media/tint.js';

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
  /** L2-CAF: where the solve started (uniform | linearised | neighbour | random | warm | exact) */
  start?: string;
  /** L2-CAF: head passes of the Adam phase after L-BFGS, only where it ran (L-BFGS ended unconverged); included in iterations */
  adamPasses?: number;
  /** L2-CAF iterative: why the solve ended (optimal | stalled | line-search | pass-limit | settled | iteration-limit) */
  stop?: string;
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
  /** faithfulness of this map on this frame (`l2caf video --eval`); absent without --eval */
  eval?: FrameMapEval;
}

/**
 * Per-frame faithfulness (src/eval): target = the map's class, or the frame's top-1 for
 * class-oblivious maps. Areas are under the target's softmax probability (cosine similarity for
 * embeddings) as the input is deleted/revealed in the map's order over `steps` steps.
 */
export interface FrameMapEval {
  /** the target's score on the unperturbed frame */
  score: number;
  /** lower is better */
  deletionAuc: number | null;
  /** higher is better */
  insertionAuc: number | null;
  /** max(0, score - maskedScore) / score, with the frame masked by the map: lower is better */
  drop: number | null;
  /** the masked frame scored higher than the frame */
  increase: boolean | null;
}

/** `--eval`: which metrics and how (the curves are 2(steps+1) forward passes per map and frame). */
export interface VideoEvalOptions {
  steps: number;
  baseline: 'blur' | 'mean' | 'zero';
}

/** Per map series over the clip, with `--eval`: means and the frames flagged (src/eval/clipFlags.ts). */
export interface TimelineEvalSummary {
  method: Method;
  target: { index: number; label: string } | null;
  meanDeletionAuc: number | null;
  meanInsertionAuc: number | null;
  meanDrop: number | null;
  /** fraction of frames whose masked score went up */
  increaseRate: number | null;
  /** frame indices (clip numbering) where faithfulness falls */
  flaggedFaithfulness: number[];
  /** frame indices where the map jumps (flicker outliers) */
  flaggedFlicker: number[];
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
  /** the iterative L2-CAF maps of every frame: warm-started, cold, with the Adam phase (absent without any) */
  solves?: SolveCounts;
  /** with --eval: one entry per map series */
  eval?: TimelineEvalSummary[];
}

export interface Timeline {
  video: TimelineVideo;
  model: { id: string; layer: string; backend: string; /** what runs it (enginesOf); absent in caches written before it */ engines?: string };
  settings: {
    methods: Method[];
    classes: (string | number)[];
    stride: number;
    fromS: number | null;
    toS: number | null;
    preset: Preset;
    /** the iteration limit asked for (--max-iterations, the app's Iteration limit); absent: the preset's own */
    maxIterations?: number;
    warmStart: boolean;
    /** with --eval */
    eval?: VideoEvalOptions;
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

/** What a video job runs its frames on: a pool of workers (src/pool), or this thread. */
export type FramePool = Pick<BackbonePool, 'concurrency' | 'analyze' | 'close'>;

export interface VideoJobOptions {
  file: string;
  /** how to find and load the model (--model, preprocessing flags, download progress) */
  model: ModelFlags;
  /** an already loaded model (opened from `model`'s flags) to use instead of loading one; the caller keeps ownership */
  loadedModel?: LoadedModel;
  layer?: string;
  methods: Method[];
  classes: (string | number)[];
  stride?: number;
  fromS?: number;
  toS?: number;
  preset?: Preset;
  warmStart?: boolean;
  /** per-frame faithfulness metrics (part of the cache key); absent = none */
  eval?: VideoEvalOptions;
  /** backbone worker threads; default: the number of cores; 0 = backbone in this thread (no workers) */
  workers?: number;
  /**
   * A caller's pool of workers to run on instead of starting one (`l2caf batch`: one pool serves the
   * run's clips and images), made with this job's layer and plan (FramePlan: methods, classes, the
   * solver options the preset and `solve` resolve to, warmStart); used as is and left open.
   */
  pool?: FramePool;
  /** solver overrides on top of the preset (e.g. { solver: 'iterative' } for the warm-start study) */
  solve?: Partial<Omit<SolveOptions, 'init' | 'traceEvery'>>;
  /** TF.js backend (default: env L2CAF_BACKEND, else the usual order) */
  backend?: string;
  /** cache folder; null disables the cache */
  cacheDir?: string | null;
  signal?: AbortSignal;
  onProgress?: (p: VideoJobProgress) => void;
  /**
   * each analysed frame, in order, as soon as it is ready (the app's timeline fills in with these);
   * `link`: with warm starts on, for a frame solved in this run (not one read from the cache), its
   * place in its warm chain, so that a replay can start where its solve did
   */
  onFrame?: (f: TimelineFrame, link?: ChainLink) => void;
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
  /** 0..1: the tint's weight where attention is highest (src/media/tint.ts) */
  opacity?: number;
  /** attention below this (0..1) is not tinted; default 0 */
  threshold?: number;
  /** 'attention' (default): weight opacity x attention; 'uniform': opacity everywhere */
  blend?: TintBlend;
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
