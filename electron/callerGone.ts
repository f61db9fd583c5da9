// When the page that made a call is gone: its webContents destroyed (the window closed), its
// renderer process gone (crashed, killed) or another document loaded in it (a reload; the app
// allows no navigation elsewhere). Each call gets a signal that fires then, as the HTTP server's
// 'client gone' fires for a request whose client went away, so long calls (media.open's probe,
// media.proxy, media.sample's download) stop when no page is left to take their answer. No
// electron import: tests pass an EventEmitter as the sender.

/** What is used of a call's sender (Electron's WebContents). */
export interface SenderLike {
  on(event: 'destroyed' | 'did-navigate' | 'render-process-gone', listener: () => void): unknown;
}

/** One call's signal; end() once it is answered (it is then forgotten, never aborted). */
export interface CallLifetime {
  signal: AbortSignal;
  end(): void;
}

/** The unanswered calls of each sender, aborted together when its page goes. */
const unanswered = new WeakMap<SenderLike, Set<AbortController>>();

function callsOf(sender: SenderLike): Set<AbortController> {
  let calls = unanswered.get(sender);
  if (!calls) {
    const set = new Set<AbortController>();
    // one set of listeners per sender (not per call: a busy page would pile them up)
    const gone = (): void => {
      for (const c of set) c.abort();
      set.clear();
    };
    sender.on('destroyed', gone);
    sender.on('render-process-gone', gone);
    // a main-frame document committed (not an in-page hash change): the old page has been unloaded
    sender.on('did-navigate', gone);
    unanswered.set(sender, set);
    calls = set;
  }
  return calls;
}

/** A signal for a call from `sender` (none given: a signal that never fires). */
export function callerGone(sender: SenderLike | undefined): CallLifetime {
  const gaveUp = new AbortController();
  if (!sender) return { signal: gaveUp.signal, end: () => {} };
  const calls = callsOf(sender);
  calls.add(gaveUp);
  return { signal: gaveUp.signal, end: () => void calls.delete(gaveUp) };
}
