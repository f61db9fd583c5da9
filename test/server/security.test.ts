// What another local user, another page or a careless client can do to `l2caf serve` (issue 18,
// items 1, 2, 3 and 10): the credential reaches only whoever holds the printed sign-in URL, media
// are served by id after a content check and only while the file is the same, exports go only to
// the app's own folder, big bodies are refused by their declared size.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService, type Service } from '../../src/service/service.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { fixture, haveFixture } from '../helpers/fixtures.js';
import { pageKeyIn, request } from './signIn.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'l2caf-sec-'));
let service: Service;
let server: RunningServer;
let cookie = '';
let key = '';
const token = () => new URL(server.signInUrl).searchParams.get('token')!;
const api = (method: string, args: unknown, headers: Record<string, string> = { Cookie: cookie, 'x-l2caf-key': key }) =>
  request(server.port, `/api/${method}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(args) });
const json = (r: { body: Buffer }) => JSON.parse(r.body.toString()) as { result?: Record<string, unknown>; error?: { code: string; message: string } };

beforeAll(async () => {
  mkdirSync(path.join(dir, 'r'));
  writeFileSync(path.join(dir, 'r', 'index.html'), '<!doctype html><html><head><title>app</title></head><body></body></html>');
  service = createService({ host: 'web', dataDir: path.join(dir, 'data'), videoCacheDir: null });
  server = await startServer({ service, staticDir: path.join(dir, 'r') });
});
afterAll(async () => {
  await server.close();
  await service.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('the credential reaches only the holder of the sign-in URL (item 1)', () => {
  it('the page without a session is a 401 that holds no token', async () => {
    for (const p of ['/', '/index.html']) {
      const r = await request(server.port, p);
      expect(r.status).toBe(401);
      expect(r.body.toString()).not.toContain(token());
      expect(r.body.toString()).toContain('Open the address that');
      expect(r.headers['set-cookie']).toBeUndefined();
    }
  });

  it('every data route without the session cookie: 401', async () => {
    for (const [method, p] of [['POST', '/api/app.info'], ['POST', '/api/media.open'], ['GET', '/events'], ['GET', '/media/media-0123456789abcdef'], ['GET', '/bin/x.1'], ['GET', '/download/dl-1'], ['POST', '/upload?name=a.mp4']] as const) {
      const r = await request(server.port, p, { method, headers: { 'Content-Type': 'application/json' }, body: method === 'POST' ? '{}' : undefined });
      expect(r.status, p).toBe(401);
    }
    // the token itself is not a credential for data, in a header or the query
    expect((await request(server.port, `/api/app.info?token=${token()}`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-L2caf-Token': token() }, body: '{}' })).status).toBe(401);
  });

  it('a wrong token signs in nobody; the right one once, for an HttpOnly SameSite=Strict cookie and the page with its key', async () => {
    const wrong = await request(server.port, '/?token=guess');
    expect(wrong.status).toBe(401);
    const u = new URL(server.signInUrl);
    // (followed from another page, a chat or a notes page, as a link may be: the token is what counts)
    const first = await request(server.port, `${u.pathname}${u.search}`, { headers: { 'Sec-Fetch-Site': 'cross-site' } });
    expect(first.status).toBe(200);
    expect(first.headers['cache-control']).toBe('no-store');
    expect(first.headers['content-security-policy']).toContain("script-src 'self'");
    const set = first.headers['set-cookie']![0]!;
    expect(set).toMatch(new RegExp(`^l2caf-session-${server.port}=[A-Za-z0-9_-]{40,}; Path=/; HttpOnly; SameSite=Strict$`));
    cookie = set.split(';')[0]!;
    key = pageKeyIn(first.body.toString())!;
    expect(key).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(first.body.toString()).toMatch(/<title>app<\/title><meta name="l2caf-key" content="[^"]+">\n<\/head>/);
    // the key is not the cookie's value, nor the token
    expect(cookie).not.toContain(key);
    expect(key).not.toBe(token());
    // spent: a second browser (or the history) gets nothing
    const again = await request(server.port, `${u.pathname}${u.search}`);
    expect(again.status).toBe(401);
    expect(again.headers['set-cookie']).toBeUndefined();
    // the signed-in browser following the link again is just sent on
    expect((await request(server.port, `${u.pathname}${u.search}`, { headers: { Cookie: cookie } })).status).toBe(303);
    const page = await request(server.port, '/', { headers: { Cookie: cookie } });
    expect(page.status).toBe(200);
    // only the sign-in's answer carries the key: a page fetched with the cookie alone does not
    expect(page.body.toString()).not.toContain(key);
    expect((await api('app.info', {})).status).toBe(200);
  });

  it('the cookie without the page key opens no data route but media and downloads by id (another server on 127.0.0.1 gets the cookie: cookies ignore ports)', async () => {
    for (const [method, p] of [['POST', '/api/app.info'], ['GET', '/events'], ['GET', '/bin/x.1'], ['POST', '/upload?name=a.mp4']] as const) {
      const r = await request(server.port, p, { method, headers: { 'Content-Type': 'application/json', Cookie: cookie }, body: method === 'POST' ? '{}' : undefined });
      expect(r.status, p).toBe(401);
      expect(JSON.parse(r.body.toString()).error.message, p).toMatch(/no key for the session/);
    }
    // a wrong key, the key in the query of an API call, the key without the cookie: refused too
    expect((await api('app.info', {}, { Cookie: cookie, 'x-l2caf-key': key.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) })).status).toBe(401);
    expect((await request(server.port, `/api/app.info?key=${key}`, { method: 'POST', headers: { 'Content-Type': 'application/json', Cookie: cookie }, body: '{}' })).status).toBe(401);
    expect((await api('app.info', {}, { 'x-l2caf-key': key })).status).toBe(401);
    // the event stream takes the key in its query (EventSource sends no headers)
    const events = await new Promise<number>((resolve, reject) => {
      const q = http.get({ host: '127.0.0.1', port: server.port, path: `/events?key=${key}`, headers: { Cookie: cookie } }, (r) => {
        resolve(r.statusCode!);
        r.destroy();
      });
      q.on('error', reject);
    });
    expect(events).toBe(200);
    // media and downloads (a <video>, a link) bring no header: the cookie and an unknown id give 404, not data
    expect((await request(server.port, '/media/media-0123456789abcdef', { headers: { Cookie: cookie } })).status).toBe(404);
    expect((await request(server.port, '/download/dl-0123456789abcdef', { headers: { Cookie: cookie } })).status).toBe(404);
  });

  it('refuses a foreign or null Origin and a doubled Sec-Fetch-Site; its own origin passes', async () => {
    for (const origin of ['https://evil.example', 'null', `http://127.0.0.1:${server.port + 1}`, `http://localhost:${server.port}.evil.example`]) {
      expect((await api('app.info', {}, { Cookie: cookie, 'x-l2caf-key': key, Origin: origin })).status, origin).toBe(403);
    }
    for (const origin of [`http://127.0.0.1:${server.port}`, `http://localhost:${server.port}`]) {
      expect((await api('app.info', {}, { Cookie: cookie, 'x-l2caf-key': key, Origin: origin })).status, origin).toBe(200);
    }
    // (Node joins a header sent twice: "same-origin, cross-site" is neither value that passes)
    const twice = await new Promise<string>((resolve, reject) => {
      const sock = net.connect(server.port, '127.0.0.1', () => {
        sock.end(
          `POST /api/app.info HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nContent-Type: application/json\r\nCookie: ${cookie}\r\nx-l2caf-key: ${key}\r\n` +
            'Sec-Fetch-Site: same-origin\r\nSec-Fetch-Site: cross-site\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}',
        );
      });
      let b = '';
      sock.on('data', (c) => (b += c));
      sock.on('end', () => resolve(b.split('\r\n')[0]!));
      sock.on('error', reject);
    });
    expect(twice).toBe('HTTP/1.1 403 Forbidden');
    expect((await api('app.info', {}, { Cookie: cookie, 'x-l2caf-key': key, 'Sec-Fetch-Site': 'none' })).status).toBe(200);
  });

  it('refuses what a browser marks as sent by another page (another port of 127.0.0.1 is same-site)', async () => {
    for (const site of ['cross-site', 'same-site']) {
      const r = await api('app.info', {}, { Cookie: cookie, 'x-l2caf-key': key, 'Sec-Fetch-Site': site });
      expect(r.status, site).toBe(403);
    }
    const own = await api('app.info', {}, { Cookie: cookie, 'x-l2caf-key': key, 'Sec-Fetch-Site': 'same-origin' });
    expect(own.status).toBe(200);
  });

  const root = process.getuid?.() === 0 && existsSync('/usr/bin/setpriv');
  it.skipIf(!root)('another local user (uid 65534) gets neither the page\'s credential nor the API', async () => {
    const probe = `
      const http = require('node:http');
      const get = (p, method, body) => new Promise((res) => { const q = http.request({ host: '127.0.0.1', port: ${server.port}, path: p, method, headers: { 'Content-Type': 'application/json' } }, (r) => { let b = ''; r.on('data', (c) => b += c); r.on('end', () => res(r.statusCode + ' ' + b)); }); q.end(body); });
      (async () => { console.log(JSON.stringify([await get('/', 'GET'), await get('/api/app.info', 'POST', '{}'), await get('/?token=guess', 'GET')])); })();`;
    // asynchronously: this process's server must answer meanwhile
    const r = await promisify(execFile)('/usr/bin/setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', probe], { encoding: 'utf8', timeout: 20_000 });
    expect(r.stderr).toBe('');
    const [page, apiCall, guess] = JSON.parse(r.stdout) as string[];
    expect(page).toMatch(/^401 /);
    expect(page).not.toContain(token());
    expect(apiCall).toMatch(/^401 /);
    expect(guess).toMatch(/^401 /);
  });
});

