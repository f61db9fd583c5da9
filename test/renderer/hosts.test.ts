// Both hosts: the web host against the real local server (HTTP, SSE, uploads, binaries, media
// URLs), the Electron host against a fake preload bridge.
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService, type Service } from '../../src/service/service.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { WebHost, type EventSourceLike, type MessageEventLike } from '../../renderer/host/webHost.js';
import { ElectronHost } from '../../renderer/host/electronHost.js';
import type { BridgeReply, L2cafBridge } from '../../renderer/host/bridge.js';
import type { FileListLike } from '../../renderer/host/Host.js';
import { ServiceError, type ServiceEvent } from '../../src/contract/index.js';
import { fixture, haveFixture } from '../helpers/fixtures.js';
import { signIn, type TestSession } from '../server/signIn.js';

/** The session (a browser keeps the cookie in its jar, Node has none; the page key is the page's). */
let session: TestSession;

/** A minimal EventSource for Node (the browser has its own): reads `data:` lines. */
class NodeEventSource implements EventSourceLike {
  private listeners: ((ev: MessageEventLike) => void)[] = [];
  private req: http.ClientRequest;
  constructor(url: string) {
    this.req = http.get(url, { headers: { Cookie: session.cookie } }, (res) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
          if (data) for (const l of this.listeners) l({ data });
        }
      });
    });
    this.req.on('error', () => {});
  }
  addEventListener(_type: 'message', listener: (ev: MessageEventLike) => void): void {
    this.listeners.push(listener);
  }
  close(): void {
    this.req.destroy();
  }
}

describe('the web host against the local server', () => {
  let service: Service;
  let server: RunningServer;
  let host: WebHost;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'l2caf-webhost-'));
  const downloads: string[] = [];

  beforeAll(async () => {
    mkdirSync(path.join(dir, 'r'));
    writeFileSync(path.join(dir, 'r', 'index.html'), '<title>app</title>');
    service = createService({ host: 'web', dataDir: path.join(dir, 'data'), videoCacheDir: null });
    server = await startServer({ service, staticDir: path.join(dir, 'r') });
    session = await signIn(server);
    host = new WebHost({ base: server.url, key: session.key, headers: { Cookie: session.cookie }, EventSource: NodeEventSource, download: (u) => downloads.push(u) });
  });
  afterAll(async () => {
    await server.close();
    await service.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('calls methods and turns errors into ServiceErrors with the server\'s code and message', async () => {
    expect((await host.call('app.info', {})).defaultModel).toBe('darknet-tiny');
    const err = await host.call('media.open', { path: path.join(dir, 'none.mp4') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServiceError);
    expect(err).toMatchObject({ code: 'media', message: expect.stringContaining('none.mp4') });
    const bad = await host.call('media.open', { path: 5 } as unknown as { path: string }).catch((e: unknown) => e);
    expect(bad).toMatchObject({ code: 'bad-arguments' });
  });

  it('uploads a dropped file and opens nothing else; without the session everything is refused', async () => {
    const file = Object.assign(new Blob(['hello world']), { name: 'hello.txt' });
    const opened = await host.upload(file);
    expect(opened.name).toBe('hello.txt');
    expect(path.basename(opened.path)).toBe('hello.txt');
    const stranger = new WebHost({ base: server.url, key: session.key, headers: { Cookie: `${session.cookie.split('=')[0]}=forged` } });
    await expect(stranger.call('app.info', {})).rejects.toMatchObject({ code: 'bad-arguments', message: 'not signed in: open the address that l2caf serve printed' });
    await expect(stranger.upload(file)).rejects.toMatchObject({ code: 'media' });
    // the cookie without the key (what another server on 127.0.0.1 receives): refused
    const cookieOnly = new WebHost({ base: server.url, headers: { Cookie: session.cookie } });
    await expect(cookieOnly.call('app.info', {})).rejects.toMatchObject({ code: 'bad-arguments', message: expect.stringContaining('no key for the session') });
    await expect(cookieOnly.upload(file)).rejects.toMatchObject({ code: 'media', message: expect.stringContaining('no key for the session') });
  });

  it('receives service events over SSE (a job that fails: its job.error arrives)', async () => {
    if (!haveFixture('videos/car-detection.mp4')) return;
    const got: ServiceEvent[] = [];
    const off = host.onEvent((e) => got.push(e));
    await new Promise((r) => setTimeout(r, 100)); // the stream connects
    const clip = fixture('videos/car-detection.mp4');
    await host.call('media.open', { path: clip });
    const broken = path.join(dir, 'broken');
    mkdirSync(broken);
    writeFileSync(path.join(broken, 'model.json'), '{');
    const { jobId } = await host.call('video.start', { file: clip, model: broken, methods: ['l2caf'], classes: [], stride: 100 });
    const t0 = Date.now();
    while (!got.some((e) => e.type === 'job.error') && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 20));
    off();
    const e = got.find((x) => x.type === 'job.error') as Extract<ServiceEvent, { type: 'job.error' }>;
    expect(e.jobId).toBe(jobId);
    expect(e.error.code).toBe('model');
    expect(e.error.message).toContain('model.json');
  });

  it('fetches binaries by handle, builds media URLs and downloads', async () => {
    await expect(host.fetchBinary('nope.1')).rejects.toMatchObject({ code: 'not-found' });
    expect(host.mediaUrl('media-00ff')).toBe(`${server.url}media/media-00ff`);
    await host.deliver({ download: 'dl-1', name: 'x.mp4' });
    expect(downloads).toEqual([`${server.url}download/dl-1`]);
    // the links the page shows for an export's files (its timeline files) are the same route
    expect(host.downloadUrl('dl-2')).toBe(`${server.url}download/dl-2`);
  });
});

