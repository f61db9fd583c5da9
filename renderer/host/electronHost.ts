// The Host over Electron's preload bridge. Files come from the native dialog or a drop (their
// paths, no copy); media and binaries through the custom protocols; exports are saved by the main
// process where its save dialog is told (the page names the export's handle, never a path).
import { ServiceError, type ArgsOf, type ResultOf, type ServiceEvent, type ServiceMethodName } from '../../src/contract/index.js';
import type { FileListLike, Host, OpenedFile, OpenFileOptions, SaveOptions } from './Host.js';
import { BIN_SCHEME, binHandle, MEDIA_SCHEME, type L2cafBridge } from './bridge.js';

export class ElectronHost implements Host {
  readonly kind = 'electron' as const;

  constructor(private readonly bridge: L2cafBridge, private readonly fetchImpl: typeof fetch = (...a) => fetch(...a)) {}

  private async raw(method: string, args: unknown): Promise<unknown> {
    const reply = await this.bridge.call(method, args);
    if (!reply.ok) throw ServiceError.fromInfo(reply.error);
    return reply.result;
  }

  call<M extends ServiceMethodName>(method: M, args: ArgsOf<M>): Promise<ResultOf<M>> {
    return this.raw(method, args) as Promise<ResultOf<M>>;
  }

  onEvent(listener: (e: ServiceEvent) => void): () => void {
    return this.bridge.onEvent(listener);
  }

  async openFile(opts: OpenFileOptions): Promise<OpenedFile | null> {
    const r = (await this.raw('shell.openFile', { kind: opts.kind })) as { path: string } | null;
    if (!r) return null;
    return { path: r.path, name: r.path.split(/[\\/]/).pop() ?? r.path };
  }

  async openDropped(files: FileListLike): Promise<OpenedFile | null> {
    const f = files[0];
    if (!f) return null;
    const p = this.bridge.pathForFile(f);
    if (!p) throw new ServiceError('unsupported', `"${f.name}" has no path on disk (drop a file from a folder)`);
    return { path: p, name: f.name };
  }

  async fetchBinary(ref: Parameters<Host['fetchBinary']>[0]): Promise<ArrayBuffer> {
    const res = await this.fetchImpl(`${BIN_SCHEME}://bin/${encodeURIComponent(binHandle(ref))}`);
    if (!res.ok) throw new ServiceError('not-found', `binary data ${binHandle(ref)} is gone (HTTP ${res.status})`);
    return res.arrayBuffer();
  }

  mediaUrl(mediaId: string): string {
    return `${MEDIA_SCHEME}://media/${encodeURIComponent(mediaId)}`;
  }

  async deliver(file: SaveOptions): Promise<void> {
    await this.raw('shell.saveExport', { download: file.download });
  }

  /** null: the main process saves the timeline files beside the clip (electron/exportDelivery.ts) */
  downloadUrl(_download: string): null {
    return null;
  }
}
