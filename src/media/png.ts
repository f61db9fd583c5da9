// PNG output for rendered overlays. Encoding is pure (pngjs, no native code); writing goes to a
// temporary file in the destination folder and is renamed over the target only once complete, so a
// crash or a full disk never leaves a truncated PNG where a finished one is expected (rename within
// one folder is atomic on POSIX and replaces the target on Windows too).
import { stat } from 'node:fs/promises';
import { writeFileAtomic } from '../fs/writeFileAtomic.js';
import path from 'node:path';
import { PNG } from 'pngjs';
import { MediaError } from './errors.js';
import type { RgbImage } from './types.js';

/** Throws unless `img` is a well-formed RGB image. */
export function assertRgbImage(img: RgbImage, what = 'image'): void {
  if (!Number.isInteger(img.width) || !Number.isInteger(img.height) || img.width < 1 || img.height < 1) {
    throw new MediaError('invalid-argument', `${what}: width and height must be positive integers, got ${img.width}x${img.height}`);
  }
  if (img.data.length !== img.width * img.height * 3) {
    throw new MediaError(
      'invalid-argument',
      `${what}: data has ${img.data.length} bytes, expected ${img.width}x${img.height}x3 = ${img.width * img.height * 3}`,
    );
  }
}

/** Encodes an RGB image as an 8-bit truecolour PNG (no alpha). */
export function encodePng(img: RgbImage): Buffer {
  assertRgbImage(img);
  const data = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  // sync.write only reads width, height and data; a full PNG instance would allocate an RGBA buffer.
  const meta = { width: img.width, height: img.height, data } as unknown as PNG;
  return PNG.sync.write(meta, { colorType: 2, inputColorType: 2, inputHasAlpha: false, bitDepth: 8 });
}

/**
 * A one-line 'write-failed' MediaError for a failed file-system call on `file`, saying why in words
 * (missing folder, permission, full disk...). `what` names the kind of output ("PNG", "video").
 */
export async function writeFailure(file: string, e: unknown, what = 'PNG'): Promise<MediaError> {
  const err = e as NodeJS.ErrnoException;
  const dir = path.dirname(file);
  // ENOENT also comes from special file systems (/proc) whose folder does exist.
  const dirExists = err.code === 'ENOENT' && (await stat(dir).then((s) => s.isDirectory(), () => false));
  const reason =
    err.code === 'ENOENT' ? (dirExists ? `cannot create files in "${dir}"` : `folder "${dir}" does not exist`)
    : err.code === 'EACCES' || err.code === 'EPERM' ? 'permission denied'
    : err.code === 'ENOSPC' ? 'no space left on device'
    : err.code === 'EROFS' ? 'read-only file system'
    : err.code === 'EISDIR' ? 'it is a directory'
    : err.code === 'ENOTDIR' ? 'a parent of it is not a folder'
    : (err.message ?? String(e));
  return new MediaError('write-failed', `Cannot write ${what} "${file}": ${reason}`, { file, cause: e });
}

/** Writes `img` as a PNG to `file` atomically (temporary file + rename). Rejects with 'write-failed'. */
export async function writePng(file: string, img: RgbImage): Promise<void> {
  const bytes = encodePng(img);
  // A directory at the target would otherwise be reported by rename with a puzzling code.
  const existing = await stat(file).catch(() => null);
  if (existing?.isDirectory()) throw await writeFailure(file, Object.assign(new Error('is a directory'), { code: 'EISDIR' }));

  try {
    await writeFileAtomic(file, bytes);
  } catch (e) {
    throw await writeFailure(file, e);
  }
}
