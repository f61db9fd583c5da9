// The one implementation of the contract (src/contract). Every transport (HTTP server, Electron's
// IPC via the service process, tests) calls service.call(method, args); call() itself checks the
// method against the allowlist and the arguments against their specs, so no binding can forget.
import os from 'node:os';
import path from 'node:path';
import {
  ArgumentError, checkArgs, isServiceMethod, SERVICE_METHOD_SPECS, ServiceError,
  type BinaryRef, type ServiceEvent, type ServiceMethodName,
} from '../contract/index.js';
import { colormapNames } from '../media/colormaps.js';
import { loadCatalogue } from '../models/catalogue.js';
import { resolveSample } from '../models/resolve-sample.js';
import { JobRegistry } from '../jobs/jobRegistry.js';
import { BinaryStore } from './binaryStore.js';
import type { ServiceContext, ServiceHandlers } from './context.js';
import { asUploadError, toServiceError } from './errors.js';
import { MediaRegistry, type OpenedFile } from './mediaRegistry.js';
import { ModelCache } from './modelCache.js';
import { RecentFiles } from './recentFiles.js';
import { videoHandlers, type ExportJobData } from './videoJobs.js';
import { volumeHandlers } from './volumeService.js';
import { toErrorInfo } from '../contract/index.js';
import { privateDir } from '../fs/privateDir.js';

export interface ServiceOptions {
  host: 'electron' | 'web' | 'test';
  /** recent.json, uploads/, exports/; default ~/.local/share/l2caf-studio (XDG) */
  dataDir?: string;
  /** video pipeline cache; null disables; default <dataDir>/video-cache */
  videoCacheDir?: string | null;
  workers?: number;
}

/** What a transport needs: calls, events, binary data and files by handle. */
export interface Service {
  /** `signal`: the caller gave up; long calls (media.open, media.sample, volume.open; media.proxy where no other caller waits) stop on it */
  call(method: string, args: unknown, signal?: AbortSignal): Promise<unknown>;
  onEvent(listener: (e: ServiceEvent) => void): () => void;
  binary(handle: string): Promise<{ ref: BinaryRef; bytes: Uint8Array } | undefined>;
  /** a finished export by its download handle */
  downloadPath(handle: string): Promise<string | undefined>;
  /** an opened video by its media id, to be opened with openVerified (null: unknown id, or not a video) */
  mediaFile(id: string): Promise<OpenedFile | null>;
  /** where uploads go (browser mode); the upload is then opened with media.open */
  uploadsDir(): Promise<string>;
  dispose(): Promise<void>;
}

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.L2CAF_DATA_DIR) return path.resolve(env.L2CAF_DATA_DIR);
  const base = env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share');
  return path.join(base, 'l2caf-studio');
}

