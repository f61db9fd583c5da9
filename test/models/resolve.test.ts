// Model resolution: user paths, cache, offline mirror, and downloads from a local HTTP server
// (127.0.0.1, started here) with progress, sha256 mismatch, abort, 404 and network errors.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Catalogue, findEntry, loadCatalogue, parseCatalogue } from '../../src/models/catalogue.js';
import { INSTALL_RECORD } from '../../src/models/cache.js';
import { createProgressBar, type DownloadProgress, formatProgress } from '../../src/models/download.js';
import { defaultCacheDir, mirrorDirFromEnv } from '../../src/models/paths.js';
import { ModelResolveError, resolveModel, type ResolveOptions } from '../../src/models/resolve.js';
import { hashBytes, hashFile } from '../../src/models/sha256.js';
import { fixture, haveFixture } from '../helpers/fixtures.js';

// ---------------------------------------------------------------------------------------------
// temp dirs

const temps: string[] = [];
async function tempDir(name = 'l2caf-resolve-'): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), name));
  temps.push(d);
  return d;
}
afterAll(async () => {
  await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
});

// ---------------------------------------------------------------------------------------------
// a local HTTP server

interface Route {
  body: Buffer;
  /** Stream the body in chunks of this size with `delayMs` between them. */
  chunk?: number;
  delayMs?: number;
  status?: number;
}

class TestServer {
  routes = new Map<string, Route>();
  hits: string[] = [];
  private server: Server | null = null;
  base = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => this.server?.close(() => r()) ?? r());
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.base);
    this.hits.push(url.pathname + url.search);
    const route = this.routes.get(url.pathname);
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(route.status ?? 200, { 'content-type': 'application/octet-stream', 'content-length': route.body.length });
    if (!route.chunk) {
      res.end(route.body);
      return;
    }
    let closed = false;
    res.on('close', () => { closed = true; });
    for (let i = 0; i < route.body.length && !closed; i += route.chunk) {
      res.write(route.body.subarray(i, i + route.chunk));
      await new Promise((r) => setTimeout(r, route.delayMs ?? 0));
    }
    if (!closed) res.end();
  }
}

// ---------------------------------------------------------------------------------------------
// a small fake model and a catalogue describing it

interface FakeModel {
  files: Record<string, Buffer>;
  /** served but not stored: the JS module labels.json is derived from */
  labelsJs: Buffer;
}

function makeFakeModel(): FakeModel {
  const labels = ['cat', 'dog', "it's a \"bird\""];
  const modelJson = Buffer.from(JSON.stringify({
    modelTopology: { class_name: 'Fake' },
    weightsManifest: [{ paths: ['group1-shard1of1'], weights: [] }, { paths: ['group2-shard1of1'], weights: [] }],
  }));
  return {
    files: {
      'model.json': modelJson,
      'group1-shard1of1': randomBytes(300_000),
      'group2-shard1of1': randomBytes(1024),
      'labels.json': Buffer.from('[\n' + labels.map((l) => JSON.stringify(l)).join(',\n') + '\n]'),
    },
    labelsJs: Buffer.from(`// header\nexport default [\n${labels.map((l) => `    ${JSON.stringify(l)},\n`).join('')}    \n]`),
  };
}

const sharedLabels = Buffer.from('tench\ngoldfish\n');

