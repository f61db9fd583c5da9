// Entry of the process that runs the service away from Electron's main process, whose event loop
// must stay free for the window (the issue: "heavy work never runs on the main process's event
// loop"). Electron starts it with utilityProcess.fork (messages on process.parentPort); tests
// start it with child_process.fork (process.send). Model solves run here; backbone passes run in
// the video pipeline's worker threads inside this process.
import { toErrorInfo } from '../contract/index.js';
import type { ClientMessage, HostMessage } from './processProtocol.js';
import { createService } from './service.js';

interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
const post = (m: HostMessage): void => {
  if (parentPort) parentPort.postMessage(m);
  else process.send?.(m);
};
const onMessage = (l: (m: ClientMessage) => void): void => {
  if (parentPort) parentPort.on('message', (e) => l(e.data as ClientMessage));
  else process.on('message', (m) => l(m as ClientMessage));
};

const host = process.env.L2CAF_SERVICE_HOST === 'electron' ? 'electron' : 'test';
const service = createService({ host, dataDir: process.env.L2CAF_DATA_DIR || undefined });
service.onEvent((event) => post({ type: 'event', event }));

/** The calls being answered, by id: a 'cancel' from the client aborts one (its caller gave up). */
const running = new Map<number, AbortController>();

async function answer(m: Exclude<ClientMessage, { type: 'cancel' }>): Promise<unknown> {
  switch (m.type) {
    case 'call': {
      const gaveUp = new AbortController();
      running.set(m.id, gaveUp);
      try {
        return await service.call(m.method, m.args, gaveUp.signal);
      } finally {
        running.delete(m.id);
      }
    }
    case 'binary':
      return service.binary(m.handle);
    case 'download':
      return service.downloadPath(m.handle);
    case 'media':
      return service.mediaFile(m.mediaId);
    case 'uploads':
      return service.uploadsDir();
    case 'dispose':
      await service.dispose();
      setImmediate(() => process.exit(0));
      return null;
  }
}

onMessage((m) => {
  if (!m || typeof m !== 'object' || typeof (m as { id?: unknown }).id !== 'number') return;
  if (m.type === 'cancel') return void running.get(m.id)?.abort();
  answer(m).then(
    (result) => post({ type: 'reply', id: m.id, ok: true, result }),
    (e) => post({ type: 'reply', id: m.id, ok: false, error: toErrorInfo(e) }),
  );
});
post({ type: 'ready' });
