// Events the service pushes (SSE in the browser mode, IPC in Electron). Small JSON only: a frame
// event carries a BinaryRef to its maps, never the values.
import type { BinaryRef } from './binary.js';
import type { ServiceErrorInfo } from './errors.js';
import type { ExportResult, FrameSummary, JobId, JobKind, MapInfo } from './types.js';
import { VOLUME_EVENT_TYPES, type VolumeEvent } from './volume.js';

export interface JobProgressEvent {
  type: 'job.progress';
  jobId: JobId;
  kind: JobKind;
  done: number;
  total: number;
  /** frames a second (video), null otherwise */
  fps: number | null;
  etaS: number | null;
  /** what is happening, for a status line ("downloading model", "analysing") */
  stage: string;
}

export interface JobFrameEvent {
  type: 'job.frame';
  jobId: JobId;
  frame: FrameSummary;
  /** [2, mapCount, mapHeight, mapWidth]: normalised values, then raw */
  maps: BinaryRef;
  mapInfo: MapInfo[];
}

export interface JobDoneEvent {
  type: 'job.done';
  jobId: JobId;
  kind: JobKind;
  /** export jobs: the written file */
  export: ExportResult | null;
}

export interface JobErrorEvent {
  type: 'job.error';
  jobId: JobId;
  kind: JobKind;
  error: ServiceErrorInfo;
}

export interface JobCancelledEvent {
  type: 'job.cancelled';
  jobId: JobId;
  kind: JobKind;
}

export type CoreEvent = JobProgressEvent | JobFrameEvent | JobDoneEvent | JobErrorEvent | JobCancelledEvent;
export type ServiceEvent = CoreEvent | VolumeEvent;
export type ServiceEventType = ServiceEvent['type'];

export const SERVICE_EVENT_TYPES: readonly ServiceEventType[] = ['job.progress', 'job.frame', 'job.done', 'job.error', 'job.cancelled', ...VOLUME_EVENT_TYPES];
