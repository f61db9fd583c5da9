// `l2caf serve`: the service over HTTP for the browser mode. Bound to 127.0.0.1 only (never a
// public interface), a random port by default. Every request is checked:
//  - Host must be 127.0.0.1:<port> or localhost:<port> (DNS rebinding: a foreign site whose name
//    resolves to 127.0.0.1 sends its own Host);
//  - every route but the page itself needs the per-run token (the page gets it in a <meta> tag;
//    a foreign page cannot read it: no CORS headers are ever sent);
//  - POST /api/<method>: only allowlisted methods, arguments checked by the service (400 otherwise);
//  - static files only from the renderer folder (no traversal), media only for files the service
//    opened, binaries and downloads only by handle.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { HANDLE_RE, isServiceMethod, toErrorInfo, type ServiceErrorCode } from '../contract/index.js';
import type { Service } from '../service/service.js';
import { parseRange } from './range.js';
import { contentType, mediaType, resolveStaticPath } from './staticPath.js';
import { serveEvents } from './sse.js';
import { receiveUpload, UploadError } from './upload.js';

export interface ServerOptions {
  service: Service;
  /** built renderer (dist/renderer) */
  staticDir: string;
  /** 0 = random */
  port?: number;
  /** fixed token (tests); default random */
  token?: string;
  /** largest JSON body */
  maxBodyBytes?: number;
}

export interface RunningServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

export const TOKEN_HEADER = 'x-l2caf-token';
export const LOOPBACK = '127.0.0.1';

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const STATUS: Record<ServiceErrorCode, number> = {
  'unknown-method': 404, 'bad-arguments': 400, 'not-found': 404, media: 422, model: 422, cancelled: 409,
  unsupported: 501, 'not-implemented': 501, internal: 500,
};

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const data = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': data.length, 'Cache-Control': 'no-store' });
  res.end(data);
}

function sendError(res: ServerResponse, status: number, code: ServiceErrorCode, message: string): void {
  sendJson(res, status, { error: { code, message } });
}

