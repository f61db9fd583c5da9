// The preload (sandboxed, so bundled to CommonJS by scripts/build-electron.mjs): exposes only the
// contract on window.l2caf, never ipcRenderer. Calls go to the one request channel, where main
// checks the method and the arguments.
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import type { L2cafBridge } from '../renderer/host/bridge.js';
import type { ServiceEvent } from '../src/contract/events.js';
import { CALL_CHANNEL, EVENT_CHANNEL } from './channels.js';

const bridge: L2cafBridge = {
  version: 1,
  call: (method, args) => ipcRenderer.invoke(CALL_CHANNEL, String(method), args),
  onEvent(listener) {
    const h = (_e: IpcRendererEvent, ev: ServiceEvent) => listener(ev);
    ipcRenderer.on(EVENT_CHANNEL, h);
    return () => void ipcRenderer.removeListener(EVENT_CHANNEL, h);
  },
  pathForFile: (file) => webUtils.getPathForFile(file),
};

contextBridge.exposeInMainWorld('l2caf', bridge);
