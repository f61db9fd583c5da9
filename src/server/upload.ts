// Browser-mode upload: the page streams a file's bytes (POST /upload?name=...) into the service's
// uploads folder under a fresh name, written to a temporary name and renamed when complete, so a
// cut connection never leaves a half file that looks finished.
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { IncomingMessage } from 'node:http';

export const MAX_UPLOAD_BYTES = 8 * 1024 ** 3;

/** Pure: a harmless file name from what the browser says (keeps the extension, which ffmpeg and kindOf use). */
export function safeUploadName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const cleaned = base.replace(/[^A-Za-z0-9._ ()-]/g, '_').replace(/^\.+/, '').trim().slice(-120);
  return cleaned || 'upload';
}

export class UploadError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export async function receiveUpload(req: IncomingMessage, dir: string, name: string, maxBytes = MAX_UPLOAD_BYTES): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw new UploadError(413, `the file is larger than ${maxBytes} bytes`);
  // a folder of its own keeps the user's file name (shown in the window, used for export names)
  const folder = path.join(dir, randomBytes(6).toString('hex'));
  await mkdir(folder, { recursive: true });
  const final = path.join(folder, safeUploadName(name));
  const tmp = path.join(folder, `.${path.basename(final)}.part`);
  let received = 0;
  req.on('data', (c: Buffer) => {
    received += c.length;
    if (received > maxBytes) req.destroy(new UploadError(413, `the file is larger than ${maxBytes} bytes`));
  });
  try {
    await pipeline(req, createWriteStream(tmp, { flags: 'wx' }));
    if (received === 0) throw new UploadError(400, 'the upload is empty');
    await rename(tmp, final);
    return final;
  } catch (e) {
    await rm(folder, { recursive: true, force: true }).catch(() => {});
    throw e instanceof UploadError ? e : new UploadError(400, `upload failed: ${(e as Error).message}`);
  }
}
