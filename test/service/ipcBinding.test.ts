// Electron's request channel, tested with a fake ipcMain (no electron import): sender check,
// allowlist, argument checks, shell methods, errors as data, and a call's signal firing when the
// page that made it is gone.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { bindService, handleCall, isAppUrl, type IpcMainLike, type InvokeEventLike, type ShellHandlers } from '../../electron/ipcBinding.js';
import { CALL_CHANNEL } from '../../electron/channels.js';
import { ServiceError } from '../../src/contract/index.js';

const APP = 'l2caf-app://app';
const fromApp: InvokeEventLike = { senderFrame: { url: `${APP}/index.html` } };

function fakeService() {
  const calls: { method: string; args: unknown }[] = [];
  return {
    calls,
    async call(method: string, args: unknown) {
      calls.push({ method, args });
      if (method === 'media.open') throw new ServiceError('media', `Not a video: "${(args as { path: string }).path}" is a text file`);
      return { echoed: method };
    },
  };
}

const shell: ShellHandlers = {
  'shell.openFile': async ({ kind }) => ({ path: `/picked/${kind}` }),
  'shell.saveExport': async ({ download }) => ({ path: `/saved/${download}` }),
};

function fakeIpcMain() {
  const handlers = new Map<string, (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>>();
  const ipc: IpcMainLike = {
    handle: (ch, l) => void handlers.set(ch, l),
    removeHandler: (ch) => void handlers.delete(ch),
  };
  return { ipc, handlers };
}

describe('the IPC binding', () => {
  it('registers one channel and removes it', () => {
    const { ipc, handlers } = fakeIpcMain();
    const off = bindService(ipc, fakeService(), shell, { appOrigin: APP });
    expect([...handlers.keys()]).toEqual([CALL_CHANNEL]);
    off();
    expect(handlers.size).toBe(0);
  });

  it('forwards allowlisted methods with checked arguments', async () => {
    const { ipc, handlers } = fakeIpcMain();
    const svc = fakeService();
    bindService(ipc, svc, shell, { appOrigin: APP });
    const reply = await handlers.get(CALL_CHANNEL)!(fromApp, 'models.describe', { model: 'darknet-tiny' });
    expect(reply).toEqual({ ok: true, result: { echoed: 'models.describe' } });
    expect(svc.calls).toEqual([{ method: 'models.describe', args: { model: 'darknet-tiny' } }]);
  });

  it('refuses methods outside the allowlist without calling the service', async () => {
    const svc = fakeService();
    for (const m of ['fs.readFile', 'constructor', '__proto__', 'toString', 42, null]) {
      const r = await handleCall(svc, shell, { appOrigin: APP }, fromApp, m, {});
      expect(r).toMatchObject({ ok: false, error: { code: 'unknown-method' } });
    }
    expect(svc.calls).toEqual([]);
  });

  it('refuses bad arguments with a message naming the field', async () => {
    const svc = fakeService();
    const cases: [string, unknown, string][] = [
      ['media.open', { path: 42 }, 'media.open.path must be a string, not number'],
      ['media.open', {}, 'media.open.path is required'],
      ['media.open', { path: 'a', extra: 1 }, 'media.open.extra is not a known argument'],
      ['media.open', 'not an object', 'media.open must be an object, not a string'],
      ['video.start', { file: 'a', methods: ['l2caf'], classes: [], stride: 0 }, 'video.start.stride must be at least 1'],
      ['video.start', { file: 'a', methods: ['rm -rf'], classes: [] }, 'video.start.methods[0] must be one of l2caf, l2caf-class, gradcam, cam'],
      ['job.cancel', { jobId: '../x' }, 'job.cancel.jobId has an invalid form'],
      ['export.start', { jobId: 'video-1', format: 'mp4', opacity: 2 }, 'export.start.opacity must be at most 1'],
      ['media.open', { path: 'a\u0000b' }, 'media.open.path contains a NUL character'],
      // no page names where an export goes: the service picks the name, Electron's dialog the copy
      ['export.start', { jobId: 'video-1', format: 'mp4', out: '/root/.bashrc' }, 'export.start.out is not a known argument'],
      ['volume.export', { jobId: 'volume-1', format: 'nifti', out: '/etc/passwd' }, 'volume.export.out is not a known argument'],
      ['shell.saveExport', { download: '../../etc/passwd' }, 'shell.saveExport.download has an invalid form'],
      ['shell.saveAs', { suggestedName: 'x' }, ''],
    ];
    for (const [m, a, msg] of cases) {
      const r = await handleCall(svc, shell, { appOrigin: APP }, fromApp, m, a);
      if (msg) expect(r, m).toEqual({ ok: false, error: { code: 'bad-arguments', message: msg } });
      else expect(r, m).toMatchObject({ ok: false, error: { code: 'unknown-method' } });
    }
    expect(svc.calls).toEqual([]);
  });

  it('accepts calls only from the app page', async () => {
    const svc = fakeService();
    for (const ev of [{}, { senderFrame: null }, { senderFrame: { url: 'https://example.com/' } }, { senderFrame: { url: 'file:///tmp/x.html' } }]) {
      const r = await handleCall(svc, shell, { appOrigin: APP }, ev, 'app.info', {});
      expect(r).toMatchObject({ ok: false, error: { code: 'unsupported' } });
    }
    expect(svc.calls).toEqual([]);
    expect(isAppUrl('l2caf-app://app/index.html', APP)).toBe(true);
    expect(isAppUrl('l2caf-app://other/index.html', APP)).toBe(false);
  });

  it('answers shell methods itself, checked too', async () => {
    const svc = fakeService();
    expect(await handleCall(svc, shell, { appOrigin: APP }, fromApp, 'shell.openFile', { kind: 'video' })).toEqual({ ok: true, result: { path: '/picked/video' } });
    expect(await handleCall(svc, shell, { appOrigin: APP }, fromApp, 'shell.openFile', { kind: 'etc' })).toMatchObject({ ok: false, error: { code: 'bad-arguments' } });
    expect(svc.calls).toEqual([]);
  });

  it('returns service errors as data with their code and message', async () => {
    const r = await handleCall(fakeService(), shell, { appOrigin: APP }, fromApp, 'media.open', { path: '/tmp/notes.txt' });
    expect(r).toEqual({ ok: false, error: { code: 'media', message: 'Not a video: "/tmp/notes.txt" is a text file' } });
  });
});

/** A service whose calls wait until `finish()` or their signal; it keeps each call's signal. */
function waitingService() {
  const signals: (AbortSignal | undefined)[] = [];
  const finishers: (() => void)[] = [];
  return {
    signals,
    finish: () => finishers.splice(0).forEach((f) => f()),
    call(_method: string, _args: unknown, signal?: AbortSignal) {
      signals.push(signal);
      return new Promise((resolve, reject) => {
        finishers.push(() => resolve({ done: true }));
        signal?.addEventListener('abort', () => reject(new ServiceError('cancelled', 'cancelled')), { once: true });
      });
    },
  };
}

describe('a call whose page is gone', () => {
  /** A page: its webContents (an EventEmitter standing in) and a call from it through the channel. */
  function page(handler: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>) {
    const sender = new EventEmitter();
    return { sender, call: () => handler({ senderFrame: { url: `${APP}/index.html` }, sender }, 'media.open', { path: '/clips/long.mp4' }) };
  }

  for (const gone of ['destroyed', 'did-navigate', 'render-process-gone']) {
    it(`is aborted when its webContents emits '${gone}'`, async () => {
      const { ipc, handlers } = fakeIpcMain();
      const svc = waitingService();
      bindService(ipc, svc, shell, { appOrigin: APP });
      const p = page(handlers.get(CALL_CHANNEL)!);
      const reply = p.call();
      expect(svc.signals[0]).toBeInstanceOf(AbortSignal);
      expect(svc.signals[0]!.aborted).toBe(false);
      p.sender.emit(gone);
      expect(await reply).toEqual({ ok: false, error: { code: 'cancelled', message: 'cancelled' } });
    });
  }

  it('leaves other pages\' calls, answered calls and the next page\'s calls alone', async () => {
    const { ipc, handlers } = fakeIpcMain();
    const svc = waitingService();
    bindService(ipc, svc, shell, { appOrigin: APP });
    const a = page(handlers.get(CALL_CHANNEL)!);
    const b = page(handlers.get(CALL_CHANNEL)!);
    const answered = a.call();
    expect(svc.signals[0]).toBeInstanceOf(AbortSignal);
    svc.finish();
    expect(await answered).toEqual({ ok: true, result: { done: true } });
    const fromA = a.call();
    const fromB = b.call();
    a.sender.emit('did-navigate');
    expect(await fromA).toMatchObject({ ok: false, error: { code: 'cancelled' } });
    // the answered call was forgotten, not aborted afterwards; the other page's call runs on
    expect(svc.signals.map((s) => s!.aborted)).toEqual([false, true, false]);
    // the page loaded after the navigation gets a signal of its own
    const next = a.call();
    expect(svc.signals[3]!.aborted).toBe(false);
    svc.finish();
    expect(await fromB).toEqual({ ok: true, result: { done: true } });
    expect(await next).toEqual({ ok: true, result: { done: true } });
  });
});
