// The data the service's methods take and return. Data only: no classes, no Node or DOM types, so
// the renderer, Electron's main process, the HTTP server and the tests share it as is.
import type { BinaryRef } from './binary.js';

export type JobId = string;
export type AnalysisMethod = 'l2caf' | 'l2caf-class' | 'gradcam' | 'cam';
export type SolverName = 'auto' | 'iterative' | 'exact';
export type PresetName = 'paper' | 'converged';
/** the values the argument specs accept (video and volume jobs alike) */
export const SOLVER_NAMES: readonly SolverName[] = ['auto', 'iterative', 'exact'];
export const PRESET_NAMES: readonly PresetName[] = ['paper', 'converged'];
export type ExportFormat = 'mp4' | 'webm' | 'gif' | 'png';
export type MapScale = 'frame' | 'clip';
export type EvalBaseline = 'blur' | 'mean' | 'zero';

export interface AppInfo {
  version: string;
  /** 'electron' or 'web': which host the service answers */
  host: 'electron' | 'web' | 'test';
  /** the colour maps the export and the overlay know */
  colormaps: string[];
  /** methods the pipeline accepts */
  methods: AnalysisMethod[];
  defaultModel: string;
}

export interface ModelSummary {
  id: string;
  name: string;
  format: string;
  inputSize: [number, number];
  defaultLayer: string;
  verified: boolean;
  isDefault: boolean;
}

export interface SampleSummary {
  id: string;
  name: string;
  kind: 'video' | 'image' | 'volume';
  licence: string;
  attribution?: string;
}

export interface ModelList {
  defaultModel: string;
  models: ModelSummary[];
  samples: SampleSummary[];
}

export interface LayerSummary {
  name: string;
  type: string;
  shape: (number | null)[] | null;
  spatial: boolean;
}

export interface ModelDescription {
  /** what the user gave (catalogue id or folder) */
  model: string;
  id: string;
  inputSize: [number, number];
  defaultLayer: string;
  layers: LayerSummary[];
  /** class labels by output index; null when the model has none */
  labels: string[] | null;
  /** what was assumed rather than known (show as warnings) */
  assumptions: string[];
}

export type MediaKind = 'video' | 'volume';

export interface MediaDescription {
  kind: MediaKind;
  /** absolute path on the service's machine, symlinks resolved (what video.start and volume.open take) */
  path: string;
  /** what the transports stream it by (videos: GET /media/<id>, l2caf-media://media/<id>) */
  mediaId: string;
  name: string;
  sizeBytes: number;
  /** video only */
  video?: {
    width: number;
    height: number;
    fps: number;
    durationS: number;
    frameCount: number;
    hasAudio: boolean;
    codec: string;
    /** a browser can play it as is (H.264/VP8/VP9/AV1 in mp4/webm); otherwise the player shows frames only */
    playable: boolean;
  };
  warnings: string[];
}

export interface RecentFile {
  path: string;
  name: string;
  kind: MediaKind;
  openedAt: string;
}

export interface VideoJobRequest {
  file: string;
  /** catalogue id or model folder; default: the catalogue default */
  model?: string;
  layer?: string;
  methods: AnalysisMethod[];
  /** labels or indices for class-specific methods; empty = the clip's top class per frame */
  classes: (string | number)[];
  solver?: SolverName;
  preset?: PresetName;
  /** bounds every iterative solve (the CLI's --max-iterations): head passes for the default, Adam steps for 'paper'; absent = PRESET_ITERATION_LIMITS */
  maxIterations?: number;
  warmStart?: boolean;
  stride?: number;
  fromS?: number;
  toS?: number;
  /** per-frame faithfulness (deletion/insertion AUC, confidence drop); absent = none */
  eval?: VideoEvalRequest;
}

/**
 * Faithfulness settings. Each map of each frame costs 2(steps+1)+1 extra forward passes, so the
 * steps are the price knob. Defaults: DEFAULT_EVAL_STEPS, 'blur'.
 */
export interface VideoEvalRequest {
  /** deletion/insertion steps, 2..1000 */
  steps?: number;
  /** what deleted pixels become */
  baseline?: EvalBaseline;
}

