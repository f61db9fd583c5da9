// Test helpers for the local server: one HTTP request (no cookie jar, no redirects followed), and
// signing in the way a browser does (GET the printed sign-in URL, keep the session cookie).
import http from 'node:http';
import type { RunningServer } from '../../src/server/server.js';

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

/** Spends the server's sign-in URL; returns the Cookie header value of the session. */
export async function signIn(server: Pick<RunningServer, 'port' | 'signInUrl'>): Promise<string> {
  const u = new URL(server.signInUrl);
  const r = await request(server.port, `${u.pathname}${u.search}`);
  if (r.status !== 303) throw new Error(`sign-in answered ${r.status}`);
  const set = r.headers['set-cookie']?.[0] ?? '';
  return set.split(';')[0]!;
}
