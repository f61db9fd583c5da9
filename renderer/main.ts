// Entry of the renderer bundle: picks the host (Electron's bridge when the preload exposed it,
// else the local server this page came from) and starts the app.
import { App } from './app/app.js';
import { ElectronHost } from './host/electronHost.js';
import { WebHost } from './host/webHost.js';
import { BRIDGE_KEY, type L2cafBridge } from './host/bridge.js';
import type { Host } from './host/Host.js';

function webHost(): WebHost {
  // no credential here: the session is an HttpOnly cookie the browser sends by itself
  return new WebHost({
    base: new URL('./', location.href).toString(),
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
