// The IPC channel names: one request channel (renderer -> main, invoke), and one event channel
// (main -> renderer only; the renderer never sends on it). Shared by main, preload and tests.
export const CALL_CHANNEL = 'l2caf:call';
export const EVENT_CHANNEL = 'l2caf:event';
