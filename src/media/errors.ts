// One error type for everything the media layer reports, so callers (CLI, Electron UI) can show
// `message` as one line and branch on `code` without parsing text. Every message names the file.

export type MediaErrorCode =
  /** the input file does not exist */
  | 'not-found'
  /** the path exists but is not a regular file (a directory, a device) */
  | 'not-a-file'
  /** the file has zero bytes */
  | 'empty'
  /** ffmpeg could not read it as an image or video (corrupt, unknown format, text) */
  | 'unreadable'
  /** readable, but holds no picture (audio only, a text file ffmpeg would render as ANSI art) */
  | 'no-image'
  /** ffmpeg ran and failed for another reason */
  | 'ffmpeg-failed'
  /** no ffmpeg binary could be found or started */
  | 'ffmpeg-missing'
  /** cancelled through an AbortSignal */
  | 'aborted'
  /** ffmpeg took longer than the allowed time */
  | 'timeout'
  /** ffmpeg produced more output than the caller allowed */
  | 'output-limit'
  /** an output file could not be written */
  | 'write-failed'
  /** bad arguments from the caller */
  | 'invalid-argument'
  /** a video stream from which not a single frame decodes (header only, data missing) */
  | 'no-frames'
  /** a requested time range that holds no frame of the clip */
  | 'out-of-range';

export class MediaError extends Error {
  readonly code: MediaErrorCode;
  /** The file concerned, when there is one. */
  readonly file: string | undefined;

  constructor(code: MediaErrorCode, message: string, options?: { file?: string; cause?: unknown }) {
    // Keep messages on one line: they end up in CLI output and UI toasts.
    super(message.replace(/\s*\n\s*/g, ' '), options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = code === 'aborted' ? 'AbortError' : 'MediaError';
    this.code = code;
    this.file = options?.file;
  }
}

/** True for a MediaError with the given code (or any MediaError when code is omitted). */
export function isMediaError(e: unknown, code?: MediaErrorCode): e is MediaError {
  return e instanceof MediaError && (code === undefined || e.code === code);
}
