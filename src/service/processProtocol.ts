// Messages between a process that hosts the service (serviceProcess.ts: Electron's utility
// process, or a Node child in tests) and its client (serviceClient.ts, in Electron's main process).
// Structured-clone data: binaries travel as Uint8Array, never as JSON.
import type { BinaryRef, ServiceErrorInfo, ServiceEvent } from '../contract/index.js';

export type ClientMessage =
  | { type: 'call'; id: number; method: string; args: unknown }
  | { type: 'binary'; id: number; handle: string }
  | { type: 'download'; id: number; handle: string }
  | { type: 'media'; id: number; mediaId: string }
  | { type: 'uploads'; id: number }
  | { type: 'dispose'; id: number }
  /** the caller of call `id` gave up (its page went away): its signal fires there; no reply of its own */
  | { type: 'cancel'; id: number };

export type HostMessage =
  | { type: 'reply'; id: number; ok: true; result: unknown }
  | { type: 'reply'; id: number; ok: false; error: ServiceErrorInfo }
  | { type: 'event'; event: ServiceEvent }
  | { type: 'ready' };

export type BinaryReply = { ref: BinaryRef; bytes: Uint8Array } | undefined;

/** Either end of the channel: post a message, receive messages. */
export interface MessagePortLike<In, Out> {
  post(message: Out): void;
  onMessage(listener: (message: In) => void): void;
}
