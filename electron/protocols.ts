// The app's custom protocols: l2caf-app:// serves the built renderer (so the CSP's 'self' means
// the app and nothing else), l2caf-media:// streams opened media with Range requests (the <video>
// element seeks with them), l2caf-bin:// answers binary handles. Checked as in the HTTP server:
// static files only inside the renderer folder, media only by the id of a video the service
// opened and checked, and only while the path still names that same file (openVerified).
import { createReadStream } from 'node:fs';
import { stat, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { HANDLE_RE } from '../src/contract/index.js';
import type { Service } from '../src/service/service.js';
import { openVerified } from '../src/fs/openVerified.js';
import { parseRange } from '../src/server/range.js';
import { contentType, mediaType, resolveStaticPath } from '../src/server/staticPath.js';

export const APP_SCHEME = 'l2caf-app';
export const APP_ORIGIN = `${APP_SCHEME}://app`;
export const MEDIA_SCHEME = 'l2caf-media';
export const BIN_SCHEME = 'l2caf-bin';

export const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; media-src 'self' blob: l2caf-media:; connect-src 'self' l2caf-bin:; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'none'";

const text = (status: number, body: string) => new Response(body, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });

async function fileResponse(source: string | { handle: FileHandle; size: number }, type: string, range: string | null, extra: Record<string, string> = {}): Promise<Response> {
  let size: number;
  if (typeof source === 'string') {
    const st = await stat(source).catch(() => null);
    if (!st?.isFile()) return text(404, 'not found');
    size = st.size;
  } else size = source.size;
  const r = parseRange(range ?? undefined, size);
  if (r.kind === 'unsatisfiable' || size === 0) {
    if (typeof source !== 'string') await source.handle.close().catch(() => {});
    if (r.kind === 'unsatisfiable') return new Response(null, { status: 416, headers: { 'Content-Range': `bytes */${size}` } });
  }
  const [start, end] = r.kind === 'partial' ? [r.start, r.end] : [0, size - 1];
  const stream = size === 0 ? null : typeof source === 'string' ? createReadStream(source, { start, end }) : source.handle.createReadStream({ start, end, autoClose: true });
  const body = stream ? (Readable.toWeb(stream) as unknown as ReadableStream) : null;
  return new Response(body, {
    status: r.kind === 'partial' ? 206 : 200,
    headers: {
      'Content-Type': type, 'Accept-Ranges': 'bytes', 'Content-Length': String(end - start + 1), ...extra,
      ...(r.kind === 'partial' ? { 'Content-Range': `bytes ${start}-${end}/${size}` } : {}),
    },
  });
}

export function appHandler(rendererDir: string) {
  return async (req: Request): Promise<Response> => {
    const u = new URL(req.url);
    if (u.host !== 'app') return text(403, 'refused');
    const file = resolveStaticPath(rendererDir, u.pathname);
    if (!file) return text(403, 'path refused');
    return fileResponse(file, contentType(file), null, { 'Content-Security-Policy': CSP });
  };
}

export function mediaHandler(service: Pick<Service, 'mediaFile'>) {
  return async (req: Request): Promise<Response> => {
    const id = decodeURIComponent(new URL(req.url).pathname.replace(/^\//, ''));
    const known = HANDLE_RE.test(id) ? await service.mediaFile(id) : null;
    if (!known) return text(404, 'no opened video has that id');
    const opened = await openVerified(known);
    if (!opened) return text(410, 'the file changed since it was opened: open it again');
    return fileResponse(opened, mediaType(known.path), req.headers.get('range'));
  };
}

export function binHandler(service: Service) {
  return async (req: Request): Promise<Response> => {
    const h = decodeURIComponent(new URL(req.url).pathname.replace(/^\//, ''));
    const b = HANDLE_RE.test(h) ? await service.binary(h) : undefined;
    if (!b) return text(404, 'no such handle');
    return new Response(new Uint8Array(b.bytes), { headers: { 'Content-Type': 'application/octet-stream' } });
  };
}