describe('media: checked at open, served by id, the same file or nothing (item 2)', () => {
  const secret = path.join(dir, 'secret.txt');
  beforeAll(() => {
    writeFileSync(secret, 'root only\n');
    chmodSync(secret, 0o600);
  });

  it('a symlink named like a scan to a file that is not one is refused at open', async () => {
    const evil = path.join(dir, 'evil.nii');
    symlinkSync(secret, evil);
    const r = await api('media.open', { path: evil });
    expect(r.status).toBe(422);
    expect(json(r).error!.code).toBe('media');
    const folder = path.join(dir, 'not-dicom');
    mkdirSync(folder);
    writeFileSync(path.join(folder, 'a.dcm'), 'nothing');
    expect(json(await api('media.open', { path: folder })).error).toMatchObject({ code: 'media', message: expect.stringContaining('no DICOM file') });
  });

  it.skipIf(!haveFixture('volumes/anatomical.nii'))('a real scan through a symlink opens under its real path; scans are never served as media', async () => {
    const link = path.join(dir, 'scan.nii');
    symlinkSync(fixture('volumes/anatomical.nii'), link);
    const d = json(await api('media.open', { path: link })).result!;
    expect(d).toMatchObject({ kind: 'volume', path: fixture('volumes/anatomical.nii') });
    expect((await request(server.port, `/media/${d.mediaId as string}`, { headers: { Cookie: cookie } })).status).toBe(404);
    // volume.open reads only what media.open checked
    expect(json(await api('volume.open', { path: secret })).error!.code).toBe('not-found');
  });

  it.skipIf(!haveFixture('videos/car-detection.mp4'))('a video swapped for a symlink (or another file) after the open is not served', async () => {
    const clip = path.join(dir, 'clip.mp4');
    copyFileSync(fixture('videos/car-detection.mp4'), clip);
    const d = json(await api('media.open', { path: clip })).result!;
    const url = `/media/${d.mediaId as string}`;
    expect((await request(server.port, url, { headers: { Cookie: cookie, Range: 'bytes=0-3' } })).status).toBe(206);
    unlinkSync(clip);
    symlinkSync(secret, clip);
    const swapped = await request(server.port, url, { headers: { Cookie: cookie } });
    expect(swapped.status).toBe(410);
    expect(swapped.body.toString()).not.toContain('root only');
    unlinkSync(clip);
    writeFileSync(clip, 'another file now');
    expect((await request(server.port, url, { headers: { Cookie: cookie } })).status).toBe(410);
  });
});

