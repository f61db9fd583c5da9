// Electron's main process: one window, a menu, the custom protocols and the ONE request channel
// into the service. The service itself runs in a utility process (src/service/serviceProcess.ts),
// so model work never blocks this event loop; this process only forwards calls, events, media and
// binaries. The window: contextIsolation, sandbox, no nodeIntegration, a strict CSP, no
// navigation away from the app, no new windows, no permissions.
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, session, shell, utilityProcess, type MenuItemConstructorOptions } from 'electron';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serviceClient } from '../src/service/serviceClient.js';
import type { ClientMessage, HostMessage } from '../src/service/processProtocol.js';
import { bindService, isAppUrl, type ShellHandlers } from './ipcBinding.js';
import { EVENT_CHANNEL } from './channels.js';
import { saveExport } from './exportDelivery.js';
import { APP_ORIGIN, APP_SCHEME, appHandler, BIN_SCHEME, binHandler, MEDIA_SCHEME, mediaHandler } from './protocols.js';

// dist/electron/main.mjs -> dist/
const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RENDERER_DIR = path.join(DIST, 'renderer');
const SERVICE_ENTRY = path.join(DIST, 'service', 'serviceProcess.js');

protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  { scheme: MEDIA_SCHEME, privileges: { standard: true, secure: true, stream: true, supportFetchAPI: true } },
  { scheme: BIN_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

/** In an installed app: the ffmpeg and models/ shipped as extra resources (build/electron-builder.json). */
function packagedEnv(): Record<string, string> {
  if (!app.isPackaged) return {};
  const res = process.resourcesPath;
  return {
    ...(process.env.FFMPEG_PATH ? {} : { FFMPEG_PATH: path.join(res, 'ffmpeg', process.platform === 'win32' ? 'ffmpeg.exe' : 'ffmpeg') }),
    ...(process.env.L2CAF_MODEL_MIRROR ? {} : { L2CAF_MODEL_MIRROR: path.join(res, 'models') }),
  };
}

function startServiceProcess() {
  const child = utilityProcess.fork(SERVICE_ENTRY, [], {
    serviceName: 'L2-CAF Studio service',
    stdio: 'inherit',
    env: { ...process.env, L2CAF_SERVICE_HOST: 'electron', ...packagedEnv() },
  });
  const client = serviceClient({
    post: (m: ClientMessage) => child.postMessage(m),
    onMessage: (l: (m: HostMessage) => void) => child.on('message', (m: unknown) => l(m as HostMessage)),
  });
  child.once('exit', (code) => client.fail(`the analysis process stopped (exit code ${code}): restart the app`));
  return { child, client };
}

function shellHandlers(win: () => BrowserWindow | null, client: ReturnType<typeof serviceClient>): ShellHandlers {
  return {
    async 'shell.openFile'({ kind }) {
      const w = win();
      const opts: Electron.OpenDialogOptions = {
        title: kind === 'model-folder' ? 'Choose a model folder (with model.json)' : 'Open',
        properties: kind === 'model-folder' ? ['openDirectory'] : ['openFile'],
        filters:
          kind === 'video' ? [{ name: 'Videos', extensions: ['mp4', 'webm', 'mkv', 'mov', 'avi', 'gif'] }]
          : kind === 'volume' ? [{ name: 'Volumes', extensions: ['nii', 'gz', 'dcm'] }]
          : kind === 'any' ? [{ name: 'Videos and volumes', extensions: ['mp4', 'webm', 'mkv', 'mov', 'avi', 'gif', 'nii', 'gz', 'dcm'] }, { name: 'All files', extensions: ['*'] }]
          : [],
      };
      const r = w ? await dialog.showOpenDialog(w, opts) : await dialog.showOpenDialog(opts);
      return r.canceled || !r.filePaths[0] ? null : { path: r.filePaths[0] };
    },
    async 'shell.saveExport'({ download }) {
      return saveExport({
        service: client,
        async askSavePath(name) {
          const w = win();
          // showOverwriteConfirmation: replacing a file needs the user's yes in the dialog
          const opts: Electron.SaveDialogOptions = { defaultPath: path.join(app.getPath('videos'), name), properties: ['showOverwriteConfirmation', 'createDirectory'] };
          const r = w ? await dialog.showSaveDialog(w, opts) : await dialog.showSaveDialog(opts);
          return r.canceled || !r.filePath ? null : r.filePath;
        },
        reveal: (file) => shell.showItemInFolder(file),
      }, download);
    },
  };
}

function buildMenu(): void {
  const template: MenuItemConstructorOptions[] = [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
    { role: 'fileMenu' },
    { role: 'editMenu' },
    { role: 'viewMenu' },
    { role: 'windowMenu' },
    { role: 'help', submenu: [{ label: 'L2-CAF (Taha et al., ECCV 2020)', click: () => void shell.openExternal('https://arxiv.org/abs/1905.12287') }] },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

async function main(): Promise<void> {
  await app.whenReady();
  const { child, client } = startServiceProcess();
  await client.ready;

  protocol.handle(APP_SCHEME, appHandler(RENDERER_DIR));
  protocol.handle(MEDIA_SCHEME, mediaHandler(client));
  protocol.handle(BIN_SCHEME, binHandler(client));
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));

  let win: BrowserWindow | null = null;
  bindService(ipcMain, client, shellHandlers(() => win, client), { appOrigin: APP_ORIGIN });
  client.onEvent((e) => {
    if (win && !win.isDestroyed()) win.webContents.send(EVENT_CHANNEL, e);
  });
  buildMenu();

  const createWindow = () => {
    win = new BrowserWindow({
      width: 1360,
      height: 900,
      title: 'L2-CAF Studio',
      backgroundColor: '#0f1114',
      webPreferences: {
        preload: path.join(DIST, 'electron', 'preload.cjs'),
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        webSecurity: true,
        spellcheck: false,
      },
    });
    win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
    win.webContents.on('will-navigate', (ev, url) => {
      if (!isAppUrl(url, APP_ORIGIN)) ev.preventDefault();
    });
    win.on('closed', () => (win = null));
    // --sample: open the sample clip with the default model at once (as `l2caf serve --sample`).
    void win.loadURL(`${APP_ORIGIN}/index.html${process.argv.includes('--sample') ? '#sample' : ''}`);
  };
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  // cancel jobs (ffmpeg, workers) before quitting
  let quitting = false;
  app.on('before-quit', (ev) => {
    if (quitting) return;
    quitting = true;
    ev.preventDefault();
    void client.dispose().finally(() => {
      child.kill();
      app.quit();
    });
  });
}

main().catch((e) => {
  dialog.showErrorBox('L2-CAF Studio could not start', e instanceof Error ? e.message : String(e));
  app.exit(1);
});
