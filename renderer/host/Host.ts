// What the UI needs from wherever it runs. renderer/ code depends only on this interface; the
// Electron host (electronHost.ts, over the preload's bridge) and the web host (webHost.ts, over
// HTTP + server-sent events to `l2caf serve`) implement it.
import type { ArgsOf, BinaryRef, MethodName, ResultOf, ServiceEvent, ServiceMethodName } from '../../src/contract/index.js';

export type HostKind = 'electron' | 'web';

export interface OpenedFile {
  /** path on the service's machine (in the browser mode: the uploaded copy) */
  path: string;
  /** the name the user picked */
  name: string;
}

export interface OpenFileOptions {
  kind: 'video' | 'volume' | 'any' | 'model-folder';
}

export interface SaveOptions {
  /** the export's handle: the only way to name it (no path ever goes from the page to the service or the shell) */
  download: string;
  name: string;
}

/** A FileList (drop, file input) without needing the DOM types (tests type-check without them). */
export interface FileListLike {
  readonly length: number;
  readonly [index: number]: File;
}

export interface Host {
  readonly kind: HostKind;
  /** one service method; rejects with a ServiceError (code + readable message) */
  call<M extends ServiceMethodName>(method: M, args: ArgsOf<M>): Promise<ResultOf<M>>;
  /** every service event; returns the unsubscribe function */
  onEvent(listener: (e: ServiceEvent) => void): () => void;
  /** a native dialog (Electron) or a file input + upload (browser); null when the user cancels */
  openFile(opts: OpenFileOptions): Promise<OpenedFile | null>;
  /** files dropped on the window (Electron: their paths; browser: uploaded) */
  openDropped(files: FileListLike): Promise<OpenedFile | null>;
  /** the bytes of a binary handle */
  fetchBinary(ref: BinaryRef | string): Promise<ArrayBuffer>;
  /** a URL the <video> element can play (range requests supported), by the media id media.open gave */
  mediaUrl(mediaId: string): string;
  /** after an export: the browser downloads it; Electron asks where to save it (main process) and shows it there */
  deliver(file: SaveOptions): Promise<void>;
  /**
   * A link that downloads one of an export's files by its handle (the clip, its timeline files),
   * for the page to show: the browser saves one file per download and may block downloads it did
   * not see the user ask for. null where deliver() takes every file along (Electron copies the
   * timeline files beside the saved clip).
   */
  downloadUrl(download: string): string | null;
}

export type { MethodName };
export type { AnalysisMethod } from '../../src/contract/index.js';
