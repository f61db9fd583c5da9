// The service's methods: name -> args and result types, and the argument spec of each. The spec
// table is the bindings' allowlist: a name not in SERVICE_METHOD_SPECS is refused by the HTTP
// server and by Electron's IPC binding before any service code runs.
import { S, type ArgSpec, type ObjectSpec } from './argSpec.js';
import { HANDLE_RE } from './binary.js';
import { EVAL_BASELINES, EVAL_STEPS_RANGE, ITERATION_LIMIT_RANGE, PRESET_NAMES, SOLVER_NAMES } from './types.js';
import type {
  AppInfo, ExportRequest, JobId, JobInfo, MediaDescription, ModelDescription, ModelList, RecentFile, SampleOpened,
  TimelineView, TraceRequest, TraceResult, VideoJobRequest, VideoJobStarted,
} from './types.js';
import { VOLUME_METHOD_SPECS, type VolumeMethods } from './volume.js';

type Empty = Record<string, never>;

export interface CoreMethods {
  'app.info': { args: Empty; result: AppInfo };
  'models.list': { args: Empty; result: ModelList };
  /** layers (default marked) and labels; model: catalogue id or folder, default the catalogue default */
  'models.describe': { args: { model?: string }; result: ModelDescription };
  /** probes a file (video or volume); adds it to the recent files */
  'media.open': { args: { path: string }; result: MediaDescription };
  /**
   * a copy of an opened video that the window can play (H.264/VP9, every frame at its own time), for
   * clips whose `video.playable` is false; made once and cached; answers the copy's media id
   */
  'media.proxy': { args: { mediaId: string }; result: { mediaId: string; codec: string } };
  /** the catalogue's sample clip and default model (cache, mirror or download with download.progress events) */
  'media.sample': { args: { sample?: string }; result: SampleOpened };
  'recent.list': { args: Empty; result: RecentFile[] };
  'recent.clear': { args: Empty; result: { cleared: number } };
  /** starts a video job and answers at once; job.progress/job.frame/job.done/job.error events follow */
  'video.start': { args: VideoJobRequest; result: VideoJobStarted };
  /** the timeline so far (running job) or complete; maps by binary handle */
  'video.timeline': { args: { jobId: JobId }; result: TimelineView };
  /** replays the solve of one analysed frame with a trace (the convergence view) */
  'video.trace': { args: TraceRequest; result: TraceResult };
  /** starts an export job (annotated MP4/WebM/GIF/PNG sequence); job.done carries an ExportResult */
  'export.start': { args: ExportRequest; result: { jobId: JobId } };
  'job.cancel': { args: { jobId: JobId }; result: { cancelled: boolean } };
  /** forgets a finished job and its data (finished results are kept until closed); cancels it first when running */
  'job.close': { args: { jobId: JobId }; result: { closed: boolean } };
  'job.list': { args: Empty; result: JobInfo[] };
}

/**
 * Methods only a native shell can answer (Electron's main process implements them; the HTTP
 * server answers 'unsupported', the web host does these in the page instead).
 */
export interface ShellMethods {
  'shell.openFile': { args: { kind: 'video' | 'volume' | 'any' | 'model-folder' }; result: { path: string } | null };
  /**
   * Saves a finished export (by its handle, never a path) where the native save dialog is told,
   * and shows it in its folder; a PNG folder is shown where it is. null when the user cancels.
   */
  'shell.saveExport': { args: { download: string }; result: { path: string } | null };
}

export type ServiceMethods = CoreMethods & VolumeMethods;
export type AllMethods = ServiceMethods & ShellMethods;
export type MethodName = keyof AllMethods & string;
export type ServiceMethodName = keyof ServiceMethods & string;
export type ArgsOf<M extends MethodName> = AllMethods[M]['args'];
export type ResultOf<M extends MethodName> = AllMethods[M]['result'];

const JOB_ID = { type: 'string', maxLength: 64, pattern: /^[A-Za-z0-9_-]+$/ } as const satisfies ArgSpec;
const METHODS = ['l2caf', 'l2caf-class', 'gradcam', 'cam'] as const;
const TIME = S.num(0, 1e7, true);

export const VIDEO_JOB_SPEC: ObjectSpec = S.obj({
  file: S.path(),
  model: S.path(true),
  layer: S.str(256, true),
  methods: { type: 'array', items: S.oneOf(METHODS), maxItems: 4 },
  classes: { type: 'array', items: { type: 'oneOf', of: [S.str(256), S.int(0, 1_000_000)] }, maxItems: 16 },
  solver: S.oneOf(SOLVER_NAMES, true),
  preset: S.oneOf(PRESET_NAMES, true),
  maxIterations: S.int(ITERATION_LIMIT_RANGE[0], ITERATION_LIMIT_RANGE[1], true),
  warmStart: S.bool(true),
  stride: S.int(1, 10_000, true),
  fromS: TIME,
  toS: TIME,
  eval: S.obj({ steps: S.int(EVAL_STEPS_RANGE[0], EVAL_STEPS_RANGE[1], true), baseline: S.oneOf(EVAL_BASELINES, true) }, true),
});

export const CORE_METHOD_SPECS: { readonly [K in keyof CoreMethods]: ObjectSpec } = {
  'app.info': S.none(),
  'models.list': S.none(),
  'models.describe': S.obj({ model: S.path(true) }),
  'media.open': S.obj({ path: S.path() }),
  'media.proxy': S.obj({ mediaId: { type: 'string', maxLength: 128, pattern: HANDLE_RE } }),
  'media.sample': S.obj({ sample: S.str(64, true) }),
  'recent.list': S.none(),
  'recent.clear': S.none(),
  'video.start': VIDEO_JOB_SPEC,
  'video.timeline': S.obj({ jobId: JOB_ID }),
  'video.trace': S.obj({ jobId: JOB_ID, slot: S.int(0, 10_000_000), mapIndex: S.int(0, 64, true), every: S.int(1, 10_000, true) }),
  'export.start': S.obj({
    jobId: JOB_ID,
    format: S.oneOf(['mp4', 'webm', 'gif', 'png']),
    fromS: TIME,
    toS: TIME,
    mapIndex: S.int(0, 64, true),
    colormap: S.str(32, true),
    opacity: S.num(0, 1, true),
    threshold: S.num(0, 1, true),
    scale: S.oneOf(['frame', 'clip'], true),
    sideBySide: S.bool(true),
    between: S.oneOf(['nearest', 'blend'], true),
  }),
  'job.cancel': S.obj({ jobId: JOB_ID }),
  'job.close': S.obj({ jobId: JOB_ID }),
  'job.list': S.none(),
};

export const SHELL_METHOD_SPECS: { readonly [K in keyof ShellMethods]: ObjectSpec } = {
  'shell.openFile': S.obj({ kind: S.oneOf(['video', 'volume', 'any', 'model-folder']) }),
  'shell.saveExport': S.obj({ download: { type: 'string', maxLength: 128, pattern: HANDLE_RE } }),
};

/** The service's allowlist (what HTTP and IPC forward to the service). */
export const SERVICE_METHOD_SPECS: { readonly [K in ServiceMethodName]: ObjectSpec } = { ...CORE_METHOD_SPECS, ...VOLUME_METHOD_SPECS };

export function isServiceMethod(name: unknown): name is ServiceMethodName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(SERVICE_METHOD_SPECS, name);
}
export function isShellMethod(name: unknown): name is keyof ShellMethods & string {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(SHELL_METHOD_SPECS, name);
}