export const DEFAULT_EVAL_STEPS = 20;
export const DEFAULT_EVAL_BASELINE: EvalBaseline = 'blur';
export const EVAL_BASELINES: readonly EvalBaseline[] = ['blur', 'mean', 'zero'];
export const EVAL_STEPS_RANGE: readonly [number, number] = [2, 1000];

/** An iteration limit a job (and the CLI's --max-iterations) takes. */
export const ITERATION_LIMIT_RANGE: readonly [number, number] = [1, 100_000];
/**
 * The limits the presets bring (src/attention/solve.ts defaultSolveOptions; a test holds them
 * equal): head passes of the default solve (L-BFGS, and the Adam phase after it), Adam steps of the
 * paper's. Here so that the app can say what an empty limit means.
 */
export const PRESET_ITERATION_LIMITS: Readonly<Record<PresetName, number>> = { converged: 120, paper: 1000 };

export interface VideoJobStarted {
  jobId: JobId;
  /** true when the whole timeline came from the cache (the done event follows at once) */
  cached: boolean;
}

export interface PredictionSummary {
  index: number;
  label: string;
  score: number;
}

/** One map's faithfulness on one frame (see src/video/types.ts FrameMapEval). */
export interface FrameEvalSummary {
  /** the target's score on the unperturbed frame */
  score: number;
  /** lower is better */
  deletionAuc: number | null;
  /** higher is better */
  insertionAuc: number | null;
  /** relative confidence drop with the frame masked by the map: lower is better */
  drop: number | null;
  /** the masked frame scored higher than the frame */
  increase: boolean | null;
}

/** One map's per-frame numbers (small: the map values themselves travel by binary handle). */
export interface FrameMapSummary {
  iterations: number;
  /** L2-CAF: where the solve started (uniform | linearised | neighbour | random | warm | exact); absent for Grad-CAM/CAM and in older caches */
  start?: string;
  /** L2-CAF: head passes of the annealed Adam phase after L-BFGS (included in iterations), only where it ran */
  adamPasses?: number;
  /** L2-CAF iterative: why the solve ended (optimal | stalled | line-search | pass-limit | settled | iteration-limit) */
  stop?: string;
  /** 0 peaked .. 1 flat */
  entropy: number;
  flicker: number | null;
  /** null when the job ran without eval */
  eval: FrameEvalSummary | null;
}

/** One map series over the clip with eval: means and flagged frames (clip frame indices). */
export interface EvalSeriesSummary {
  method: AnalysisMethod;
  target: { index: number; label: string } | null;
  meanDeletionAuc: number | null;
  meanInsertionAuc: number | null;
  meanDrop: number | null;
  increaseRate: number | null;
  flaggedFaithfulness: number[];
  flaggedFlicker: number[];
}

/** One analysed frame without its maps (those are in the job's binary maps). */
export interface FrameSummary {
  /** position in the timeline's frame list */
  slot: number;
  index: number;
  timeS: number;
  iterations: number;
  loss: number | null;
  flicker: number | null;
  /** target score of the first map (null for class-oblivious) */
  targetScore: number | null;
  predictions: PredictionSummary[];
  /** per map, in mapInfo order; absent in summaries made before these numbers were sent */
  maps?: FrameMapSummary[];
}

export interface MapInfo {
  method: AnalysisMethod;
  /** null for class-oblivious, or when the target follows each frame's top class */
  target: { index: number; label: string } | null;
  solver: string;
}

/** A frame's maps: shape [2, mapCount, height, width]; [0] normalised values 0..1, [1] raw |f|. */
export interface FrameMaps {
  jobId: JobId;
  slot: number;
  maps: BinaryRef;
}

export interface TimelineView {
  jobId: JobId;
  state: JobState;
  video: { path: string; width: number; height: number; fps: number; durationS: number; frameCount: number };
  model: { id: string; layer: string; backend: string; engines?: string };
  settings: VideoJobRequest;
  mapInfo: MapInfo[];
  mapWidth: number;
  mapHeight: number;
  frames: FrameSummary[];
  /** all frames' maps in slot order: shape [frames, 2, mapCount, height, width]; null with no frames */
  maps: BinaryRef | null;
  /** raw maximum over the clip per map (for the per-clip scale) */
  rawMax: number[];
  summary: {
    framesAnalyzed: number; meanIterations: number; meanFlicker: number | null; fps: number; wallS: number;
    /** the frames' iterative L2-CAF maps: warm-started, cold, and with the Adam phase after L-BFGS; absent without any */
    solves?: SolveCountsView;
    /** with eval, once the job is done: one entry per map series (mapInfo order) */
    eval?: EvalSeriesSummary[];
  } | null;
  partial: boolean;
  /** what the analysis run warned of beyond media.open's warnings (e.g. the clip changed while it was analysed) */
  warnings: string[];
}

