// The local server against the real service (media probed with ffmpeg): the sign-in and session
// cookie, the Host check, the allowlist and argument checks, path traversal, Range requests,
// uploads, binaries and that it listens on 127.0.0.1 only.
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { chmodSync, mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService, type Service } from '../../src/service/service.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { fixture, haveFixture } from '../helpers/fixtures.js';
import { signIn, request, type TestSession } from './signIn.js';

describe('the local server', () => {
  let service: Service;
  let server: RunningServer;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'l2caf-server-'));
  const staticDir = path.join(dir, 'renderer');
  const secret = path.join(dir, 'secret.txt');
  let session: TestSession;
  const api = (method: string, args: unknown) =>
    request(server.port, `/api/${method}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...session.headers }, body: JSON.stringify(args) });
  const get = (p: string, headers: Record<string, string> = {}) => request(server.port, p, { headers: { ...session.headers, ...headers } });

  beforeAll(async () => {
    mkdirSync(staticDir);
    writeFileSync(path.join(staticDir, 'index.html'), '<html><head><meta name="l2caf-token" content=""></head></html>');
    writeFileSync(path.join(staticDir, 'app.js'), 'console.log(1)');
    writeFileSync(secret, 'do not serve me');
    service = createService({ host: 'test', dataDir: path.join(dir, 'data'), videoCacheDir: null });
    server = await startServer({ service, staticDir });
    session = await signIn(server);
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

  it('serves the page with a strict CSP and no credential in it; other files need no session', async () => {
    const r = await get('/', { Host: `127.0.0.1:${server.port}` });
    expect(r.status).toBe(200);
    expect(r.body.toString()).not.toContain(server.signInUrl.split('token=')[1]!);
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

  it('needs the session for the API, and JSON', async () => {
    const call = (headers: Record<string, string>) => request(server.port, '/api/app.info', { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: '{}' });
    expect((await call({ Cookie: 'l2caf-session-1=forged', 'x-l2caf-key': session.key })).status).toBe(401);
    expect((await call({})).status).toBe(401);
    // the cookie alone (it reaches every server on 127.0.0.1) or with a wrong key: refused
    expect((await call({ Cookie: session.cookie })).status).toBe(401);
    expect((await call({ Cookie: session.cookie, 'x-l2caf-key': `${session.key.slice(1)}x` })).status).toBe(401);
    const noType = await request(server.port, '/api/app.info', { method: 'POST', headers: session.headers, body: '{}' });
    expect(noType.status).toBe(415);
    for (const [type, status] of [['application/json-evil', 415], ['text/plain; application/json', 415], ['Application/JSON; charset=utf-8', 200]] as const) {
      const r = await request(server.port, '/api/app.info', { method: 'POST', headers: { ...session.headers, 'Content-Type': type }, body: '{}' });
      expect(r.status, type).toBe(status);
    }
    // a method name that is not valid percent-encoding: a 400, not a 500
    const malformed = await request(server.port, '/api/%E0', { method: 'POST', headers: { ...session.headers, 'Content-Type': 'application/json' }, body: '{}' });
    expect(malformed.status).toBe(400);
    expect(JSON.parse(malformed.body.toString()).error.message).toMatch(/percent-encoding/);
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
    const notJson = await request(server.port, '/api/app.info', { method: 'POST', headers: { 'Content-Type': 'application/json', ...session.headers }, body: '{' });
    expect(notJson.status).toBe(400);
  });

  it('serves media by the id of an opened video only, with Range requests', async () => {
    if (!haveFixture('videos/car-detection.mp4')) return;
    const clip = fixture('videos/car-detection.mp4');
    const size = statSync(clip).size;
    // paths are no longer a way in
    expect((await get(`/media?path=${encodeURIComponent(clip)}`)).status).toBe(404);
    expect((await get(`/media?path=${encodeURIComponent(secret)}`)).status).toBe(404);
    expect((await get('/media/media-0123456789abcdef')).status).toBe(404);
    const opened = await api('media.open', { path: clip });
    expect(opened.status).toBe(200);
    const desc = JSON.parse(opened.body.toString()).result;
    expect(desc.video).toMatchObject({ width: 768, height: 432, playable: true });
    expect(desc.mediaId).toMatch(/^media-[0-9a-f]{16}$/);
    const q = `/media/${desc.mediaId}`;
    expect((await request(server.port, q)).status).toBe(401); // the id alone is not enough

    const full = await get(q);
    expect(full.status).toBe(200);
    expect(full.headers['accept-ranges']).toBe('bytes');
    expect(full.body.length).toBe(size);
    const part = await get(q, { Range: 'bytes=100-199' });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 100-199/${size}`);
    expect(part.body.equals(readFileSync(clip).subarray(100, 200))).toBe(true);
    const tail = await get(q, { Range: 'bytes=-16' });
    expect(tail.body.equals(readFileSync(clip).subarray(size - 16))).toBe(true);
    const beyond = await get(q, { Range: `bytes=${size}-` });
    expect(beyond.status).toBe(416);
    expect(beyond.headers['content-range']).toBe(`bytes */${size}`);
  });

  it('takes an upload into its own folder under the user\'s file name', async () => {
    const r = await request(server.port, `/upload?name=${encodeURIComponent('../../clip.mp4')}`, { method: 'POST', headers: session.headers, body: Buffer.from('0123456789') });
    expect(r.status).toBe(200);
    const saved = JSON.parse(r.body.toString()).result.path as string;
    expect(path.basename(saved)).toBe('clip.mp4');
    expect(saved.startsWith(path.join(dir, 'data', 'uploads') + path.sep)).toBe(true);
    expect(readFileSync(saved, 'utf8')).toBe('0123456789');
    // the same file again is the same path (one entry in the recent files, issue 19 item 16);
    // other bytes under the same name are another file
    const again = await request(server.port, `/upload?name=clip.mp4`, { method: 'POST', headers: session.headers, body: Buffer.from('0123456789') });
    expect(JSON.parse(again.body.toString()).result.path).toBe(saved);
    const other = await request(server.port, `/upload?name=clip.mp4`, { method: 'POST', headers: session.headers, body: Buffer.from('9876543210') });
    const otherPath = JSON.parse(other.body.toString()).result.path as string;
    expect(otherPath).not.toBe(saved);
    expect(readFileSync(otherPath, 'utf8')).toBe('9876543210');
    expect(readFileSync(saved, 'utf8')).toBe('0123456789');
    // no temporary folders are left behind
    expect(readdirSync(path.join(dir, 'data', 'uploads')).filter((f) => f.startsWith('.'))).toEqual([]);
    // the uploads (copies of the user's files) are the user's alone, also where the folder existed looser
    if (process.platform !== 'win32') {
      expect(statSync(path.join(dir, 'data', 'uploads')).mode & 0o777).toBe(0o700);
      chmodSync(path.join(dir, 'data', 'uploads'), 0o755);
      await request(server.port, `/upload?name=clip.mp4`, { method: 'POST', headers: session.headers, body: Buffer.from('0123456789') });
      expect(statSync(path.join(dir, 'data', 'uploads')).mode & 0o777).toBe(0o700);
    }
    const empty = await request(server.port, `/upload?name=x.mp4`, { method: 'POST', headers: session.headers, body: '' });
    expect(empty.status).toBe(400);
    expect((await request(server.port, `/upload?name=x.mp4`, { method: 'POST', body: 'abc' })).status).toBe(401);
  });

  it('answers unknown binary handles and malformed ones with 404', async () => {
    expect((await get(`/bin/nope.123`)).status).toBe(404);
    expect((await get(`/bin/..%2f..%2fsecret`)).status).toBe(404);
    expect((await request(server.port, `/bin/x`)).status).toBe(401);
  });
});