function fakeCatalogue(base: string, m: FakeModel, opts: { unverified?: boolean } = {}): Catalogue {
  const spec = (p: string) => ({ path: p, sha256: hashBytes(m.files[p]!), size: m.files[p]!.length });
  const common = {
    licence: 'test',
    inputSize: [8, 8],
    preprocessing: { scale: 1 / 255, offset: 0, channelOrder: 'rgb' },
    defaultLayer: 'conv',
    outputs: 'logits',
    notes: 'test model',
  };
  return parseCatalogue({
    version: 1,
    default: 'fake',
    labelSets: {
      tiny: { name: 'tiny list', format: 'lines', count: 2, licence: 'test', file: { path: 'labels.txt', url: `${base}shared/tiny.txt`, sha256: hashBytes(sharedLabels), size: sharedLabels.length } },
    },
    models: [
      {
        id: 'fake',
        name: 'Fake model',
        format: 'tfjs-layers',
        verified: true,
        source: {
          kind: 'download',
          baseUrl: `${base}fake/`,
          files: [
            spec('model.json'),
            spec('group1-shard1of1'),
            spec('group2-shard1of1'),
            { ...spec('labels.json'), url: `${base}labels.js`, transform: 'js-string-array-to-json' },
          ],
        },
        labels: { file: 'labels.json', format: 'json-array', count: 3, offset: 0 },
        ...common,
      },
      {
        id: 'fake-unverified',
        name: 'Fake model without hashes',
        format: 'tfjs-graph',
        verified: false,
        source: { kind: 'download', baseUrl: `${base}fake/`, query: '?x=1', files: [{ path: 'model.json', sha256: null, size: null }], weightsFromManifest: true },
        labels: { shared: 'tiny', offset: 1 },
        ...common,
      },
      {
        id: 'fake-local',
        name: 'Fake mirror-only model',
        format: 'onnx',
        verified: true,
        source: { kind: 'mirror-only', files: [{ path: 'model.onnx', sha256: hashBytes('onnx'), size: 4 }] },
        labels: { shared: 'tiny', offset: 0 },
        ...common,
      },
    ],
    samples: [],
  }, opts.unverified ? 'fake-unverified' : 'fake');
}

function serveFake(server: TestServer, m: FakeModel): void {
  server.routes.clear();
  for (const [p, b] of Object.entries(m.files)) if (p !== 'labels.json') server.routes.set(`/fake/${p}`, { body: b });
  server.routes.set('/labels.js', { body: m.labelsJs });
  server.routes.set('/shared/tiny.txt', { body: sharedLabels });
}

