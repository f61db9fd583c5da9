// `l2caf serve`: the service over HTTP for the browser mode. Bound to 127.0.0.1 only (never a
// public interface), a random port by default. Every request is checked (THREATS.md beside this
// file says against whom):
//  - Host must be 127.0.0.1:<port> or localhost:<port> (DNS rebinding: a foreign site whose name
//    resolves to 127.0.0.1 sends its own Host);
//  - everything but the renderer's static files needs the session cookie (session.ts): the
//    printed sign-in URL is exchanged for it once; without it the answer is 401; API calls,
//    uploads, events and binaries need the session's page key too (the cookie alone also reaches
//    other servers on 127.0.0.1: cookies ignore ports), media and downloads an id only the API hands out;
//  - requests a browser marks as coming from another page (another port counts), or whose Origin
//    is not this server's, are refused;
//  - POST /api/<method>: only allowlisted methods, arguments checked by the service (400 otherwise),
//    bodies refused by their declared size before they are read;
//  - static files only from the renderer folder (no traversal), media only by the id of a file the
//    service opened and checked (same inode when served), binaries and downloads only by handle.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { createReadStream } from 'node:fs';
import { readFile, stat, type FileHandle } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { HANDLE_RE, isServiceMethod, KEY_HEADER, KEY_META, KEY_PARAM, toErrorInfo, type ServiceErrorCode } from '../contract/index.js';
import type { Service } from '../service/service.js';
import { parseRange } from './range.js';
import { contentType, downloadName, downloadType, mediaType, resolveStaticPath } from './staticPath.js';
import { serveEvents } from './sse.js';
import { receiveUpload, UploadError } from './upload.js';
import { writeFolderZip } from './zipFolder.js';
import { fromAnotherPage, Sessions } from './session.js';
import { openVerified } from '../fs/openVerified.js';

export interface ServerOptions {
  service: Service;
  /** built renderer (dist/renderer) */
  staticDir: string;
  /** 0 = random */
  port?: number;
  /** fixed sign-in token (tests); default random */
  token?: string;
  /** largest JSON body */
  maxBodyBytes?: number;
}

export interface RunningServer {
  /** the origin + '/' (opens nothing without a session) */
  url: string;
  /** the one-time sign-in URL: print it to the user who started the server, and nowhere else */
  signInUrl: string;
  port: number;
  close(): Promise<void>;
}

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

/** Pure: the problem with a body's declared size, or null (a missing length is checked while reading). */
export function declaredTooLarge(contentLength: string | undefined, max: number): boolean {
  const n = Number(contentLength ?? NaN);
  return Number.isFinite(n) && n > max;
}

async function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  if (declaredTooLarge(req.headers['content-length'], max)) throw new UploadError(413, `request body larger than ${max} bytes`);
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    n += (c as Buffer).length;
    if (n > max) throw new UploadError(413, `request body larger than ${max} bytes`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

const SIGN_IN_PAGE = (message: string) =>
  `<!doctype html><meta charset="utf-8"><title>L2-CAF Studio</title><body>` +
  `<h1>L2-CAF Studio</h1><p data-testid="sign-in">${message}</p></body>`;

/** Pure: the page with the session's key in a <meta> (before </head>; the key is base64url, nothing to escape). */
export function withPageKey(html: string, key: string): string {
  const meta = `<meta name="${KEY_META}" content="${key}">`;
  const i = html.indexOf('</head>');
  return i < 0 ? `${meta}${html}` : `${html.slice(0, i)}${meta}\n${html.slice(i)}`;
}

/** Pure: whether a Content-Type header names JSON (parameters such as charset allowed, nothing else). */
export function isJsonType(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase() === 'application/json';
}

/** Aborts when the client goes away before the response has been sent (a closed tab, a cut download). */
function clientGone(res: ServerResponse): AbortSignal {
  const gone = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) gone.abort();
  });
  return gone.signal;
}

