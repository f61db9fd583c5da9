// How the browser-mode page brings the session's page key to `l2caf serve` (why it needs one:
// src/server/session.ts): names the server and the web host (renderer/host/webHost.ts) share.

/** The header an API call, upload or binary fetch brings the page key in. */
export const KEY_HEADER = 'x-l2caf-key';
/** The query parameter the event stream brings it in (EventSource cannot send headers). */
export const KEY_PARAM = 'key';
/** The <meta name> the page the sign-in answers with carries the key in. */
export const KEY_META = 'l2caf-key';
