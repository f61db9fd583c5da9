// The Service interface over messages to a service process (serviceProcess.ts). Electron's main
// process uses this, so its event loop only forwards: the IPC binding and the custom protocols
// cannot tell it from the in-process service.
import { ServiceError, type ServiceEvent } from '../contract/index.js';
import type { BinaryReply, ClientMessage, HostMessage, MessagePortLike } from './processProtocol.js';
import type { Service } from './service.js';
import type { OpenedFile } from './mediaRegistry.js';

type Pending = { resolve: (v: unknown) => void; reject: (e: unknown) => void };
/** What send() posts (a 'cancel' is posted on its own: nothing answers it). */
type Outgoing = Exclude<ClientMessage, { type: 'cancel' }> extends infer M ? (M extends { id: number } ? Omit<M, 'id'> : never) : never;

export function serviceClient(port: MessagePortLike<HostMessage, ClientMessage>): Service & { ready: Promise<void>; fail(reason: string): void } {
  let nextId = 1;
  const pending = new Map<number, Pending>();
  const listeners = new Set<(e: ServiceEvent) => void>();
  let readyResolve!: () => void;
  const ready = new Promise<void>((r) => (readyResolve = r));
  let failed: string | null = null;

  port.onMessage((m) => {
    if (m.type === 'ready') readyResolve();
    else if (m.type === 'event') for (const l of listeners) l(m.event);
    else if (m.type === 'reply') {
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.ok) p.resolve(m.result);
      else p.reject(ServiceError.fromInfo(m.error));
    }
  });

  /**
   * `signal`: the caller gave up; the process is told (its call's own signal fires there) and the
   * answer, usually 'cancelled', still settles the call, as in the process.
   */
  const send = (m: Outgoing, signal?: AbortSignal): Promise<unknown> => {
    if (failed) return Promise.reject(new ServiceError('internal', failed));
    const id = nextId++;
    const cancel = (): void => port.post({ type: 'cancel', id });
    const answered = new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      port.post({ ...m, id } as ClientMessage);
    });
    if (!signal) return answered;
    if (signal.aborted) cancel();
    else {
      signal.addEventListener('abort', cancel, { once: true });
      const done = (): void => signal.removeEventListener('abort', cancel);
      answered.then(done, done);
    }
    return answered;
  };

  return {
    ready,
    /** the process died: every waiting and future call fails with the reason */
    fail(reason) {
      failed = reason;
      for (const p of pending.values()) p.reject(new ServiceError('internal', reason));
      pending.clear();
    },
    call: (method, args, signal) => send({ type: 'call', method, args }, signal),
    onEvent(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    binary: (handle) => send({ type: 'binary', handle }) as Promise<BinaryReply>,
    downloadPath: (handle) => send({ type: 'download', handle }) as Promise<string | undefined>,
    mediaFile: (mediaId) => send({ type: 'media', mediaId }) as Promise<OpenedFile | null>,
    uploadsDir: () => send({ type: 'uploads' }) as Promise<string>,
    async dispose() {
      await send({ type: 'dispose' }).catch(() => {});
      listeners.clear();
    },
  };
}
