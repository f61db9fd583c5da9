// What every part of the service shares: the binary store, the job registry, the event sink and
// its folders. Method modules (videoService, volumeService, ...) are factories over this context.
import type { ServiceEvent, ServiceMethods } from '../contract/index.js';
import type { JobRegistry } from '../jobs/jobRegistry.js';
import type { BinaryStore } from './binaryStore.js';

export interface ServiceContext {
  binaries: BinaryStore;
  jobs: JobRegistry;
  emit(e: ServiceEvent): void;
  /** the service's own folder: recent.json, uploads/, exports/ */
  dataDir: string;
  /** model/sample cache (default: the engine's) */
  cacheDir?: string;
  /** the video pipeline's disk cache; null disables it */
  videoCacheDir: string | null;
  /** backbone worker threads for video and volume jobs (default: every core; 0: none) */
  workers?: number;
  host: 'electron' | 'web' | 'test';
}

/** Implementations of a slice of the contract: one async function per method. */
export type Handlers<M extends Partial<Record<keyof M, { args: unknown; result: unknown }>>> = {
  // `signal`: the caller gave up (the HTTP client, or the Electron page, went away); handlers of long calls stop on it
  [K in keyof M]: M[K] extends { args: infer A; result: infer R } ? (args: A, signal?: AbortSignal) => Promise<R> : never;
};

export type ServiceHandlers = Handlers<ServiceMethods>;
