// Test helpers for the local server: one HTTP request (no cookie jar, no redirects followed), and
// signing in the way a browser does (GET the printed sign-in URL, keep the session cookie and the
// page key the answer carries).
import http from 'node:http';
import type { RunningServer } from '../../src/server/server.js';
import { KEY_HEADER, KEY_META } from '../../src/contract/index.js';

export interface Res {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export function request(port: number, p: string, opts: { method?: string; headers?: Record<string, string>; body?: Buffer | string; host?: string } = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: opts.host ?? '127.0.0.1', port, path: p, method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

export interface TestSession {
  /** the Cookie header value */
  cookie: string;
  /** the page key */
  key: string;
  /** both, as request headers */
  headers: Record<string, string>;
}

/** Pure: the page key in the page a sign-in answered with, or null. */
export function pageKeyIn(html: string): string | null {
  return new RegExp(`<meta name="${KEY_META}" content="([A-Za-z0-9_-]+)">`).exec(html)?.[1] ?? null;
}

/** Spends the server's sign-in URL; returns the session's cookie and page key. */
export async function signIn(server: Pick<RunningServer, 'port' | 'signInUrl'>): Promise<TestSession> {
  const u = new URL(server.signInUrl);
  const r = await request(server.port, `${u.pathname}${u.search}`);
  if (r.status !== 200) throw new Error(`sign-in answered ${r.status}`);
  const cookie = (r.headers['set-cookie']?.[0] ?? '').split(';')[0]!;
  const key = pageKeyIn(r.body.toString());
  if (!cookie || !key) throw new Error('sign-in gave no cookie or no page key');
  return { cookie, key, headers: { Cookie: cookie, [KEY_HEADER]: key } };
}
