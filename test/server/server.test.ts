// The local server against the real service (media probed with ffmpeg): the token, the Host
// check, the allowlist and argument checks, path traversal, Range requests, uploads, binaries and
// that it listens on 127.0.0.1 only.
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService, type Service } from '../../src/service/service.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { fixture, haveFixture } from '../helpers/fixtures.js';

interface Res {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function request(port: number, p: string, opts: { method?: string; headers?: Record<string, string>; body?: Buffer | string; host?: string } = {}): Promise<Res> {
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

describe('the local server', () => {
  let service: Service;
  let server: RunningServer;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'l2caf-server-'));
  const staticDir = path.join(dir, 'renderer');
  const secret = path.join(dir, 'secret.txt');
  const api = (method: string, args: unknown, token = server.token) =>
    request(server.port, `/api/${method}`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-L2caf-Token': token }, body: JSON.stringify(args) });

  beforeAll(async () => {
    mkdirSync(staticDir);
    writeFileSync(path.join(staticDir, 'index.html'), '<html><head><meta name="l2caf-token" content=""></head></html>');
    writeFileSync(path.join(staticDir, 'app.js'), 'console.log(1)');
    writeFileSync(secret, 'do not serve me');
    service = createService({ host: 'test', dataDir: path.join(dir, 'data'), videoCacheDir: null });
    server = await startServer({ service, staticDir });
  });
  afterAll(async () => {
    await server.close();
    await service.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('listens on 127.0.0.1 on a random port, and on no other interface', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(server.port).toBeGreaterThan(0);
    const external = Object.values(os.networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal);
    if (external) {
      await expect(request(server.port, '/', { host: external.address })).rejects.toThrow(/ECONNREFUSED/);
    }
  });

  it('serves the page with its token and a strict CSP; other files need no token', async () => {
    const r = await request(server.port, '/', { headers: { Host: `127.0.0.1:${server.port}` } });
    expect(r.status).toBe(200);
    expect(r.body.toString()).toContain(`content="${server.token}"`);
    expect(r.headers['content-security-policy']).toContain("script-src 'self'");
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
    expect((await request(server.port, '/app.js')).status).toBe(200);
  });

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    const r = await request(server.port, '/', { headers: { Host: 'attacker.example' } });
    expect(r.status).toBe(403);
  });

  it('refuses path traversal out of the renderer folder', async () => {
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/%2e%2e%2fsecret.txt', '/..%2f..%2fetc%2fpasswd', '/.hidden']) {
      const r = await request(server.port, p);
      // refused (403), or normalised by URL parsing to a path inside the folder that does not exist (404)
      expect([403, 404], p).toContain(r.status);
      expect(r.body.toString()).not.toContain('do not serve me');
    }
  });

  it('needs the token for the API, and JSON', async () => {
    expect((await api('app.info', {}, 'wrong')).status).toBe(403);
    const noType = await request(server.port, '/api/app.info', { method: 'POST', headers: { 'X-L2caf-Token': server.token }, body: '{}' });
    expect(noType.status).toBe(415);
    const ok = await api('app.info', {});
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body.toString()).result.defaultModel).toBe('darknet-tiny');
  });

  it('refuses unknown methods and bad arguments with a readable error', async () => {
    const unknown = await api('fs.readFile', { path: '/etc/passwd' });
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body.toString()).error).toMatchObject({ code: 'unknown-method' });
    const proto = await api('__proto__', {});
    expect(proto.status).toBe(404);
    const bad = await api('media.open', { path: 42 });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body.toString()).error.message).toBe('media.open.path must be a string, not number');
    const extra = await api('media.open', { path: '/x', evil: true });
    expect(JSON.parse(extra.body.toString()).error.message).toContain('media.open.evil is not a known argument');
    const notJson = await request(server.port, '/api/app.info', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-L2caf-Token': server.token }, body: '{' });
    expect(notJson.status).toBe(400);
  });

  it('serves media only once opened, with Range requests', async () => {
    if (!haveFixture('videos/car-detection.mp4')) return;
    const clip = fixture('videos/car-detection.mp4');
    const size = statSync(clip).size;
    const q = `/media?path=${encodeURIComponent(clip)}&token=${server.token}`;
    expect((await request(server.port, q)).status).toBe(403); // not opened yet
    expect((await request(server.port, `/media?path=${encodeURIComponent(secret)}&token=${server.token}`)).status).toBe(403);
    const opened = await api('media.open', { path: clip });
    expect(opened.status).toBe(200);
    expect(JSON.parse(opened.body.toString()).result.video).toMatchObject({ width: 768, height: 432, playable: true });

    const full = await request(server.port, q);
    expect(full.status).toBe(200);
    expect(full.headers['accept-ranges']).toBe('bytes');
    expect(full.body.length).toBe(size);
    const part = await request(server.port, q, { headers: { Range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 100-199/${size}`);
    expect(part.body.equals(readFileSync(clip).subarray(100, 200))).toBe(true);
    const tail = await request(server.port, q, { headers: { Range: 'bytes=-16' } });
    expect(tail.body.equals(readFileSync(clip).subarray(size - 16))).toBe(true);
    const beyond = await request(server.port, q, { headers: { Range: `bytes=${size}-` } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers['content-range']).toBe(`bytes */${size}`);
  });

  it('takes an upload into its own folder under the user\'s file name', async () => {
    const r = await request(server.port, `/upload?name=${encodeURIComponent('../../clip.mp4')}&token=${server.token}`, { method: 'POST', body: Buffer.from('0123456789') });
    expect(r.status).toBe(200);
    const saved = JSON.parse(r.body.toString()).result.path as string;
    expect(path.basename(saved)).toBe('clip.mp4');
    expect(saved.startsWith(path.join(dir, 'data', 'uploads') + path.sep)).toBe(true);
    expect(readFileSync(saved, 'utf8')).toBe('0123456789');
    const empty = await request(server.port, `/upload?name=x.mp4&token=${server.token}`, { method: 'POST', body: '' });
    expect(empty.status).toBe(400);
    expect((await request(server.port, `/upload?name=x.mp4`, { method: 'POST', body: 'abc' })).status).toBe(403);
  });

  it('answers unknown binary handles and malformed ones with 404', async () => {
    expect((await request(server.port, `/bin/nope.123?token=${server.token}`)).status).toBe(404);
    expect((await request(server.port, `/bin/..%2f..%2fsecret?token=${server.token}`)).status).toBe(404);
    expect((await request(server.port, `/bin/x?token=bad`)).status).toBe(403);
  });
});
