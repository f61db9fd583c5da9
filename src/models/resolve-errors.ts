// Errors of model resolution. Every message is one line that says what went wrong and what to do.

export type ResolveErrorCode =
  /** an id that is not in the catalogue */
  | 'UNKNOWN_MODEL'
  /** a path (folder, model.json, .onnx, file:// URL) that does not exist or is not a model */
  | 'NOT_FOUND'
  /** nothing cached, no mirror copy, and downloads are not allowed */
  | 'OFFLINE'
  /** the model has no public URL and no mirror copy was found */
  | 'MIRROR_ONLY'
  /** could not reach the server */
  | 'NETWORK'
  /** the server answered with an HTTP error */
  | 'HTTP'
  /** a file's sha256 or size differs from the catalogue (download or mirror copy) */
  | 'INTEGRITY'
  /** files without a recorded sha256, and allowUnverified was not given */
  | 'UNVERIFIED'
  /** the AbortSignal fired */
  | 'ABORTED'
  /** anything else (disk full, permissions, ...) */
  | 'IO';

export class ModelResolveError extends Error {
  readonly code: ResolveErrorCode;
  /** The file (inside the model folder) the error is about, when there is one. */
  readonly file?: string;
  /** The URL the error is about, when there is one. */
  readonly url?: string;
  /** The catalogue id the error is about, when there is one (the app words its own advice with it). */
  readonly model?: string;

  constructor(code: ResolveErrorCode, message: string, extra: { file?: string; url?: string; model?: string; cause?: unknown } = {}) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'ModelResolveError';
    this.code = code;
    if (extra.file !== undefined) this.file = extra.file;
    if (extra.url !== undefined) this.url = extra.url;
    if (extra.model !== undefined) this.model = extra.model;
  }
}

/** What to do when a model cannot be fetched: one sentence, for the end of error messages. */
export function offlineHint(id: string): string {
  return `set L2CAF_MODEL_MIRROR to a folder holding ${id}/, pass --model DIR with a model folder, or connect to the internet and try again`;
}
