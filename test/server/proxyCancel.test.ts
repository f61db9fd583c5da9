// A long call over HTTP stops when its client goes away (a closed tab, curl giving up): the
// playable copy of a clip the window cannot play ran ffmpeg to its end, unreachable by job.cancel.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffmpegBinary } from '../../src/media/ffmpegPath.js';
import { createService, type Service } from '../../src/service/service.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { fixture, haveFixture } from '../helpers/fixtures.js';
import { childProcesses } from '../helpers/processes.js';
import { request, signIn, type TestSession } from './signIn.js';


describe.skipIf(!haveFixture('videos/car-detection.mp4') || process.platform !== 'linux')('a call whose client went away', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'l2caf-proxycancel-'));
  const avi = path.join(tmp, 'clip.avi');
  let service: Service;
  let server: RunningServer;
  let session: TestSession;
  beforeAll(async () => {
    // 2.5 minutes (the clip 5 times): its copy takes seconds, long enough to give up on midway
    execFileSync(ffmpegBinary().path, ['-v', 'error', '-stream_loop', '4', '-i', fixture('videos/car-detection.mp4'), '-an', '-c:v', 'msmpeg4v3', '-q:v', '31', avi]);
    mkdirSync(path.join(tmp, 'r'));
    writeFileSync(path.join(tmp, 'r', 'index.html'), '<title>app</title>');
    service = createService({ host: 'web', dataDir: path.join(tmp, 'data'), videoCacheDir: path.join(tmp, 'cache') });
    server = await startServer({ service, staticDir: path.join(tmp, 'r') });
    session = await signIn(server);
  }, 60_000);
  afterAll(async () => {
    await server.close();
    await service.dispose();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('media.proxy: ffmpeg stops and leaves no temporary file', async () => {
    const opened = await request(server.port, '/api/media.open', { method: 'POST', headers: { ...session.headers, 'Content-Type': 'application/json' }, body: JSON.stringify({ path: avi }) });
    const { mediaId } = JSON.parse(opened.body.toString()).result as { mediaId: string };
    const req = http.request({ host: '127.0.0.1', port: server.port, path: '/api/media.proxy', method: 'POST', headers: { ...session.headers, 'Content-Type': 'application/json' } });
    req.on('error', () => {});
    req.end(JSON.stringify({ mediaId }));
    await new Promise((r) => setTimeout(r, 400));
    expect(childProcesses('ffmpeg').length).toBeGreaterThan(0);
    req.destroy();
    await new Promise((r) => setTimeout(r, 800));
    expect(childProcesses('ffmpeg')).toEqual([]);
    // nothing there: no temporary file, and no copy (it was not finished)
    expect(readdirSync(path.join(tmp, 'cache', 'proxies'))).toEqual([]);
  }, 60_000);
});
