// Errors as they cross a transport (IPC, HTTP, a worker's messages): plain data, one readable line.
// The service throws ServiceError; every binding turns any other error into code 'internal' with
// its message, so the window can always show something readable.

export type ServiceErrorCode =
  /** the method is not in the allowlist */
  | 'unknown-method'
  /** arguments failed the contract's checks */
  | 'bad-arguments'
  /** a job, handle or file that does not exist (or is no longer kept) */
  | 'not-found'
  /** the media file cannot be used (not a video, unreadable, empty...) */
  | 'media'
  /** the model cannot be found or loaded */
  | 'model'
  /** the job was cancelled */
  | 'cancelled'
  /** this host cannot do that (e.g. a native dialog in the browser mode) */
  | 'unsupported'
  /** not written yet (stubs) */
  | 'not-implemented'
  | 'internal';

export interface ServiceErrorInfo {
  code: ServiceErrorCode;
  message: string;
  /** the file concerned, when there is one */
  file?: string;
}

export class ServiceError extends Error {
  readonly code: ServiceErrorCode;
  readonly file: string | undefined;
  constructor(code: ServiceErrorCode, message: string, file?: string) {
    super(message.replace(/\s*\n\s*/g, ' '));
    this.name = 'ServiceError';
    this.code = code;
    this.file = file;
  }
  toInfo(): ServiceErrorInfo {
    return this.file === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, file: this.file };
  }
  static fromInfo(i: ServiceErrorInfo): ServiceError {
    return new ServiceError(i.code, i.message, i.file);
  }
}

/** Any thrown value as transportable data (never loses the message). */
export function toErrorInfo(e: unknown): ServiceErrorInfo {
  if (e instanceof ServiceError) return e.toInfo();
  if (e && typeof e === 'object' && 'code' in e && 'message' in e && typeof (e as ServiceErrorInfo).message === 'string') {
    const c = (e as { code: unknown }).code;
    if (typeof c === 'string' && (SERVICE_ERROR_CODES as readonly string[]).includes(c)) return { code: c as ServiceErrorCode, message: String((e as { message: unknown }).message) };
  }
  const m = e && typeof e === 'object' && 'message' in e ? (e as { message: unknown }).message : undefined;
  const message = typeof m === 'string' ? m : String(e);
  return { code: 'internal', message: message.split('\n')[0] || 'unknown error' };
}

export const SERVICE_ERROR_CODES: readonly ServiceErrorCode[] = [
  'unknown-method', 'bad-arguments', 'not-found', 'media', 'model', 'cancelled', 'unsupported', 'not-implemented', 'internal',
];
