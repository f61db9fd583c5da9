// What Electron's preload exposes on window.l2caf (contextBridge). Only the contract: one call
// function (the main process checks the method against the allowlist and the arguments), event
// subscription, binary fetch by handle and the path of a dropped file. Never ipcRenderer itself.
import type { BinaryRef, ServiceErrorInfo, ServiceEvent } from '../../src/contract/index.js';

/** A call's answer over IPC: errors are data (Electron would flatten a thrown error's fields). */
export type BridgeReply = { ok: true; result: unknown } | { ok: false; error: ServiceErrorInfo };

export interface L2cafBridge {
  readonly version: 1;
  call(method: string, args: unknown): Promise<BridgeReply>;
  onEvent(listener: (e: ServiceEvent) => void): () => void;
  /** webUtils.getPathForFile: the path of a File from a drop or an input */
  pathForFile(file: File): string;
}

export const BRIDGE_KEY = 'l2caf';
/** The custom protocols Electron's main registers (privileged, fetch + stream). */
export const MEDIA_SCHEME = 'l2caf-media';
export const BIN_SCHEME = 'l2caf-bin';

export function binHandle(ref: BinaryRef | string): string {
  return typeof ref === 'string' ? ref : ref.handle;
}
