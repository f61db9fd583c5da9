// Browser-mode upload: the page streams a file's bytes (POST /upload?name=...) into the service's
// uploads folder, written to a temporary folder and moved when complete, so a cut connection never
// leaves a half file that looks finished. The folder is named by the bytes' sha256: the same file
// uploaded again is the same path (one entry in the recent files, the analysis cache's hits).
import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { IncomingMessage } from 'node:http';
import { makeDirs } from '../fs/makeDirs.js';

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

/** Pure: the folder (under the uploads folder) of an upload whose bytes hash to `sha256hex`. */
export function uploadFolderName(sha256hex: string): string {
  return sha256hex.slice(0, 24);
}

export async function receiveUpload(req: IncomingMessage, dir: string, name: string, maxBytes = MAX_UPLOAD_BYTES): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw new UploadError(413, `the file is larger than ${maxBytes} bytes`);
  // a folder of its own keeps the user's file name (shown in the window, used for export names);
  // its name is known once every byte has arrived, so the bytes land in a temporary one first
  const incoming = path.join(dir, `.incoming-${randomBytes(6).toString('hex')}`);
  await makeDirs(incoming);
  const fileName = safeUploadName(name);
  const tmp = path.join(incoming, fileName);
  const hash = createHash('sha256');
  let received = 0;
  req.on('data', (c: Buffer) => {
    received += c.length;
    hash.update(c);
    if (received > maxBytes) req.destroy(new UploadError(413, `the file is larger than ${maxBytes} bytes`));
  });
  try {
    await pipeline(req, createWriteStream(tmp, { flags: 'wx' }));
    if (received === 0) throw new UploadError(400, 'the upload is empty');
    const folder = path.join(dir, uploadFolderName(hash.digest('hex')));
    const final = path.join(folder, fileName);
    // the same bytes under the same name are there already: that copy is the upload
    if (!(await stat(final).then((st) => st.isFile() && st.size === received, () => false))) {
      await makeDirs(folder);
      await rename(tmp, final);
    }
    return final;
  } catch (e) {
    throw e instanceof UploadError ? e : new UploadError(400, `upload failed: ${(e as Error).message}`);
  } finally {
    await rm(incoming, { recursive: true, force: true }).catch(() => {});
  }
}