/** How a job's iterative L2-CAF maps were solved, counted (src/engine/solveCounts.ts). */
export interface SolveCountsView {
  warm: number;
  cold: number;
  /** of warm + cold: the maps whose solve ran the annealed Adam phase (L-BFGS could not certify an optimum) */
  adamPhase: number;
  /** of warm + cold: the maps whose solve ended at its pass or iteration limit, nothing certifying it; only when there are some */
  atLimit?: number;
}

export type JobKind = 'video' | 'volume' | 'export' | 'sample' | 'trace';
export type JobState = 'running' | 'done' | 'error' | 'cancelled';

export interface JobInfo {
  jobId: JobId;
  kind: JobKind;
  state: JobState;
  startedAt: string;
}

export interface ExportRequest {
  /** the video job whose timeline is drawn */
  jobId: JobId;
  format: ExportFormat;
  fromS?: number;
  toS?: number;
  mapIndex?: number;
  colormap?: string;
  /** the tint's weight where attention is highest (the player's opacity) */
  opacity?: number;
  /** attention below this is not tinted (the player's threshold) */
  threshold?: number;
  scale?: MapScale;
  sideBySide?: boolean;
  between?: 'nearest' | 'blend';
}

export interface ExportResult {
  path: string;
  name: string;
  sizeBytes: number;
  /**
   * the export's handle: the browser downloads a file by it, Electron's main process saves a
   * copy where its dialog is told (or reveals a PNG folder); no caller ever names the path
   */
  download: string;
  /** video exports: the timeline written beside the export (`<out>.timeline.json/.csv`, or inside a PNG folder); absent for volume exports */
  sidecars?: { json: string; csv: string };
  /**
   * each sidecar's own handle, like `download`: the browser cannot take them along with the clip
   * (one file per download), so the page offers them by handle; present whenever `sidecars` is
   */
  sidecarDownloads?: { json: string; csv: string };
}

export interface TraceRequest {
  jobId: JobId;
  slot: number;
  mapIndex?: number;
  /** record every K iterations; default chosen so that about 40 steps are kept */
  every?: number;
}

export interface TraceResult {
  method: AnalysisMethod;
  solver: string;
  iterations: number;
  /** passes (L-BFGS solves): head passes spent when the step was reached, line-search trials and the other start's included; the last is `iterations` */
  steps: { iteration: number; loss: number; passes?: number }[];
  width: number;
  height: number;
  /** [steps, height, width] normalised |f| at each step; null when the solver has no iterations */
  filters: BinaryRef | null;
  /** why there is nothing to replay (exact solver, Grad-CAM, CAM) */
  note: string | null;
  /** where the replayed solve started: uniform | linearised | random | warm | neighbour; null without iterations */
  start: string | null;
  /**
   * A frame (slice) whose solves were handed the previous one's answers (a warm start; after a change
   * of class, the neighbour start among the cold ones): 'as-run' when the replay was handed them too,
   * with the solver's curvature as the chain had it; 'cold' when they were not kept (read from the
   * cache, or past the job's replay budget) and the replay went without. null when nothing was
   * handed (a chain's first frame, warm starts off): the replay is as it ran.
   */
  warm: 'as-run' | 'cold' | null;
  /** the replayed solve's annealed Adam phase after L-BFGS: the step iterations it began and ended at (L-BFGS finishes after it) and its head passes; null where it did not run */
  adam: { fromIteration: number; toIteration: number; passes: number } | null;
  /** why the replayed solve ended (optimal | stalled | line-search | pass-limit | settled | iteration-limit: contract/solveStop.ts); null without iterations */
  stop: string | null;
  /** the solver that ran: 'lbfgs' (the default, 'converged') or 'adam' (--preset paper, other constraints); null without iterations */
  optimiser: 'lbfgs' | 'adam' | null;
}

export interface SampleOpened {
  media: MediaDescription;
  /** the catalogue's default model id, ready in the cache */
  model: string;
}
