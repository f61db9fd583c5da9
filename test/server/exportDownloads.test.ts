// An export's timeline files reach the browser: a real MP4 export through the API (darknet-tiny on
// car-detection.mp4, one analysed frame), then its clip and both timeline files downloaded the way
// a link does (the session cookie and the id the API handed out, no page key), byte for byte under
// the names `<clip>.timeline.json/.csv`. Ids nobody handed out, and requests without the session
// or from another page, get nothing.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExportResult, ServiceEvent } from '../../src/contract/index.js';
import { createService, type Service } from '../../src/service/service.js';
import { registerDownload } from '../../src/service/exportsFolder.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { fixture, haveFixture } from '../helpers/fixtures.js';
import { waitFor } from '../helpers/waitForEvent.js';
import { request, signIn, type TestSession } from './signIn.js';

const CLIP = 'videos/car-detection.mp4';

describe('registerDownload', () => {
  it('hands out a fresh random handle per file, registered for the download route', () => {
    const downloads = new Map<string, string>();
    const files = ['/x/clip.mp4', '/x/clip.mp4.timeline.json', '/x/clip.mp4.timeline.csv'];
    const handles = files.map((f) => registerDownload(downloads, f));
    for (const h of handles) expect(h).toMatch(/^dl-[0-9a-f]{16}$/);
    expect(new Set(handles).size).toBe(3);
    expect(handles.map((h) => downloads.get(h))).toEqual(files);
  });
});

describe.skipIf(!haveFixture(CLIP) || !haveFixture('models/darknet-tiny'))('an MP4 export in the browser mode', () => {
  let service: Service;
  let server: RunningServer;
  let session: TestSession;
  let result: ExportResult;
  const events: ServiceEvent[] = [];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'l2caf-export-dl-'));
  const api = async <T>(method: string, args: unknown): Promise<T> => {
    const r = await request(server.port, `/api/${method}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...session.headers }, body: JSON.stringify(args) });
    const body = JSON.parse(r.body.toString()) as { result?: T; error?: { message: string } };
    if (r.status !== 200) throw new Error(`${method}: ${r.status} ${body.error?.message}`);
    return body.result as T;
  };
  /** what a link's GET carries: the cookie, no page key */
  const link = (p: string, headers: Record<string, string> = {}) => request(server.port, p, { headers: { Cookie: session.cookie, ...headers } });

  beforeAll(async () => {
    const staticDir = path.join(dir, 'renderer');
    mkdirSync(staticDir);
    writeFileSync(path.join(staticDir, 'index.html'), '<html><head></head></html>');
    service = createService({ host: 'test', dataDir: path.join(dir, 'data'), videoCacheDir: null, workers: 0 });
    service.onEvent((e) => events.push(e));
    server = await startServer({ service, staticDir });
    session = await signIn(server);
    const clip = fixture(CLIP);
    await api('media.open', { path: clip });
    // one analysed frame (frame 0): enough for a timeline with numbers
    const { jobId } = await api<{ jobId: string }>('video.start', { file: clip, methods: ['l2caf'], classes: [], stride: 40, toS: 1 });
    expect((await waitFor(events, (e) => (e.type === 'job.done' || e.type === 'job.error') && e.jobId === jobId)).type).toBe('job.done');
    const { jobId: exp } = await api<{ jobId: string }>('export.start', { jobId, format: 'mp4', fromS: 0, toS: 1 });
    const done = await waitFor(events, (e) => (e.type === 'job.done' || e.type === 'job.error') && e.jobId === exp);
    expect(done.type).toBe('job.done');
    result = (done as Extract<ServiceEvent, { type: 'job.done' }>).export!;
  }, 180_000);
  afterAll(async () => {
    await server?.close();
    await service?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('hands out a handle for each timeline file beside the clip', () => {
    expect(result.name).toMatch(/^car-detection-attention-[0-9a-f]{6}\.mp4$/);
    expect(result.sidecars).toEqual({ json: `${result.path}.timeline.json`, csv: `${result.path}.timeline.csv` });
    const { json, csv } = result.sidecarDownloads!;
    for (const h of [json, csv]) expect(h).toMatch(/^dl-[0-9a-f]{16}$/);
    expect(new Set([result.download, json, csv]).size).toBe(3);
  });

  it('serves the clip and both timeline files by their ids, byte for byte, under the clip\'s name', async () => {
    const clip = await link(`/download/${result.download}`);
    expect(clip.status).toBe(200);
    expect(clip.headers['content-type']).toBe('video/mp4');
    expect(clip.headers['content-disposition']).toBe(`attachment; filename="${result.name}"`);
    expect(clip.body.equals(readFileSync(result.path))).toBe(true);

    const json = await link(`/download/${result.sidecarDownloads!.json}`);
    expect(json.status).toBe(200);
    expect(json.headers['content-type']).toBe('application/json');
    expect(json.headers['content-disposition']).toBe(`attachment; filename="${result.name}.timeline.json"`);
    expect(json.body.equals(readFileSync(result.sidecars!.json))).toBe(true);
    // the timeline of the exported second: frame 0, its numbers
    const timeline = JSON.parse(json.body.toString()) as { frames: { index: number; maps: { iterations: number }[] }[]; summary: { framesAnalyzed: number } };
    expect(timeline.frames.map((f) => f.index)).toEqual([0]);
    expect(timeline.summary.framesAnalyzed).toBe(1);
    expect(timeline.frames[0]!.maps[0]!.iterations).toBeGreaterThan(0);

    const csv = await link(`/download/${result.sidecarDownloads!.csv}`);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toBe(`attachment; filename="${result.name}.timeline.csv"`);
    expect(csv.body.equals(readFileSync(result.sidecars!.csv))).toBe(true);
    const rows = csv.body.toString().trim().split('\n');
    expect(rows).toHaveLength(2); // the header and frame 0
    expect(rows[0]!.split(',')).toContain('iterations');
  });

  it('answers ids nobody handed out with 404, whatever file they would name', async () => {
    for (const p of [
      '/download/dl-0123456789abcdef',
      `/download/${result.sidecarDownloads!.json.slice(0, -1)}${result.sidecarDownloads!.json.endsWith('0') ? '1' : '0'}`,
      `/download/${result.download}.timeline.json`, // the sidecar's name is not its id
      `/download/${encodeURIComponent(result.sidecars!.json)}`,
      '/download/..%2F..%2Fetc%2Fpasswd',
    ]) {
      const r = await link(p);
      expect(r.status, p).toBe(404);
      expect(r.body.toString(), p).not.toContain('"frames"');
    }
  });

  it('gives the timeline files to no one without the session, and to no other page', async () => {
    const h = result.sidecarDownloads!.json;
    expect((await request(server.port, `/download/${h}`)).status).toBe(401);
    expect((await request(server.port, `/download/${h}`, { headers: { Cookie: `l2caf-session-${server.port}=forged` } })).status).toBe(401);
    expect((await link(`/download/${h}`, { 'Sec-Fetch-Site': 'cross-site' })).status).toBe(403);
    expect((await link(`/download/${h}`, { 'Sec-Fetch-Site': 'same-site' })).status).toBe(403);
    // a link followed in this page (same-origin) is what works
    expect((await link(`/download/${h}`, { 'Sec-Fetch-Site': 'same-origin' })).status).toBe(200);
  });
});