describe('exports go to the app\'s folder only (item 3)', () => {
  it('no method takes an output path', async () => {
    const target = path.join(dir, 'victim.txt');
    writeFileSync(target, 'keep me');
    for (const [m, args] of [['export.start', { jobId: 'video-1', format: 'mp4', out: target }], ['volume.export', { jobId: 'volume-1', format: 'nifti', out: target }]] as const) {
      const r = await api(m, args);
      expect(r.status, m).toBe(400);
      expect(json(r).error!.message).toBe(`${m}.out is not a known argument`);
    }
  });

  it('the exports folder is private to the user and names never collide with what exists', async () => {
    const { newExportPath } = await import('../../src/service/exportsFolder.js');
    const data = path.join(dir, 'data2');
    const a = await newExportPath(data, '/x/clip.mp4', '', '.mp4');
    writeFileSync(a, '');
    const names = new Set([a]);
    for (let i = 0; i < 50; i++) names.add(await newExportPath(data, '/x/clip.mp4', '', '.mp4'));
    expect(names.size).toBe(51);
    expect(path.dirname(a)).toBe(path.join(data, 'exports'));
    expect(path.basename(a)).toMatch(/^clip-attention-[0-9a-f]{6}\.mp4$/);
    expect(readdirSync(path.join(data, 'exports'))).toEqual([path.basename(a)]);
    const { statSync } = await import('node:fs');
    expect(statSync(path.join(data, 'exports')).mode & 0o777).toBe(0o700);
  });
});

describe('request bodies (item 10)', () => {
  it('a body larger than allowed is refused by its declared size, before it is read', async () => {
    const t0 = Date.now();
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: server.port, path: '/api/app.info', method: 'POST', headers: { 'Content-Type': 'application/json', Cookie: cookie, 'x-l2caf-key': key, 'Content-Length': String(1024 ** 3) } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.write('{'); // one byte of a declared gigabyte: the answer must not wait for the rest
    });
    expect(status).toBe(413);
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});