async function expectResolveError(p: Promise<unknown>, code: string, message?: RegExp): Promise<ModelResolveError> {
  let err: unknown;
  try {
    await p;
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a ModelResolveError').toBeInstanceOf(ModelResolveError);
  const e = err as ModelResolveError;
  expect(e.code, e.message).toBe(code);
  if (message) expect(e.message).toMatch(message);
  expect(e.message, 'one line').not.toContain('\n');
  return e;
}

/** Entries of a folder, or [] when it does not exist. */
async function ls(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch {
    return [];
  }
}

// ---------------------------------------------------------------------------------------------

describe('paths', () => {
  it('defaultCacheDir follows L2CAF_CACHE_DIR, XDG and the platform conventions', () => {
    expect(defaultCacheDir({ L2CAF_CACHE_DIR: '/c' }, 'linux', '/home/u', '/w')).toBe('/c');
    expect(defaultCacheDir({ L2CAF_CACHE_DIR: 'rel' }, 'linux', '/home/u', '/w')).toBe('/w/rel');
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/x' }, 'linux', '/home/u')).toBe('/x/l2caf-studio/models');
    expect(defaultCacheDir({ XDG_CACHE_HOME: 'relative' }, 'linux', '/home/u')).toBe('/home/u/.cache/l2caf-studio/models');
    expect(defaultCacheDir({}, 'linux', '/home/u')).toBe('/home/u/.cache/l2caf-studio/models');
    expect(defaultCacheDir({}, 'darwin', '/Users/u')).toBe('/Users/u/Library/Caches/l2caf-studio/models');
    expect(defaultCacheDir({ LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, 'win32', 'C:\\Users\\u')).toBe('C:\\Users\\u\\AppData\\Local\\l2caf-studio\\Cache\\models');
    expect(defaultCacheDir({}, 'win32', 'C:\\Users\\u')).toBe('C:\\Users\\u\\AppData\\Local\\l2caf-studio\\Cache\\models');
  });

  it('mirrorDirFromEnv resolves a relative mirror against the working directory', () => {
    expect(mirrorDirFromEnv({}, '/w')).toBeNull();
    expect(mirrorDirFromEnv({ L2CAF_MODEL_MIRROR: '' }, '/w')).toBeNull();
    expect(mirrorDirFromEnv({ L2CAF_MODEL_MIRROR: '../m' }, '/w/p')).toBe('/w/m');
    expect(mirrorDirFromEnv({ L2CAF_MODEL_MIRROR: '/abs' }, '/w')).toBe('/abs');
  });

  it('hashFile streams a known sha256', async () => {
    const d = await tempDir();
    await writeFile(path.join(d, 'abc'), 'abc');
    expect(await hashFile(path.join(d, 'abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('user paths are used as they are', () => {
  let dir: string;
  let cat: Catalogue;
  beforeAll(async () => {
    dir = await tempDir();
    await writeFile(path.join(dir, 'model.json'), '{}');
    await writeFile(path.join(dir, 'labels.json'), '[]');
    await mkdir(path.join(dir, 'onnx'));
    await writeFile(path.join(dir, 'onnx', 'net.onnx'), 'x');
    cat = await loadCatalogue();
  });

  it('a folder', async () => {
    const r = await resolveModel(dir, { catalogue: cat });
    expect(r).toMatchObject({ dir, entry: null, source: 'path', modelFile: path.join(dir, 'model.json'), labelsFile: path.join(dir, 'labels.json'), verified: false });
  });

  it('a model.json, a .onnx file and a file:// URL', async () => {
    expect(await resolveModel(path.join(dir, 'model.json'), { catalogue: cat })).toMatchObject({ dir, source: 'path', modelFile: path.join(dir, 'model.json') });
    const onnx = path.join(dir, 'onnx', 'net.onnx');
    expect(await resolveModel(onnx, { catalogue: cat })).toMatchObject({ dir: path.join(dir, 'onnx'), modelFile: onnx, labelsFile: null, entry: null });
    expect(await resolveModel(pathToFileURL(dir).href, { catalogue: cat })).toMatchObject({ dir, source: 'path' });
    expect(await resolveModel(path.join(dir, 'onnx'), { catalogue: cat })).toMatchObject({ modelFile: onnx });
  });

  it('a missing path is an error naming it', async () => {
    await expectResolveError(resolveModel(path.join(dir, 'nope'), { catalogue: cat }), 'NOT_FOUND', /no such model folder or file: .*nope/);
    await expectResolveError(resolveModel('./nope.onnx', { catalogue: cat }), 'NOT_FOUND');
  });

  it('an unknown id lists the known ids', async () => {
    const e = await expectResolveError(resolveModel('resnet-50', { catalogue: cat }), 'UNKNOWN_MODEL', /unknown model "resnet-50"/);
    for (const m of cat.models) expect(e.message).toContain(m.id);
  });
});

describe('offline mirror (a fake model)', () => {
  let mirror: string;
  let cacheDir: string;
  let cat: Catalogue;
  let m: FakeModel;
  beforeAll(async () => {
    m = makeFakeModel();
    cat = fakeCatalogue('http://127.0.0.1:9/', m); // port 9 (discard): never contacted here
    mirror = await tempDir();
    await mkdir(path.join(mirror, 'fake'));
    for (const [p, b] of Object.entries(m.files)) await writeFile(path.join(mirror, 'fake', p), b);
  });
  afterEach(async () => {
    if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
  });

  it('is used in place after its check, nothing copied to the cache', async () => {
    cacheDir = await tempDir();
    const r = await resolveModel('fake', { catalogue: cat, mirror, cacheDir, allowDownload: false });
    expect(r).toMatchObject({ dir: path.join(mirror, 'fake'), source: 'mirror', verified: true, labelsFile: path.join(mirror, 'fake', 'labels.json') });
    expect(r.entry?.id).toBe('fake');
    expect(await ls(cacheDir)).toEqual([]);
  });

  it('a relative mirror resolves against the working directory', async () => {
    cacheDir = await tempDir();
    const rel = path.relative(process.cwd(), mirror);
    const r = await resolveModel('fake', { catalogue: cat, mirror: rel, cacheDir, allowDownload: false });
    expect(r.dir).toBe(path.join(mirror, 'fake'));
    vi.stubEnv('L2CAF_MODEL_MIRROR', rel);
    try {
      expect((await resolveModel('fake', { catalogue: cat, cacheDir, allowDownload: false })).source).toBe('mirror');
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('a tampered copy is rejected naming the file', async () => {
    cacheDir = await tempDir();
    const bad = await tempDir();
    await cp(path.join(mirror, 'fake'), path.join(bad, 'fake'), { recursive: true });
    const f = path.join(bad, 'fake', 'group2-shard1of1');
    const bytes = await readFile(f);
    bytes[100] ^= 1;
    await writeFile(f, bytes);
    const e = await expectResolveError(resolveModel('fake', { catalogue: cat, mirror: bad, cacheDir }), 'INTEGRITY', /mirror copy of fake rejected: group2-shard1of1: sha256 [0-9a-f]{64}, expected/);
    expect(e.file).toBe('group2-shard1of1');
    await rm(path.join(bad, 'fake', 'labels.json'));
    await expectResolveError(resolveModel('fake', { catalogue: cat, mirror: bad, cacheDir }), 'INTEGRITY', /group2-shard1of1: sha256 .*and 1 more file: labels\.json/);
    expect(await ls(cacheDir)).toEqual([]);
  });

  it('a mirror without the id, no cache and downloads off: one line saying what to do', async () => {
    cacheDir = await tempDir();
    const empty = await tempDir();
    const e = await expectResolveError(resolveModel('fake', { catalogue: cat, mirror: empty, cacheDir, allowDownload: false }), 'OFFLINE');
    expect(e.message).toContain(`no fake/ in the mirror ${empty}`);
    const e2 = await expectResolveError(resolveModel('fake', { catalogue: cat, mirror: null, cacheDir, allowDownload: false }), 'OFFLINE');
    expect(e2.message).toMatch(/L2CAF_MODEL_MIRROR is not set/);
    expect(e2.message).toMatch(/set L2CAF_MODEL_MIRROR to a folder holding fake\/, pass --model DIR .*connect to the internet/);
    vi.stubEnv('L2CAF_OFFLINE', '1');
    try {
      await expectResolveError(resolveModel('fake', { catalogue: cat, mirror: null, cacheDir }), 'OFFLINE');
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('a mirror-only model that is not in the mirror', async () => {
    cacheDir = await tempDir();
    await expectResolveError(resolveModel('fake-local', { catalogue: cat, mirror: null, cacheDir }), 'MIRROR_ONLY', /fake-local has no public download .*L2CAF_MODEL_MIRROR\/fake-local\//);
  });
});

describe.runIf(haveFixture('models/darknet-tiny'))('offline mirror (the fixture models, real catalogue)', () => {
  const mirror = fixture('models');
  let cacheDir: string;
  afterEach(async () => {
    if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
  });

  it('darknet-tiny (the default) from the mirror, in place', async () => {
    cacheDir = await tempDir();
    const r = await resolveModel(undefined, { mirror, cacheDir, allowDownload: false });
    expect(r).toMatchObject({ dir: path.join(mirror, 'darknet-tiny'), source: 'mirror', verified: true });
    expect(r.entry?.id).toBe('darknet-tiny');
    expect(r.modelFile).toBe(path.join(mirror, 'darknet-tiny', 'model.json'));
    expect(await ls(cacheDir)).toEqual([]);
  });

  it('through L2CAF_MODEL_MIRROR, relative to the working directory', async () => {
    cacheDir = await tempDir();
    vi.stubEnv('L2CAF_MODEL_MIRROR', path.relative(process.cwd(), mirror));
    try {
      const r = await resolveModel('darknet-tiny', { cacheDir, allowDownload: false });
      expect(r.dir).toBe(path.join(mirror, 'darknet-tiny'));
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it.runIf(haveFixture('models/darknet-tiny-onnx'))('darknet-tiny-onnx', async () => {
    cacheDir = await tempDir();
    const r = await resolveModel('darknet-tiny-onnx', { mirror, cacheDir, allowDownload: false });
    expect(r).toMatchObject({ source: 'mirror', modelFile: path.join(mirror, 'darknet-tiny-onnx', 'model.onnx') });
  });

  it('a tampered copy of darknet-tiny is rejected naming the file', async () => {
    cacheDir = await tempDir();
    const bad = await tempDir();
    await cp(path.join(mirror, 'darknet-tiny'), path.join(bad, 'darknet-tiny'), { recursive: true });
    const f = path.join(bad, 'darknet-tiny', 'group19-shard1of1');
    const bytes = await readFile(f);
    bytes[123_456] = (bytes[123_456]! + 1) & 255;
    await writeFile(f, bytes);
    const e = await expectResolveError(resolveModel('darknet-tiny', { mirror: bad, cacheDir }), 'INTEGRITY', /group19-shard1of1/);
    expect(e.file).toBe('group19-shard1of1');
  });

  it('the MobileNets are refused from a mirror without allowUnverified', async () => {
    cacheDir = await tempDir();
    const m = await tempDir();
    await mkdir(path.join(m, 'mobilenet-v1-1.0-224'));
    await expectResolveError(resolveModel('mobilenet-v1-1.0-224', { mirror: m, cacheDir }), 'UNVERIFIED', /cannot be verified/);
  });
});

describe('downloads from a local server', () => {
  const server = new TestServer();
  let m: FakeModel;
  let cat: Catalogue;
  let cacheDir: string;
  const logs: string[] = [];
  const base = (extra: Partial<ResolveOptions> = {}): ResolveOptions => ({ catalogue: cat, cacheDir, mirror: null, allowDownload: true, log: (s) => logs.push(s), ...extra });

  beforeAll(async () => {
    await server.start();
    m = makeFakeModel();
    cat = fakeCatalogue(server.base, m);
  });
  afterAll(() => server.stop());
  afterEach(async () => {
    serveFake(server, m);
    server.hits = [];
    logs.length = 0;
    if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
  });

  it('downloads, verifies, reports progress, installs in one step; then hits the cache', async () => {
    serveFake(server, m);
    cacheDir = path.join(await tempDir(), 'cache'); // does not exist yet
    const events: DownloadProgress[] = [];
    const r = await resolveModel('fake', base({ onProgress: (p) => events.push({ ...p }) }));
    expect(r).toMatchObject({ dir: path.join(cacheDir, 'fake'), source: 'download', verified: true, computed: [] });
    for (const [p, b] of Object.entries(m.files)) expect((await readFile(path.join(r.dir, p))).equals(b), p).toBe(true);
    expect(await ls(cacheDir)).toEqual(['fake']); // no temp folder left
    expect(await ls(r.dir)).toEqual([INSTALL_RECORD, 'group1-shard1of1', 'group2-shard1of1', 'labels.json', 'model.json'].sort());
    expect(server.hits.sort()).toEqual(['/fake/group1-shard1of1', '/fake/group2-shard1of1', '/fake/model.json', '/labels.js']);

    // progress: monotonic, ends at the total (the transformed labels file is not counted)
    const total = m.files['model.json']!.length + m.files['group1-shard1of1']!.length + m.files['group2-shard1of1']!.length;
    expect(events.length).toBeGreaterThan(4);
    expect(events.every((e) => e.bytesTotal === total && e.filesTotal === 4 && e.id === 'fake')).toBe(true);
    for (let i = 1; i < events.length; i++) {
      expect(events[i]!.bytesDone).toBeGreaterThanOrEqual(events[i - 1]!.bytesDone);
      expect(events[i]!.filesDone).toBeGreaterThanOrEqual(events[i - 1]!.filesDone);
    }
    expect(events.at(-1)).toMatchObject({ bytesDone: total, filesDone: 4 });
    expect(events.some((e) => e.file === 'group1-shard1of1' && e.fileBytes > 0 && e.fileBytes < 300_000)).toBe(true);

    // second call: the cache, checked, no request
    server.hits = [];
    const again = await resolveModel('fake', base());
    expect(again).toMatchObject({ dir: r.dir, source: 'cache', verified: true });
    expect(server.hits).toEqual([]);
  });

  it('a damaged cache copy is reported and fetched again', async () => {
    serveFake(server, m);
    cacheDir = await tempDir();
    await resolveModel('fake', base());
    const f = path.join(cacheDir, 'fake', 'group1-shard1of1');
    const bytes = await readFile(f);
    bytes[0] ^= 0xff;
    await writeFile(f, bytes);
    server.hits = [];
    const r = await resolveModel('fake', base());
    expect(r.source).toBe('download');
    expect(logs.join('\n')).toMatch(/cached copy of fake failed its check \(group1-shard1of1: sha256 .*\): fetching it again/);
    expect((await readFile(f)).equals(m.files['group1-shard1of1']!)).toBe(true);
    expect(server.hits.length).toBe(4);
    expect(await ls(cacheDir)).toEqual(['fake']); // the old copy's trash folder is gone
  });

  it('a damaged cache copy is not fetched again when offline: the error says so', async () => {
    serveFake(server, m);
    cacheDir = await tempDir();
    await resolveModel('fake', base());
    await rm(path.join(cacheDir, 'fake', 'model.json'));
    await expectResolveError(resolveModel('fake', base({ allowDownload: false })), 'OFFLINE', /its cached copy is damaged/);
    expect(logs.join('\n')).toMatch(/model\.json: missing/);
  });

  it('a damaged cache copy is replaced by a good mirror copy', async () => {
    serveFake(server, m);
    cacheDir = await tempDir();
    await resolveModel('fake', base());
    await writeFile(path.join(cacheDir, 'fake', 'group2-shard1of1'), 'short');
    const mirror = await tempDir();
    await mkdir(path.join(mirror, 'fake'));
    for (const [p, b] of Object.entries(m.files)) await writeFile(path.join(mirror, 'fake', p), b);
    const r = await resolveModel('fake', base({ mirror, allowDownload: false }));
    expect(r).toMatchObject({ source: 'mirror', dir: path.join(mirror, 'fake') });
    expect(logs.join('\n')).toMatch(/group2-shard1of1: size 5 bytes, expected 1024/);
  });

  it('a sha256 mismatch leaves nothing in the cache', async () => {
    serveFake(server, m);
    const wrong = Buffer.from(m.files['group2-shard1of1']!);
    wrong[7] ^= 1;
    server.routes.set('/fake/group2-shard1of1', { body: wrong });
    cacheDir = await tempDir();
    const e = await expectResolveError(resolveModel('fake', base()), 'INTEGRITY', /download of fake rejected: group2-shard1of1 from http:\/\/127\.0\.0\.1:\d+\/fake\/group2-shard1of1 has sha256 [0-9a-f]{64} \(1024 bytes\), the catalogue expects/);
    expect(e.file).toBe('group2-shard1of1');
    expect(await ls(cacheDir)).toEqual([]);
  });

  it('a file larger than the catalogue says is cut off and rejected', async () => {
    serveFake(server, m);
    server.routes.set('/fake/group2-shard1of1', { body: randomBytes(200_000) });
    cacheDir = await tempDir();
    await expectResolveError(resolveModel('fake', base()), 'INTEGRITY', /group2-shard1of1 .* is larger than the catalogue's 1024 bytes/);
    expect(await ls(cacheDir)).toEqual([]);
  });

  it('a labels module that does not derive to the recorded labels.json is rejected', async () => {
    serveFake(server, m);
    server.routes.set('/labels.js', { body: Buffer.from('export default ["cat", "dog"]') });
    cacheDir = await tempDir();
    await expectResolveError(resolveModel('fake', base()), 'INTEGRITY', /labels\.json from .*labels\.js has sha256/);
    server.routes.set('/labels.js', { body: Buffer.from('export default [cat]') });
    await expectResolveError(resolveModel('fake', base()), 'INTEGRITY', /labels\.json could not be derived/);
    expect(await ls(cacheDir)).toEqual([]);
  });

  it('an abort during the download leaves nothing behind', async () => {
    serveFake(server, m);
    server.routes.set('/fake/group1-shard1of1', { body: m.files['group1-shard1of1']!, chunk: 16_384, delayMs: 30 });
    cacheDir = await tempDir();
    const ctl = new AbortController();
    const events: DownloadProgress[] = [];
    const p = resolveModel('fake', base({
      signal: ctl.signal,
      onProgress: (e) => {
        events.push(e);
        if (e.file === 'group1-shard1of1' && e.fileBytes > 0) ctl.abort();
      },
    }));
    await expectResolveError(p, 'ABORTED', /resolving fake was aborted/);
    expect(events.some((e) => e.file === 'group1-shard1of1')).toBe(true);
    expect(await ls(cacheDir)).toEqual([]);
  });

  it('an already aborted signal makes no request', async () => {
    serveFake(server, m);
    cacheDir = await tempDir();
    await expectResolveError(resolveModel('fake', base({ signal: AbortSignal.abort() })), 'ABORTED');
    expect(server.hits).toEqual([]);
    expect(await ls(cacheDir)).toEqual([]);
  });

  it('a 404 names the URL and leaves nothing behind', async () => {
    serveFake(server, m);
    server.routes.delete('/fake/group2-shard1of1');
    cacheDir = await tempDir();
    const e = await expectResolveError(resolveModel('fake', base()), 'HTTP', /cannot download fake: HTTP 404 Not Found for http:\/\/127\.0\.0\.1:\d+\/fake\/group2-shard1of1/);
    expect(e.url).toBe(`${server.base}fake/group2-shard1of1`);
    expect(await ls(cacheDir)).toEqual([]);
  });

  it('a network error names the URL and says what to do', async () => {
    // a port nothing listens on: take one from a server and close it
    const s = new TestServer();
    await s.start();
    const deadBase = s.base;
    await s.stop();
    const deadCat = fakeCatalogue(deadBase, m);
    cacheDir = await tempDir();
    const e = await expectResolveError(resolveModel('fake', base({ catalogue: deadCat })), 'NETWORK', /connection refused \(ECONNREFUSED\)/);
    expect(e.message).toContain(deadBase);
    expect(e.message).toMatch(/set L2CAF_MODEL_MIRROR to a folder holding fake\/ or pass --model DIR/);
    expect(await ls(cacheDir)).toEqual([]);
  });

  it('an unverified model is refused without allowUnverified, before any request', async () => {
    serveFake(server, m);
    cacheDir = await tempDir();
    await expectResolveError(resolveModel('fake-unverified', base()), 'UNVERIFIED', /refusing to install fake-unverified: .*model\.json, the weight files model\.json lists.*allowUnverified/);
    expect(server.hits).toEqual([]);
    expect(await ls(cacheDir)).toEqual([]);
  });

  it('with allowUnverified it installs, prints the computed sha256s, and the cache then checks against them', async () => {
    serveFake(server, m);
    cacheDir = await tempDir();
    const r = await resolveModel('fake-unverified', base({ allowUnverified: true }));
    expect(r).toMatchObject({ source: 'download', verified: false, labelsFile: path.join(cacheDir, 'fake-unverified', 'labels.txt') });
    // the manifest's weight files were fetched with the source's query string
    expect(server.hits.sort()).toEqual(['/fake/group1-shard1of1?x=1', '/fake/group2-shard1of1?x=1', '/fake/model.json?x=1', '/shared/tiny.txt']);
    expect(r.computed.map((c) => c.path).sort()).toEqual(['group1-shard1of1', 'group2-shard1of1', 'model.json']);
    const text = logs.join('\n');
    for (const p of ['model.json', 'group1-shard1of1', 'group2-shard1of1']) {
      expect(text).toContain(`{"path": "${p}", "sha256": "${hashBytes(m.files[p]!)}", "size": ${m.files[p]!.length}}`);
    }
    expect(text).toMatch(/installed WITHOUT verification/);
    expect((await readFile(path.join(r.dir, 'labels.txt'))).equals(sharedLabels)).toBe(true);

    // cache hit without the flag: checked against the install record
    server.hits = [];
    expect((await resolveModel('fake-unverified', base())).source).toBe('cache');
    expect(server.hits).toEqual([]);
    // a damaged weight file is caught by the install record, and re-fetching needs the flag again
    await writeFile(path.join(r.dir, 'group2-shard1of1'), randomBytes(1024));
    await expectResolveError(resolveModel('fake-unverified', base()), 'UNVERIFIED');
    expect((await resolveModel('fake-unverified', base({ allowUnverified: true }))).source).toBe('download');
  });

  it.runIf(haveFixture('models/darknet-tiny'))('the real darknet-tiny entry installs from a server holding the fixture files', async () => {
    const real = await loadCatalogue();
    const entry = structuredClone(findEntry(real, 'darknet-tiny')!);
    entry.source.baseUrl = `${server.base}darknet/`;
    const labelsSpec = entry.source.files.find((f) => f.path === 'labels.json')!;
    labelsSpec.url = `${server.base}IMAGENET_CLASSES_DARKNET.js`;
    const local: Catalogue = { ...real, models: [entry], default: 'darknet-tiny' };
    server.routes.clear();
    for (const f of entry.source.files) {
      if (f.path !== 'labels.json') server.routes.set(`/darknet/${f.path}`, { body: await readFile(fixture(`models/darknet-tiny/${f.path}`)) });
    }
    const labels: string[] = JSON.parse(await readFile(fixture('models/darknet-tiny/labels.json'), 'utf8'));
    server.routes.set('/IMAGENET_CLASSES_DARKNET.js', {
      body: Buffer.from(`// Copyright (c) 2018 ml5\n/* eslint-disable */\nexport default [\n${labels.map((l) => `    ${JSON.stringify(l)},\n`).join('')}    \n]`),
    });
    cacheDir = await tempDir();
    const r = await resolveModel('darknet-tiny', base({ catalogue: local }));
    expect(r).toMatchObject({ source: 'download', verified: true });
    expect(await hashFile(path.join(r.dir, 'labels.json'))).toBe(labelsSpec.sha256);
    expect(server.hits.length).toBe(33);
  });
});

describe('progress bar', () => {
  const p: DownloadProgress = { id: 'darknet-tiny', file: 'x', fileBytes: 1, fileTotal: 2, bytesDone: 1_600_000, bytesTotal: 4_200_000, filesDone: 12, filesTotal: 33 };

  it('formats bytes, percent and files', () => {
    expect(formatProgress(p, 10)).toBe('darknet-tiny [####------]  38%  1.6/4.2 MB  12/33 files');
    expect(formatProgress({ ...p, bytesTotal: null }, 10)).toBe('darknet-tiny 1.6 MB  12/33 files');
  });

  it('writes to a TTY only', () => {
    const writes: string[] = [];
    const tty = { isTTY: true, write: (s: string) => { writes.push(s); return true; } } as unknown as NodeJS.WritableStream & { isTTY: boolean };
    const bar = createProgressBar({ stream: tty });
    bar.update(p);
    bar.update(p); // same percent: not redrawn
    bar.update({ ...p, bytesDone: 4_200_000 });
    bar.done();
    expect(writes.length).toBe(3);
    expect(writes[0]).toMatch(/^\r.* 38% /);
    expect(writes[2]).toBe('\n');

    const pipeWrites: string[] = [];
    const pipe = { isTTY: false, write: (s: string) => { pipeWrites.push(s); return true; } } as unknown as NodeJS.WritableStream;
    const quiet = createProgressBar({ stream: pipe });
    quiet.update(p);
    quiet.done();
    expect(pipeWrites).toEqual([]);
  });
});
