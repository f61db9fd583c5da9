// Opening stops when its caller gives up (Service.call's signal: the HTTP client or the Electron
// page went away): media.open's probe (an ffmpeg decoding every frame, up to 120 s) is killed, and
// volume.open neither reads a scan for nobody nor computes, compacts and registers one it read.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MediaDescription, VolumeDescription } from '../../src/contract/index.js';
import { ffmpegBinary } from '../../src/media/ffmpegPath.js';
import { JobRegistry } from '../../src/jobs/jobRegistry.js';
import { BinaryStore } from '../../src/service/binaryStore.js';
import { MediaRegistry } from '../../src/service/mediaRegistry.js';
import { ModelCache } from '../../src/service/modelCache.js';
import { createService, type Service } from '../../src/service/service.js';
import { volumeHandlers } from '../../src/service/volumeService.js';
import { fixture, haveFixture } from '../helpers/fixtures.js';
import { childProcesses } from '../helpers/processes.js';

describe.skipIf(!haveFixture('videos/car-detection.mp4') || process.platform !== 'linux')('media.open whose caller gave up', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'l2caf-opencancel-'));
  const long = path.join(tmp, 'long.mp4');
  let service: Service;
  beforeAll(() => {
    // the clip 20 times (4 minutes, copied: made at once): its probe decodes for seconds
    execFileSync(ffmpegBinary().path, ['-v', 'error', '-stream_loop', '19', '-i', fixture('videos/car-detection.mp4'), '-an', '-c', 'copy', long]);
    service = createService({ host: 'test', dataDir: path.join(tmp, 'data'), videoCacheDir: null });
  }, 60_000);
  afterAll(async () => {
    await service.dispose();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('kills the probe and answers cancelled; the clip can be opened afterwards', async () => {
    const gaveUp = new AbortController();
    const t0 = Date.now();
    const opening = service.call('media.open', { path: long }, gaveUp.signal);
    opening.catch(() => {});
    await new Promise((r) => setTimeout(r, 400));
    expect(childProcesses('ffmpeg').length).toBeGreaterThan(0);
    gaveUp.abort();
    await expect(opening).rejects.toMatchObject({ code: 'cancelled' });
    // answered at the abort, not when the probe would have finished; and the probe is gone
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(childProcesses('ffmpeg')).toEqual([]);
    // nothing of the cancelled open was kept in the way: the same file opens
    const d = (await service.call('media.open', { path: long })) as MediaDescription;
    expect(d.video).toMatchObject({ frameCount: 377 * 20 });
  }, 60_000);
});

describe.skipIf(!haveFixture('volumes/someones_anatomy.nii.gz'))('volume.open whose caller gave up', () => {
  const file = fixture('volumes/someones_anatomy.nii.gz');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'l2caf-volcancel-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  /** The volume methods over a binary store the test can look into. */
  async function opened() {
    const binaries = new BinaryStore();
    const media = new MediaRegistry();
    await media.open(file);
    const handlers = volumeHandlers({ binaries, jobs: new JobRegistry(), emit: () => {}, dataDir: tmp, videoCacheDir: null, host: 'test' }, media, new Map(), new ModelCache());
    return { binaries, open: handlers['volume.open'] };
  }

  it('given up before the call: cancelled, nothing registered', async () => {
    const { binaries, open } = await opened();
    await expect(open({ path: file }, AbortSignal.abort())).rejects.toMatchObject({ code: 'cancelled' });
    expect(binaries.size).toBe(0);
  });

  it('given up while the scan is read: cancelled, no voxels registered; the scan opens afterwards', async () => {
    const { binaries, open } = await opened();
    const gaveUp = new AbortController();
    // the call runs up to the reader's first await: the abort lands while the scan is being read
    const opening = open({ path: file }, gaveUp.signal);
    gaveUp.abort();
    await expect(opening).rejects.toMatchObject({ code: 'cancelled', message: expect.stringContaining('someones_anatomy.nii.gz') });
    expect(binaries.size).toBe(0);
    const d: VolumeDescription = await open({ path: file });
    expect(binaries.get(d.voxels.handle)).toBeDefined();
    expect(binaries.size).toBe(1);
  });

  it('the service answers an abandoned volume.open with cancelled', async () => {
    const service = createService({ host: 'test', dataDir: path.join(tmp, 'svc'), videoCacheDir: null });
    try {
      const m = (await service.call('media.open', { path: file })) as { path: string };
      await expect(service.call('volume.open', { path: m.path }, AbortSignal.abort())).rejects.toMatchObject({ code: 'cancelled' });
    } finally {
      await service.dispose();
    }
  });
});
