// One error type for everything that goes wrong reading or writing a scan, so a CLI or UI can
// catch it and show the message as is: a single line that starts with the file or folder.

export class VolumeError extends Error {
  readonly path: string;

  constructor(path: string, message: string) {
    // Newlines would break the "one line" promise; the callers build messages from file contents.
    super(`${path}: ${message}`.replace(/\s*\n\s*/g, ' '));
    this.name = 'VolumeError';
    this.path = path;
  }
}
