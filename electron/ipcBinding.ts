// Binds the service to Electron's ONE request channel. Everything a renderer sends is untrusted:
// the sender frame must be the app's own page, the method must be in the allowlist (the
// contract's spec tables), and the arguments must pass their checks, before the service (or a
// shell handler: dialogs, show in folder) sees the call. Replies are data ({ok, result} or
// {ok: false, error}) because Electron flattens thrown errors. A service call stops when the page
// that made it is gone (callerGone.ts). No electron import: tests pass a fake ipcMain.
import {
  ArgumentError, checkArgs, isServiceMethod, isShellMethod, SERVICE_METHOD_SPECS, SHELL_METHOD_SPECS, toErrorInfo,
  type ServiceErrorInfo, type ShellMethods,
} from '../src/contract/index.js';
import type { Service } from '../src/service/service.js';
import { callerGone, type SenderLike } from './callerGone.js';
import { CALL_CHANNEL } from './channels.js';

export interface InvokeEventLike {
  senderFrame?: { url: string } | null;
  /** the webContents that sent the call: its page going away aborts the call */
  sender?: SenderLike;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

export type ShellHandlers = {
  [K in keyof ShellMethods]: (args: ShellMethods[K]['args'], event: InvokeEventLike) => Promise<ShellMethods[K]['result']>;
};

export type Reply = { ok: true; result: unknown } | { ok: false; error: ServiceErrorInfo };

export interface BindingOptions {
  /** the app's page origin, e.g. 'l2caf-app://app' */
  appOrigin: string;
}

/** Pure: whether a sender frame's URL belongs to the app (not a page it navigated to). */
export function isAppUrl(url: string | undefined, appOrigin: string): boolean {
  if (!url) return false;
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}` === appOrigin;
  } catch {
    return false;
  }
}

/** The checks and dispatch of one call (exported for tests); `signal`: the page that sent it is gone. */
export async function handleCall(service: Pick<Service, 'call'>, shell: ShellHandlers, opts: BindingOptions, event: InvokeEventLike, method: unknown, args: unknown, signal?: AbortSignal): Promise<Reply> {
  const fail = (code: ServiceErrorInfo['code'], message: string): Reply => ({ ok: false, error: { code, message } });
  if (!isAppUrl(event.senderFrame?.url, opts.appOrigin)) return fail('unsupported', 'calls are only accepted from the app\'s own page');
  const name = typeof method === 'string' ? method : '';
  try {
    if (isShellMethod(name)) {
      checkArgs(SHELL_METHOD_SPECS[name], args, name);
      const fn = shell[name] as (a: unknown, e: InvokeEventLike) => Promise<unknown>;
      return { ok: true, result: await fn(args, event) };
    }
    if (!isServiceMethod(name)) return fail('unknown-method', `unknown method ${JSON.stringify(String(method)).slice(0, 80)}`);
    checkArgs(SERVICE_METHOD_SPECS[name], args, name);
    return { ok: true, result: (await service.call(name, args, signal)) ?? null };
  } catch (e) {
    if (e instanceof ArgumentError) return fail('bad-arguments', e.message);
    return { ok: false, error: toErrorInfo(e) };
  }
}

/** Registers the channel; returns the function that removes it. */
export function bindService(ipcMain: IpcMainLike, service: Pick<Service, 'call'>, shell: ShellHandlers, opts: BindingOptions): () => void {
  ipcMain.handle(CALL_CHANNEL, async (event, method, args) => {
    const call = callerGone(event.sender);
    try {
      return await handleCall(service, shell, opts, event, method, args, call.signal);
    } finally {
      call.end();
    }
  });
  return () => ipcMain.removeHandler(CALL_CHANNEL);
}