describe('the Electron host against a fake bridge', () => {
  function bridge(replies: Record<string, BridgeReply>) {
    const calls: { method: string; args: unknown }[] = [];
    let listener: ((e: ServiceEvent) => void) | null = null;
    const b: L2cafBridge = {
      version: 1,
      call: async (method, args) => {
        calls.push({ method, args });
        return replies[method] ?? { ok: false, error: { code: 'unknown-method', message: `unknown method "${method}"` } };
      },
      onEvent: (l) => {
        listener = l;
        return () => (listener = null);
      },
      pathForFile: (f) => (f.name === 'nopath' ? '' : `/home/me/${f.name}`),
    };
    return { b, calls, emit: (e: ServiceEvent) => listener?.(e) };
  }

  it('unwraps replies and rethrows errors as ServiceErrors', async () => {
    const { b, calls } = bridge({
      'app.info': { ok: true, result: { defaultModel: 'darknet-tiny' } },
      'media.open': { ok: false, error: { code: 'media', message: 'Not a video: "/x.txt" is a text file', file: '/x.txt' } },
    });
    const host = new ElectronHost(b, (async () => new Response('')) as typeof fetch);
    expect(await host.call('app.info', {})).toEqual({ defaultModel: 'darknet-tiny' });
    const err = await host.call('media.open', { path: '/x.txt' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServiceError);
    expect(err).toMatchObject({ code: 'media', file: '/x.txt' });
    expect(calls.map((c) => c.method)).toEqual(['app.info', 'media.open']);
  });

  it('opens files with the native dialog or a drop, and saves exports by handle through the main process', async () => {
    const { b, calls } = bridge({
      'shell.openFile': { ok: true, result: { path: '/videos/clip.mp4' } },
      'shell.saveExport': { ok: true, result: { path: '/home/me/a.mp4' } },
    });
    const host = new ElectronHost(b);
    expect(await host.openFile({ kind: 'video' })).toEqual({ path: '/videos/clip.mp4', name: 'clip.mp4' });
    const files = [Object.assign(new Blob(['x']), { name: 'drop.mp4' })] as unknown as FileListLike;
    expect(await host.openDropped(files)).toEqual({ path: '/home/me/drop.mp4', name: 'drop.mp4' });
    await expect(host.openDropped([Object.assign(new Blob(['x']), { name: 'nopath' })] as unknown as FileListLike)).rejects.toMatchObject({ code: 'unsupported' });
    await host.deliver({ download: 'dl-1', name: 'a.mp4' });
    expect(calls.map((c) => c.method)).toEqual(['shell.openFile', 'shell.saveExport']);
    expect(calls[1]!.args).toEqual({ download: 'dl-1' });
    // no links: the main process copies the timeline files beside the saved clip
    expect(host.downloadUrl('dl-1')).toBeNull();
  });

  it('fetches binaries and media through the custom protocols, and forwards events', async () => {
    const urls: string[] = [];
    const { b, emit } = bridge({});
    const host = new ElectronHost(b, (async (u: string | URL | Request) => {
      urls.push(String(u));
      return new Response(new Uint8Array([1, 2, 3, 4]));
    }) as typeof fetch);
    const buf = await host.fetchBinary({ handle: 'video-1.ab', dtype: 'float32', shape: [1], byteLength: 4 });
    expect(new Uint8Array(buf)).toEqual(new Uint8Array([1, 2, 3, 4]));
    expect(urls).toEqual(['l2caf-bin://bin/video-1.ab']);
    expect(host.mediaUrl('media-00ff')).toBe('l2caf-media://media/media-00ff');
    const got: ServiceEvent[] = [];
    const off = host.onEvent((e) => got.push(e));
    emit({ type: 'job.cancelled', jobId: 'video-1', kind: 'video' });
    off();
    emit({ type: 'job.cancelled', jobId: 'video-2', kind: 'video' });
    expect(got).toEqual([{ type: 'job.cancelled', jobId: 'video-1', kind: 'video' }]);
  });
});