export function createService(opts: ServiceOptions): Service {
  const listeners = new Set<(e: ServiceEvent) => void>();
  const emit = (e: ServiceEvent) => {
    for (const l of listeners) {
      try {
        l(e);
      } catch {
        // a listener's failure (a closed connection) must not stop the job
      }
    }
  };
  const dataDir = opts.dataDir ?? defaultDataDir();
  /** where the browser mode stores uploads (uploadsDir below; media.open names their errors by the name sent) */
  const uploadsPath = path.join(dataDir, 'uploads');
  const binaries = new BinaryStore();
  const downloads = new Map<string, string>();
  const jobs = new JobRegistry({
    onDone: (job) => emit({ type: 'job.done', jobId: job.id, kind: job.kind, export: job.kind === 'export' ? (job.data as ExportJobData).result : null }),
    onError: (job, e) => emit({ type: 'job.error', jobId: job.id, kind: job.kind, error: toErrorInfo(toServiceError(e)) }),
    onCancelled: (job) => emit({ type: 'job.cancelled', jobId: job.id, kind: job.kind }),
    onDrop: (job) => binaries.release(job.id),
  });
  const ctx: ServiceContext = {
    binaries, jobs, emit, dataDir, host: opts.host, workers: opts.workers,
    videoCacheDir: opts.videoCacheDir === undefined ? path.join(dataDir, 'video-cache') : opts.videoCacheDir,
  };
  const models = new ModelCache();
  const media = new MediaRegistry();
  const recent = new RecentFiles(dataDir);
  let sampleCount = 0;

  const handlers: ServiceHandlers = {
    async 'app.info'() {
      const cat = await loadCatalogue();
      return { version: '0.1.0', host: opts.host, colormaps: [...colormapNames], methods: ['l2caf', 'l2caf-class', 'gradcam', 'cam'], defaultModel: cat.default };
    },
    async 'models.list'() {
      const cat = await loadCatalogue();
      return {
        defaultModel: cat.default,
        models: cat.models.map((m) => ({ id: m.id, name: m.name, format: m.format, inputSize: m.inputSize, defaultLayer: m.defaultLayer, verified: m.verified, isDefault: m.id === cat.default })),
        samples: cat.samples.map((s) => ({ id: s.id, name: s.name, kind: s.kind, licence: s.licence, ...(s.attribution ? { attribution: s.attribution } : {}) })),
      };
    },
    async 'models.describe'({ model }) {
      try {
        const m = await models.get(model);
        return {
          model: model ?? m.id, id: m.id, inputSize: m.inputSize, defaultLayer: m.defaultLayer,
          layers: m.layers.map((l) => ({ name: l.name, type: l.type, shape: l.shape, spatial: l.spatial })),
          labels: m.labels, assumptions: m.assumptions,
        };
      } catch (e) {
        throw toServiceError(e, model ? `model "${model}"` : 'the default model');
      }
    },
    async 'media.open'({ path: file }, signal) {
      // the probe (ffmpeg decoding every frame, up to 120 s) stops when the caller gives up
      const d = await media.open(file, signal).catch((e: unknown) => {
        throw asUploadError(e, file, uploadsPath);
      });
      await recent.add(d.path, d.kind).catch(() => {});
      return d;
    },
    async 'media.proxy'({ mediaId }, signal) {
      // beside the analyses (the video cache), or in the data folder when that cache is off
      return media.proxy(mediaId, path.join(ctx.videoCacheDir ?? dataDir, 'proxies'), signal);
    },
    async 'media.sample'({ sample }, signal) {
      const cat = await loadCatalogue();
      const s = sample ? cat.samples.find((x) => x.id === sample) : cat.samples.find((x) => x.kind === 'video');
      if (!s) throw new ServiceError('not-found', sample ? `unknown sample "${sample}"` : 'the catalogue has no sample clip');
      const jobId = `sample-${++sampleCount}`;
      try {
        // a caller that gives up stops the download (its temporary file removed) and the probe
        const r = await resolveSample(s.id, {
          log: () => {},
          signal,
          onProgress: (p) => emit({ type: 'job.progress', jobId, kind: 'sample', done: p.bytesDone, total: p.bytesTotal ?? 0, fps: null, etaS: null, stage: `downloading ${p.file}` }),
        });
        await models.get(undefined);
        const d = await media.open(r.file, signal);
        return { media: d, model: cat.default };
      } catch (e) {
        throw toServiceError(e, `sample ${s.id}`);
      }
    },
    async 'recent.list'() {
      return recent.list();
    },
    async 'recent.clear'() {
      return { cleared: await recent.clear() };
    },
    ...videoHandlers(ctx, models, media, downloads),
    async 'job.cancel'({ jobId }) {
      return { cancelled: jobs.cancel(jobId) };
    },
    async 'job.close'({ jobId }) {
      return { closed: jobs.close(jobId) };
    },
    async 'job.list'() {
      return jobs.list();
    },
    ...volumeHandlers(ctx, media, downloads, models),
  };

  return {
    async call(method, args, signal) {
      if (!isServiceMethod(method)) throw new ServiceError('unknown-method', `unknown method ${JSON.stringify(String(method)).slice(0, 80)}`);
      try {
        checkArgs(SERVICE_METHOD_SPECS[method], args ?? {}, method);
      } catch (e) {
        if (e instanceof ArgumentError) throw new ServiceError('bad-arguments', e.message);
        throw e;
      }
      const fn = handlers[method as ServiceMethodName] as (a: unknown, signal?: AbortSignal) => Promise<unknown>;
      try {
        return await fn(args ?? {}, signal);
      } catch (e) {
        throw toServiceError(e);
      }
    },
    onEvent(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    async binary(handle) {
      return binaries.get(handle);
    },
    async downloadPath(handle) {
      return downloads.get(handle);
    },
    async mediaFile(id) {
      return media.servableFile(id) ?? null;
    },
    async uploadsDir() {
      return privateDir(uploadsPath);
    },
    async dispose() {
      await jobs.cancelAll();
      await models.dispose();
      listeners.clear();
    },
  };
}
