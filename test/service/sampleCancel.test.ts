// media.sample (the catalogue's sample clip, downloaded when missing) stops when its caller gives
// up: the download is cut, its temporary file removed, and the sample can be asked for again.
// The catalogue's URL is answered by a local server (fetch is pointed there: no internet needed),
// which can send the real clip slowly enough to give up on midway.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SampleOpened, ServiceEvent } from '../../src/contract/index.js';
import { loadCatalogue } from '../../src/models/catalogue.js';
import { SAMPLES_DIR } from '../../src/models/resolve-sample.js';
import { createService, type Service } from '../../src/service/service.js';
import { fixture, haveFixture } from '../helpers/fixtures.js';

const CLIP = 'videos/car-detection.mp4';

async function until(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(!haveFixture(CLIP) || !haveFixture('models/darknet-tiny'))('media.sample whose caller gave up', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'l2caf-samplecancel-'));
  const samples = path.join(tmp, 'cache', SAMPLES_DIR);
  const bytes = readFileSync(fixture(CLIP));
  const realFetch = globalThis.fetch;
  const ENV = ['L2CAF_CACHE_DIR', 'L2CAF_SAMPLE_MIRROR', 'L2CAF_OFFLINE'] as const;
  const savedEnv = ENV.map((k) => process.env[k]);
  /** how the next request is answered, and what became of the last one */
  let slow = true;
  let sent = 0;
  let cut = false;
  let server: Server;
  let service: Service;
  const events: ServiceEvent[] = [];

  beforeAll(async () => {
    server = createServer((_req, res) => {
      sent = 0;
      cut = false;
      res.writeHead(200, { 'content-length': bytes.length });
      res.on('close', () => {
        if (!res.writableFinished) cut = true;
      });
      if (!slow) return void res.end(bytes);
      // 32 KiB every 50 ms: the clip (2.8 MB) would take over 4 s
      const tick = setInterval(() => {
        if (res.destroyed) return clearInterval(tick);
        const chunk = bytes.subarray(sent, sent + 32 * 1024);
        sent += chunk.length;
        if (sent >= bytes.length) {
          clearInterval(tick);
          res.end(chunk);
        } else res.write(chunk);
      }, 50);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const local = `http://127.0.0.1:${(server.address() as AddressInfo).port}/car-detection.mp4`;
    const sampleUrl = (await loadCatalogue()).samples.find((s) => s.id === 'car-detection')!.url;
    globalThis.fetch = (input, init) => realFetch(String(input) === sampleUrl ? local : input, init);
    // an empty cache of our own, downloads allowed, no mirror copy to use in place
    process.env.L2CAF_CACHE_DIR = path.join(tmp, 'cache');
    delete process.env.L2CAF_SAMPLE_MIRROR;
    delete process.env.L2CAF_OFFLINE;
    service = createService({ host: 'test', dataDir: path.join(tmp, 'data'), videoCacheDir: null, workers: 0 });
    service.onEvent((e) => events.push(e));
  });
  afterAll(async () => {
    globalThis.fetch = realFetch;
    ENV.forEach((k, i) => {
      if (savedEnv[i] === undefined) delete process.env[k];
      else process.env[k] = savedEnv[i];
    });
    await service?.dispose();
    server?.closeAllConnections();
    await new Promise<void>((r) => server?.close(() => r()));
    rmSync(tmp, { recursive: true, force: true });
  });

  it('cuts the download and leaves no partial file; asked again, the sample opens', async () => {
    const gaveUp = new AbortController();
    const asking = service.call('media.sample', {}, gaveUp.signal);
    asking.catch(() => {});
    await until('the download to start', () => events.some((e) => e.type === 'job.progress' && e.kind === 'sample' && e.done > 0));
    // the download goes to a temporary file, renamed into place only when complete and checked
    await until('the temporary file', () => existsSync(samples) && readdirSync(samples).some((f) => f.startsWith('.tmp-')));
    expect(readdirSync(samples)).toHaveLength(1);
    gaveUp.abort();
    const abortedAt = Date.now();
    await expect(asking).rejects.toMatchObject({ code: 'cancelled' });
    // at the abort, not once the download would have finished
    expect(Date.now() - abortedAt).toBeLessThan(1000);
    expect(readdirSync(samples)).toEqual([]);
    await until('the server to see the connection closed', () => cut, 3000);
    expect(sent).toBeLessThan(bytes.length);

    slow = false;
    const r = (await service.call('media.sample', {})) as SampleOpened;
    expect(r.media).toMatchObject({ kind: 'video', path: path.join(samples, 'car-detection.mp4') });
    expect(readdirSync(samples)).toEqual(['car-detection.mp4']);
  }, 60_000);
});