async function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    n += (c as Buffer).length;
    if (n > max) throw new UploadError(413, `request body larger than ${max} bytes`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

function sameToken(a: string | undefined | null, b: string): boolean {
  if (!a) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Pure: whether a Host header names this server on the loopback interface. */
export function isAllowedHost(host: string | undefined, port: number): boolean {
  return host === `${LOOPBACK}:${port}` || host === `localhost:${port}`;
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const { service } = opts;
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const maxBody = opts.maxBodyBytes ?? 1024 * 1024;
  const staticRoot = path.resolve(opts.staticDir);
  let port = 0;

  const streamFile = async (req: IncomingMessage, res: ServerResponse, file: string, type: string, extra: Record<string, string> = {}) => {
    const st = await stat(file).catch(() => null);
    if (!st || !st.isFile()) return sendError(res, 404, 'not-found', 'file not found');
    const range = parseRange(req.headers.range, st.size);
    const base = { 'Content-Type': type, 'Accept-Ranges': 'bytes', 'Cache-Control': 'no-store', ...extra };
    if (range.kind === 'unsatisfiable') {
      res.writeHead(416, { ...base, 'Content-Range': `bytes */${st.size}` });
      res.end();
      return;
    }
    const [start, end] = range.kind === 'partial' ? [range.start, range.end] : [0, st.size - 1];
    res.writeHead(range.kind === 'partial' ? 206 : 200, {
      ...base,
      'Content-Length': String(Math.max(0, end - start + 1)),
      ...(range.kind === 'partial' ? { 'Content-Range': `bytes ${start}-${end}/${st.size}` } : {}),
    });
    if (req.method === 'HEAD' || st.size === 0) {
      res.end();
      return;
    }
    const s = createReadStream(file, { start, end });
    s.on('error', () => res.destroy());
    res.on('close', () => s.destroy());
    s.pipe(res);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    if (!isAllowedHost(req.headers.host, port)) return sendError(res, 403, 'bad-arguments', 'wrong Host header');
    const url = new URL(req.url ?? '/', `http://${LOOPBACK}:${port}`);
    const p = url.pathname;
    const method = req.method ?? 'GET';
    const authed = sameToken((req.headers[TOKEN_HEADER] as string | undefined) ?? url.searchParams.get('token'), token);

    if (p.startsWith('/api/')) {
      if (method !== 'POST') return sendError(res, 405, 'bad-arguments', 'use POST');
      if (!authed) return sendError(res, 403, 'bad-arguments', 'missing or wrong token');
      // a form or a no-CORS fetch from another site cannot send application/json
      if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return sendError(res, 415, 'bad-arguments', 'send application/json');
      const name = decodeURIComponent(p.slice(5));
      if (!isServiceMethod(name)) return sendError(res, 404, 'unknown-method', `unknown method ${JSON.stringify(name.slice(0, 80))}`);
      let args: unknown;
      try {
        const body = await readBody(req, maxBody);
        args = body.length ? JSON.parse(body.toString('utf8')) : {};
      } catch (e) {
        return e instanceof UploadError ? sendError(res, e.status, 'bad-arguments', e.message) : sendError(res, 400, 'bad-arguments', 'the body is not JSON');
      }
      try {
        const result = await service.call(name, args);
        return sendJson(res, 200, { result: result ?? null });
      } catch (e) {
        const info = toErrorInfo(e);
        return sendJson(res, STATUS[info.code] ?? 500, { error: info });
      }
    }
    if (method !== 'GET' && method !== 'HEAD' && !(method === 'POST' && p === '/upload')) return sendError(res, 405, 'bad-arguments', 'method not allowed');
    if (p === '/events') {
      if (!authed) return sendError(res, 403, 'bad-arguments', 'missing or wrong token');
      return serveEvents(service, req, res);
    }
    if (p.startsWith('/bin/')) {
      if (!authed) return sendError(res, 403, 'bad-arguments', 'missing or wrong token');
      const h = p.slice(5);
      const b = HANDLE_RE.test(h) ? await service.binary(h) : undefined;
      if (!b) return sendError(res, 404, 'not-found', 'no such handle (it may have expired)');
      res.writeHead(200, {
        'Content-Type': 'application/octet-stream', 'Content-Length': String(b.bytes.byteLength), 'Cache-Control': 'no-store',
        'X-Dtype': b.ref.dtype, 'X-Shape': b.ref.shape.join(','),
      });
      return void res.end(Buffer.from(b.bytes.buffer, b.bytes.byteOffset, b.bytes.byteLength));
    }
    if (p === '/media') {
      if (!authed) return sendError(res, 403, 'bad-arguments', 'missing or wrong token');
      const file = url.searchParams.get('path') ?? '';
      const allowed = file && !file.includes('\0') ? await service.mediaPath(file) : null;
      if (!allowed) return sendError(res, 403, 'not-found', 'that file has not been opened');
      return streamFile(req, res, allowed, mediaType(allowed));
    }
    if (p.startsWith('/download/')) {
      if (!authed) return sendError(res, 403, 'bad-arguments', 'missing or wrong token');
      const h = p.slice(10);
      const file = HANDLE_RE.test(h) ? await service.downloadPath(h) : undefined;
      if (!file) return sendError(res, 404, 'not-found', 'no such download');
      const name = path.basename(file).replace(/[^A-Za-z0-9._-]/g, '_');
      return streamFile(req, res, file, mediaType(file), { 'Content-Disposition': `attachment; filename="${name}"` });
    }
    if (p === '/upload') {
      if (method !== 'POST') return sendError(res, 405, 'bad-arguments', 'use POST');
      if (!authed) return sendError(res, 403, 'bad-arguments', 'missing or wrong token');
      try {
        const saved = await receiveUpload(req, await service.uploadsDir(), url.searchParams.get('name') ?? 'upload');
        return sendJson(res, 200, { result: { path: saved, name: url.searchParams.get('name') ?? path.basename(saved) } });
      } catch (e) {
        const status = e instanceof UploadError ? e.status : 500;
        return sendError(res, status, 'bad-arguments', (e as Error).message);
      }
    }
    // the renderer's own files
    const file = resolveStaticPath(staticRoot, p);
    if (!file) return sendError(res, 403, 'bad-arguments', 'path refused');
    if (path.basename(file) === 'index.html') {
      const html = await readFile(file, 'utf8').catch(() => null);
      if (html === null) return sendError(res, 404, 'not-found', `the renderer is not built (no ${file}): run npm run build:renderer`);
      const page = html.replace('<meta name="l2caf-token" content="">', `<meta name="l2caf-token" content="${token}">`);
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': CSP, 'Cache-Control': 'no-store' });
      return void res.end(page);
    }
    return streamFile(req, res, file, contentType(file), { 'Content-Security-Policy': CSP });
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e) => {
      if (!res.headersSent) sendError(res, 500, 'internal', toErrorInfo(e).message);
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, LOOPBACK, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://${LOOPBACK}:${port}/`,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