/** Pure: whether a Host header names this server on the loopback interface. */
export function isAllowedHost(host: string | undefined, port: number): boolean {
  return host === `${LOOPBACK}:${port}` || host === `localhost:${port}`;
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const { service } = opts;
  const maxBody = opts.maxBodyBytes ?? 1024 * 1024;
  let sessions: Sessions | null = null;
  const staticRoot = path.resolve(opts.staticDir);
  let port = 0;

  /** A file (or an already verified handle) with Range support; the handle is always closed. */
  const streamFile = async (req: IncomingMessage, res: ServerResponse, source: string | { handle: FileHandle; size: number }, type: string, extra: Record<string, string> = {}) => {
    let opened: { handle: FileHandle; size: number } | null = typeof source === 'string' ? null : source;
    let size: number;
    if (opened) size = opened.size;
    else {
      const st = await stat(source as string).catch(() => null);
      if (!st || !st.isFile()) return sendError(res, 404, 'not-found', 'file not found');
      size = st.size;
    }
    const release = () => {
      void opened?.handle.close().catch(() => {});
      opened = null;
    };
    const range = parseRange(req.headers.range, size);
    const base = { 'Content-Type': type, 'Accept-Ranges': 'bytes', 'Cache-Control': 'no-store', ...extra };
    if (range.kind === 'unsatisfiable') {
      release();
      res.writeHead(416, { ...base, 'Content-Range': `bytes */${size}` });
      res.end();
      return;
    }
    const [start, end] = range.kind === 'partial' ? [range.start, range.end] : [0, size - 1];
    res.writeHead(range.kind === 'partial' ? 206 : 200, {
      ...base,
      'Content-Length': String(Math.max(0, end - start + 1)),
      ...(range.kind === 'partial' ? { 'Content-Range': `bytes ${start}-${end}/${size}` } : {}),
    });
    if (req.method === 'HEAD' || size === 0) {
      release();
      res.end();
      return;
    }
    const s = opened ? opened.handle.createReadStream({ start, end, autoClose: true }) : createReadStream(source as string, { start, end });
    opened = null; // the stream owns the handle now (autoClose)
    s.on('error', () => res.destroy());
    res.on('close', () => s.destroy());
    s.pipe(res);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    if (!isAllowedHost(req.headers.host, port) || !sessions) return sendError(res, 403, 'bad-arguments', 'wrong Host header');
    const url = new URL(req.url ?? '/', `http://${LOOPBACK}:${port}`);
    const p = url.pathname;
    const method = req.method ?? 'GET';
    const signedIn = sessions.signedIn(req.headers.cookie);
    const isPage = p === '/' || p === '/index.html';
    const isStatic = !isPage && !p.startsWith('/api/') && !['/events', '/media', '/upload'].includes(p) && !/^\/(bin|download|media)\//.test(p);

    // (before the other-page check: the printed link may be followed from anywhere, a chat or a
    // notes page; only its holder knows the token)
    if (isPage && url.searchParams.has('token')) {
      // the sign-in URL: spend the token for a session cookie and the page, with the session's key
      // in it (the page keeps the key and drops the token from the address bar, #sample and all
      // kept); a browser signed in already goes to the page it has
      const session = signedIn ? null : sessions.exchange(url.searchParams.get('token') ?? '');
      if (!signedIn && !session) {
        res.writeHead(401, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': CSP, 'Cache-Control': 'no-store' });
        return void res.end(SIGN_IN_PAGE('This sign-in link has been used already (or is wrong). Each link opens one browser: restart <code>l2caf serve</code> for a new one.'));
      }
      if (!session) {
        res.writeHead(303, { Location: '/', 'Cache-Control': 'no-store' });
        return void res.end();
      }
      const page = await readFile(path.join(staticRoot, 'index.html'), 'utf8').catch(() => null);
      if (page === null) return sendError(res, 404, 'not-found', 'the renderer is not built: run npm run build:renderer');
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': CSP, 'Cache-Control': 'no-store', 'Set-Cookie': session.setCookie });
      return void res.end(withPageKey(page, session.key));
    }
    if (!isStatic && fromAnotherPage(req.headers['sec-fetch-site'], req.headers.origin, [`http://${LOOPBACK}:${port}`, `http://localhost:${port}`])) {
      return sendError(res, 403, 'bad-arguments', 'requests from other pages are refused');
    }
    if (!isStatic) {
      if (!signedIn) {
        if (isPage) {
          res.writeHead(401, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': CSP, 'Cache-Control': 'no-store' });
          return void res.end(SIGN_IN_PAGE('Open the address that <code>l2caf serve</code> printed in its terminal: it signs this browser in.'));
        }
        return sendError(res, 401, 'bad-arguments', 'not signed in: open the address that l2caf serve printed');
      }
      // media (a <video>'s requests) and downloads (a link) cannot bring a header: their ids,
      // random and handed out by the API only, are what the key is elsewhere
      const needsKey = p.startsWith('/api/') || p === '/upload' || p === '/events' || p.startsWith('/bin/');
      const key = p === '/events' ? url.searchParams.get(KEY_PARAM) : req.headers[KEY_HEADER];
      if (needsKey && !sessions.authorised(req.headers.cookie, typeof key === 'string' ? key : null)) {
        return sendError(res, 401, 'bad-arguments', 'this page has no key for the session: open the address that l2caf serve printed');
      }
    }

    if (p.startsWith('/api/')) {
      if (method !== 'POST') return sendError(res, 405, 'bad-arguments', 'use POST');
      // a form or a no-CORS fetch from another site cannot send application/json
      if (!isJsonType(req.headers['content-type'])) return sendError(res, 415, 'bad-arguments', 'send application/json');
      let name: string;
      try {
        name = decodeURIComponent(p.slice(5));
      } catch {
        return sendError(res, 400, 'bad-arguments', 'the method name is not valid percent-encoding');
      }
      if (!isServiceMethod(name)) return sendError(res, 404, 'unknown-method', `unknown method ${JSON.stringify(name.slice(0, 80))}`);
      let args: unknown;
      try {
        const body = await readBody(req, maxBody);
        args = body.length ? JSON.parse(body.toString('utf8')) : {};
      } catch (e) {
        if (e instanceof UploadError) {
          // refused before (or while) reading: close the connection so the client stops sending
          res.setHeader('Connection', 'close');
          return sendError(res, e.status, 'bad-arguments', e.message);
        }
        return sendError(res, 400, 'bad-arguments', 'the body is not JSON');
      }
      try {
        // a client that goes away before the answer (a closed tab) stops a long call
        const result = await service.call(name, args, clientGone(res));
        return sendJson(res, 200, { result: result ?? null });
      } catch (e) {
        const info = toErrorInfo(e);
        return sendJson(res, STATUS[info.code] ?? 500, { error: info });
      }
    }
    if (method !== 'GET' && method !== 'HEAD' && !(method === 'POST' && p === '/upload')) return sendError(res, 405, 'bad-arguments', 'method not allowed');
    if (p === '/events') return serveEvents(service, req, res);
    if (p.startsWith('/bin/')) {
      const h = p.slice(5);
      const b = HANDLE_RE.test(h) ? await service.binary(h) : undefined;
      if (!b) return sendError(res, 404, 'not-found', 'no such handle (it may have expired)');
      res.writeHead(200, {
        'Content-Type': 'application/octet-stream', 'Content-Length': String(b.bytes.byteLength), 'Cache-Control': 'no-store',
        'X-Dtype': b.ref.dtype, 'X-Shape': b.ref.shape.join(','),
      });
      return void res.end(Buffer.from(b.bytes.buffer, b.bytes.byteOffset, b.bytes.byteLength));
    }
    if (p.startsWith('/media/')) {
      const id = p.slice(7);
      const known = HANDLE_RE.test(id) ? await service.mediaFile(id) : null;
      if (!known) return sendError(res, 404, 'not-found', 'no opened video has that id');
      const opened = await openVerified(known);
      if (!opened) return sendError(res, 410, 'not-found', 'the file changed since it was opened: open it again');
      return streamFile(req, res, opened, mediaType(known.path));
    }
    if (p.startsWith('/download/')) {
      const h = p.slice(10);
      const file = HANDLE_RE.test(h) ? await service.downloadPath(h) : undefined;
      if (!file) return sendError(res, 404, 'not-found', 'no such download');
      const name = downloadName(file);
      if ((await stat(file).catch(() => null))?.isDirectory()) {
        // a PNG-sequence export: the folder as one ZIP (a browser cannot save a folder)
        res.writeHead(200, { 'Content-Type': 'application/zip', 'Content-Disposition': `attachment; filename="${name}.zip"`, 'Cache-Control': 'no-store' });
        if (method === 'HEAD') return void res.end();
        try {
          await writeFolderZip(file, res, clientGone(res));
          res.end();
        } catch {
          // headers are sent: a cut connection is how the browser learns the download failed
          res.destroy();
        }
        return;
      }
      // an exported clip or one of its timeline files (each has a handle of its own: ExportResult.sidecarDownloads)
      return streamFile(req, res, file, downloadType(file), { 'Content-Disposition': `attachment; filename="${name}"` });
    }
    if (p === '/upload') {
      if (method !== 'POST') return sendError(res, 405, 'bad-arguments', 'use POST');
      try {
        const saved = await receiveUpload(req, await service.uploadsDir(), url.searchParams.get('name') ?? 'upload');
        return sendJson(res, 200, { result: { path: saved, name: url.searchParams.get('name') ?? path.basename(saved) } });
      } catch (e) {
        const status = e instanceof UploadError ? e.status : 500;
        if (status === 413) res.setHeader('Connection', 'close');
        return sendError(res, status, 'bad-arguments', (e as Error).message);
      }
    }
    if (p === '/media') return sendError(res, 404, 'not-found', 'media are served by id: /media/<id>');
    // the renderer's own files (public code; the key is only in the page the sign-in answers with)
    const file = resolveStaticPath(staticRoot, p);
    if (!file) return sendError(res, 403, 'bad-arguments', 'path refused');
    if (path.basename(file) === 'index.html') {
      const html = await readFile(file, 'utf8').catch(() => null);
      if (html === null) return sendError(res, 404, 'not-found', `the renderer is not built (no ${file}): run npm run build:renderer`);
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': CSP, 'Cache-Control': 'no-store' });
      return void res.end(html);
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
  sessions = new Sessions(port, opts.token);
  const url = `http://${LOOPBACK}:${port}/`;
  return {
    url,
    signInUrl: sessions.signInUrl(url)!,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
