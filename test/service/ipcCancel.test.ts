// Electron's path end to end, without Electron: the IPC binding (fake ipcMain, an EventEmitter as
// the page's webContents) over serviceClient to the service in a process of its own (forked, as
// Electron's utilityProcess runs it). A page that goes away while its media.open probes a long
// clip stops that probe in the service process, as the HTTP server's 'client gone' does.
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bindService, type InvokeEventLike, type ShellHandlers } from '../../electron/ipcBinding.js';
import { CALL_CHANNEL } from '../../electron/channels.js';
import { ffmpegBinary } from '../../src/media/ffmpegPath.js';
import { serviceClient } from '../../src/service/serviceClient.js';
import type { ClientMessage, HostMessage } from '../../src/service/processProtocol.js';
import { fixture, haveFixture, PROJECT_ROOT } from '../helpers/fixtures.js';
import { childProcesses } from '../helpers/processes.js';

const APP = 'l2caf-app://app';
const entry = path.join(PROJECT_ROOT, 'dist', 'service', 'serviceProcess.js');
const built = existsSync(entry);
if (!built) console.warn(`[skip] ${entry} is missing: build first (npm run build)`);

const shell: ShellHandlers = {
  'shell.openFile': async () => null,
  'shell.saveExport': async () => null,
};

describe.skipIf(!built || !haveFixture('videos/car-detection.mp4') || process.platform !== 'linux')('an Electron page that went away', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'l2caf-ipccancel-'));
  const long = path.join(tmp, 'long.mp4');
  let child: ChildProcess;
  let call: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>;
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    // the clip 20 times (4 minutes, copied: made at once): its probe decodes for seconds
    execFileSync(ffmpegBinary().path, ['-v', 'error', '-stream_loop', '19', '-i', fixture('videos/car-detection.mp4'), '-an', '-c', 'copy', long]);
    child = fork(entry, [], { serialization: 'advanced', env: { ...process.env, L2CAF_DATA_DIR: path.join(tmp, 'data') }, stdio: 'ignore' });
    const client = serviceClient({
      post: (m: ClientMessage) => child.send(m),
      onMessage: (l: (m: HostMessage) => void) => child.on('message', (m) => l(m as HostMessage)),
    });
    await client.ready;
    dispose = () => client.dispose();
    const handlers = new Map<string, typeof call>();
    bindService({ handle: (ch, l) => void handlers.set(ch, l), removeHandler: () => {} }, client, shell, { appOrigin: APP });
    call = handlers.get(CALL_CHANNEL)!;
  }, 60_000);
  afterAll(async () => {
    if (child?.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      await dispose().catch(() => {});
      await exited;
    }
    rmSync(tmp, { recursive: true, force: true });
  });

  it('stops the probe its media.open started in the service process; a new page opens clips', async () => {
    const webContents = new EventEmitter();
    const fromPage: InvokeEventLike = { senderFrame: { url: `${APP}/index.html` }, sender: webContents };
    const t0 = Date.now();
    const reply = call(fromPage, 'media.open', { path: long });
    await new Promise((r) => setTimeout(r, 600));
    expect(childProcesses('ffmpeg', child.pid!).length).toBeGreaterThan(0);
    webContents.emit('destroyed');
    expect(await reply).toMatchObject({ ok: false, error: { code: 'cancelled' } });
    expect(Date.now() - t0).toBeLessThan(2000);
    // the service answers only once its ffmpeg has exited
    expect(childProcesses('ffmpeg', child.pid!)).toEqual([]);

    const next = new EventEmitter();
    const opened = await call({ senderFrame: { url: `${APP}/index.html` }, sender: next }, 'media.open', { path: fixture('videos/car-detection.mp4') });
    expect(opened).toMatchObject({ ok: true, result: { kind: 'video', video: { frameCount: 377 } } });
  }, 60_000);
});
