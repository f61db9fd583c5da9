// Engine errors -> ServiceError codes, so the window shows the engine's own one-line message
// under a code the UI can act on (e.g. 'media' -> "choose another file").
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { ServiceError } from '../contract/index.js';
import { MediaError } from '../media/errors.js';
import { ModelResolveError } from '../models/resolve-errors.js';
import { ModelFileError } from '../models/fileHandler.js';
import { UsageError } from '../engine/targets.js';
import { appModelMessage, type ModelChoice } from './modelErrorWording.js';

/** `where`: the control the view asks for a model with (a model error's advice names it). */
/** The engine's advice to run a command, as the app's windows offer it (their layer lists). */
export function appAdvice(message: string): string {
  return message.replace(/ \(run `l2caf layers` to list them\)/g, ' (the layer list shows them)');
}

export function toServiceError(e: unknown, context?: string, where: ModelChoice = 'menu'): ServiceError {
  if (e instanceof ServiceError) return e;
  const msg = appAdvice((e as Error)?.message ?? String(e));
  const withCtx = (m: string) => (context ? `${context}: ${m}` : m);
  if (e instanceof MediaError) return new ServiceError(e.code === 'aborted' ? 'cancelled' : 'media', msg, e.file);
  // a download stopped by the caller's signal (media.sample) was cancelled, not a model problem
  if (e instanceof ModelResolveError && e.code === 'ABORTED') return new ServiceError('cancelled', withCtx(msg));
  if (e instanceof ModelResolveError) return new ServiceError('model', withCtx(appModelMessage(e, where) ?? msg));
  if (e instanceof ModelFileError) return new ServiceError('model', withCtx(msg));
  if (e instanceof UsageError) return new ServiceError('bad-arguments', withCtx(msg));
  if ((e as Error)?.name === 'AbortError') return new ServiceError('cancelled', 'cancelled');
  return new ServiceError('internal', withCtx(msg.split('\n')[0] || 'unknown error'));
}

/**
 * An upload's error as its sender knows the file: by the name they picked, not by where the
 * browser mode stored it (uploads/<random>/<name>, a path on the server that means nothing in the
 * browser). Other errors, and errors about other files, pass unchanged.
 */
export function asUploadError(e: unknown, file: string, uploadsDir: string): unknown {
  const rel = path.relative(uploadsDir, file);
  if (!rel || rel.startsWith('..') || path.isAbsolute(rel) || !(e instanceof Error)) return e;
  const name = path.basename(file);
  // (the probes name the file by its real path: a data folder under a symbolic link, as macOS's
  // /var or a linked home folder, would otherwise still show uploads/<id>/...)
  const real = realOr(file);
  const paths = real === file ? [file] : [real, file];
  const message = paths.reduce((m, p) => m.split(p).join(name), e.message);
  const fileOf = (f: string | undefined) => (f !== undefined && paths.includes(f) ? name : f);
  if (e instanceof MediaError) return new MediaError(e.code, message, { file: fileOf(e.file) ?? name, cause: e });
  if (e instanceof ServiceError) return new ServiceError(e.code, message, fileOf(e.file));
  return new Error(message, { cause: e });
}

function realOr(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}
