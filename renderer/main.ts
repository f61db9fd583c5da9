// Entry of the renderer bundle: picks the host (Electron's bridge when the preload exposed it,
// else the local server this page came from) and starts the app.
import { App } from './app/app.js';
import { ElectronHost } from './host/electronHost.js';
import { WebHost } from './host/webHost.js';
import { BRIDGE_KEY, type L2cafBridge } from './host/bridge.js';
import type { Host } from './host/Host.js';
import { KEY_META } from '../src/contract/index.js';

/**
 * The session's page key: from the page the sign-in URL answered with (then kept in localStorage,
 * which is per origin, port included, so other tabs of this server find it and no other server's
 * page can read it, and the spent token leaves the address bar), else from localStorage.
 */
function pageKey(): string | undefined {
  const given = document.querySelector(`meta[name="${KEY_META}"]`)?.getAttribute('content') ?? undefined;
  let kept: string | undefined;
  try {
    if (given) localStorage.setItem(KEY_META, given);
    else kept = localStorage.getItem(KEY_META) ?? undefined;
  } catch {
    // storage refused (a locked-down profile): this tab keeps the key it was given
  }
  if (given) history.replaceState(null, '', `${location.pathname}${location.hash}`);
  return given ?? kept;
}

function webHost(): WebHost {
  // the session cookie is HttpOnly (the browser sends it by itself); the page key is sent by the host
  const key = pageKey();
  return new WebHost({
    base: new URL('./', location.href).toString(),
    ...(key ? { key } : {}),
    EventSource: window.EventSource,
    download: (url, name) => {
      const a = document.createElement('a');
      a.href = url;
      a.download = name;
      a.dataset.testid = 'download-link';
      document.body.append(a);
      a.click();
      a.remove();
    },
    askPath: async (what) => window.prompt(`Path of the ${what}:`)?.trim() || null,
  });
}

function boot(): void {
  const root = document.getElementById('app');
  if (!root) throw new Error('index.html has no #app');
  const bridge = (window as unknown as Record<string, L2cafBridge | undefined>)[BRIDGE_KEY];
  const host: Host = bridge ? new ElectronHost(bridge) : webHost();
  const app = new App(root, host);
  void app.init();
  document.body.dataset.ready = '1';
}

try {
  boot();
} catch (e) {
  // never a blank screen: say what went wrong
  document.body.textContent = `L2-CAF Studio could not start: ${(e as Error).message}`;
}
