// Sample media from the catalogue: downloaded from a local server, verified, cached.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { type Catalogue, loadCatalogue, parseCatalogue } from '../../src/models/catalogue.js';
import { resolveSample, SAMPLES_DIR } from '../../src/models/resolve-sample.js';
import { ModelResolveError } from '../../src/models/resolve.js';
import { hashBytes } from '../../src/models/sha256.js';

const clip = randomBytes(100_000);
let body = clip;
let hits = 0;
let server: Server;
let base = '';
let tmp = '';

function catalogueWithSample(): Promise<Catalogue> {
  return loadCatalogue().then((real) => {
    const raw = JSON.parse(JSON.stringify({ ...real, origin: undefined }));
    delete raw.origin;
    raw.samples = [{ id: 'clip', name: 'clip', kind: 'video', file: 'clip.mp4', url: `${base}clip.mp4`, sha256: hashBytes(clip), size: clip.length, licence: 'test' }];
    return parseCatalogue(raw, 'test');
  });
}

beforeAll(async () => {
  server = createServer((req, res) => {
    hits++;
    if (req.url === '/clip.mp4') res.writeHead(200, { 'content-length': body.length }).end(body);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  tmp = await mkdtemp(path.join(os.tmpdir(), 'l2caf-sample-'));
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  await rm(tmp, { recursive: true, force: true });
});

describe('resolveSample', () => {
  it('downloads, verifies and caches; a damaged copy is fetched again; a wrong download is refused', async () => {
    const cat = await catalogueWithSample();
    const cacheDir = path.join(tmp, 'cache');
    const logs: string[] = [];
    const r = await resolveSample('clip', { catalogue: cat, cacheDir, log: (m) => logs.push(m) });
    expect(r).toMatchObject({ file: path.join(cacheDir, SAMPLES_DIR, 'clip.mp4'), source: 'download' });
    expect((await readFile(r.file)).equals(clip)).toBe(true);
    hits = 0;
    expect((await resolveSample('clip', { catalogue: cat, cacheDir })).source).toBe('cache');
    expect(hits).toBe(0);

    await writeFile(r.file, 'x');
    expect((await resolveSample('clip', { catalogue: cat, cacheDir, log: (m) => logs.push(m) })).source).toBe('download');
    expect(logs.join('\n')).toMatch(/cached sample clip\.mp4 failed its check/);

    await rm(r.file);
    body = Buffer.from(clip);
    body[5] ^= 1;
    const err = await resolveSample('clip', { catalogue: cat, cacheDir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelResolveError);
    expect((err as ModelResolveError).code).toBe('INTEGRITY');
    expect(await readdir(path.join(cacheDir, SAMPLES_DIR))).toEqual([]); // no temp file left
    body = clip;

    await expect(resolveSample('clip', { catalogue: cat, cacheDir, allowDownload: false })).rejects.toThrow(/sample clip is not in the cache and downloads are disabled/);
    await expect(resolveSample('nope', { catalogue: cat, cacheDir })).rejects.toThrow(/unknown sample "nope": known samples are clip/);
  });

  it('uses a mirror folder in place when its copy passes the check, and ignores a wrong one', async () => {
    const cat = await catalogueWithSample();
    const mirrorDir = path.join(tmp, 'mirror');
    const cacheDir = path.join(tmp, 'cache-mirror');
    await mkdir(mirrorDir, { recursive: true });
    await writeFile(path.join(mirrorDir, 'clip.mp4'), clip);
    hits = 0;
    const r = await resolveSample('clip', { catalogue: cat, cacheDir, mirrorDir, allowDownload: false });
    expect(r).toMatchObject({ file: path.join(mirrorDir, 'clip.mp4'), source: 'mirror' });
    expect(hits).toBe(0);
    const wrong = Buffer.from(clip);
    wrong[0] ^= 1;
    await writeFile(path.join(mirrorDir, 'clip.mp4'), wrong);
    const logs: string[] = [];
    await expect(resolveSample('clip', { catalogue: cat, cacheDir, mirrorDir, allowDownload: false, log: (m) => logs.push(m) })).rejects.toThrow(/not in the cache/);
    expect(logs.join('\n')).toMatch(/in the mirror .* failed its check/);
  });

  it('the bundled catalogue lists car-detection', async () => {
    expect((await loadCatalogue()).samples.map((s) => s.id)).toContain('car-detection');
  });
});
