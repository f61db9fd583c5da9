// A PNG-sequence export is a folder; the browser mode hands it over as one ZIP (a browser cannot
// save a folder): every file byte for byte, stored, hidden files and subfolders left out, written
// under the response's backpressure.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService, type Service } from '../../src/service/service.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { writeFolderZip, zipEntries } from '../../src/server/zipFolder.js';
import { request, signIn, type TestSession } from './signIn.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'l2caf-zip-'));
const folder = path.join(tmp, 'clip-attention-1a2b3c');
// incompressible bytes, big enough that a slow reader fills the stream's buffer many times
const frame = (i: number) => Uint8Array.from({ length: 300_000 }, (_, k) => (k * 2654435761 + i * 97) >>> 24);

beforeAll(() => {
  mkdirSync(path.join(folder, 'sub'), { recursive: true });
  for (let i = 0; i < 4; i++) writeFileSync(path.join(folder, `frame-${String(i).padStart(5, '0')}.png`), frame(i));
  writeFileSync(path.join(folder, 'timeline.json'), '{"frames":[]}');
  writeFileSync(path.join(folder, '.partial'), 'x');
  writeFileSync(path.join(folder, 'sub', 'inner.png'), 'y');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A Writable that takes a chunk every few ms: write() returns false, so the writer must wait for 'drain'. */
function slowSink(): { sink: Writable; bytes: () => Buffer } {
  const parts: Buffer[] = [];
  const sink = new Writable({
    highWaterMark: 16 * 1024,
    write(chunk: Buffer, _enc, done) {
      parts.push(Buffer.from(chunk));
      setTimeout(done, 1);
    },
  });
  return { sink, bytes: () => Buffer.concat(parts) };
}

describe('writeFolderZip', () => {
  it('holds the folder\'s visible files byte for byte, stored, in name order', async () => {
    expect(await zipEntries(folder)).toEqual(['frame-00000.png', 'frame-00001.png', 'frame-00002.png', 'frame-00003.png', 'timeline.json']);
    const { sink, bytes } = slowSink();
    await writeFolderZip(folder, sink);
    await new Promise<void>((r) => sink.end(r));
    const files = unzipSync(bytes());
    expect(Object.keys(files)).toEqual(['frame-00000.png', 'frame-00001.png', 'frame-00002.png', 'frame-00003.png', 'timeline.json']);
    for (let i = 0; i < 4; i++) expect(Buffer.from(files[`frame-0000${i}.png`]!).equals(Buffer.from(frame(i)))).toBe(true);
    expect(new TextDecoder().decode(files['timeline.json'])).toBe('{"frames":[]}');
    // stored: the archive is the files plus headers, not smaller
    expect(bytes().length).toBeGreaterThan(4 * 300_000);
  });

  it('stops when the reader goes away instead of waiting for it forever', async () => {
    const sink = new Writable({ highWaterMark: 1024, write: () => {} }); // never takes a chunk
    const written = writeFolderZip(folder, sink);
    setTimeout(() => sink.destroy(), 50);
    await expect(written).rejects.toThrow(/closed before it ended/);
  });
});

describe('GET /download/<id> of a folder', () => {
  let service: Service;
  let server: RunningServer;
  let session: TestSession;
  const handle = 'dl-00112233445566ff';
  beforeAll(async () => {
    mkdirSync(path.join(tmp, 'r'));
    writeFileSync(path.join(tmp, 'r', 'index.html'), '<title>app</title>');
    const real = createService({ host: 'web', dataDir: path.join(tmp, 'data'), videoCacheDir: null });
    // the export job's handle, for a folder made here
    service = { ...real, downloadPath: async (h: string) => (h === handle ? folder : real.downloadPath(h)) };
    server = await startServer({ service, staticDir: path.join(tmp, 'r') });
    session = await signIn(server);
  });
  afterAll(async () => {
    await server.close();
    await service.dispose();
  });

  it('answers a ZIP named after the folder', async () => {
    const r = await request(server.port, `/download/${handle}`, { headers: session.headers });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/zip');
    expect(r.headers['content-disposition']).toBe('attachment; filename="clip-attention-1a2b3c.zip"');
    const files = unzipSync(new Uint8Array(r.body));
    expect(Object.keys(files).sort()).toEqual(['frame-00000.png', 'frame-00001.png', 'frame-00002.png', 'frame-00003.png', 'timeline.json']);
    expect(Buffer.from(files['frame-00002.png']!).equals(readFileSync(path.join(folder, 'frame-00002.png')))).toBe(true);
    // without the session: nothing
    expect((await request(server.port, `/download/${handle}`)).status).toBe(401);
  });
});
