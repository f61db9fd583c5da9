// The Host over HTTP to `l2caf serve`: POST /api/<method>, server-sent events, GET /bin/<handle>,
// /media/<id> (range requests), POST /upload for opened files, and /download/<handle> for exports
// and their timeline files.
// The credentials are the session cookie the browser got from the sign-in URL (HttpOnly: this code
// never sees it; the browser sends it on these same-origin requests) and the session's page key,
// which API calls, uploads and binary fetches send in a header and the event stream in its URL
// (src/server/session.ts says why both). Works in Node (tests) given fetch/EventSource and the
// cookie as an extra header.
import { KEY_HEADER, KEY_PARAM, ServiceError, toErrorInfo, type ArgsOf, type ResultOf, type ServiceEvent, type ServiceMethodName } from '../../src/contract/index.js';
import type { FileListLike, Host, OpenedFile, OpenFileOptions, SaveOptions } from './Host.js';
import { binHandle } from './bridge.js';

export interface WebHostDeps {
  /** server origin + '/', e.g. http://127.0.0.1:41234/ */
  base: string;
  /** the session's page key (the signed-in page's <meta name="l2caf-key">) */
  key?: string;
  /** extra request headers: Node has no cookie jar, so tests pass the session cookie here */
  headers?: Record<string, string>;
  fetch?: typeof fetch;
  /** EventSource constructor (the browser's; tests pass a polyfill or none) */
  EventSource?: new (url: string) => EventSourceLike;
  /** asks the user for a file (the page's hidden <input type=file>) */
  pickFile?: (accept: string) => Promise<File | null>;
  /** starts a browser download of a URL */
  download?: (url: string, name: string) => void;
  /** asks for a folder path typed by the user (model folders live on the server's machine) */
  askPath?: (what: string) => Promise<string | null>;
}

/** The part of EventSource the host uses (method syntax: the browser's overloads fit it). */
export interface EventSourceLike {
  addEventListener(type: 'message', listener: (ev: MessageEventLike) => void): void;
  close(): void;
}
export interface MessageEventLike {
  data: string;
}

const ACCEPT: Record<OpenFileOptions['kind'], string> = {
  video: 'video/*,.mp4,.webm,.mkv,.mov,.avi,.gif',
  volume: '.nii,.gz,.dcm',
  any: '',
  'model-folder': '',
};

export class WebHost implements Host {
  readonly kind = 'web' as const;
  private readonly listeners = new Set<(e: ServiceEvent) => void>();
  private source: { close(): void } | null = null;
  private readonly f: typeof fetch;

  private readonly headers: Record<string, string>;

  constructor(private readonly deps: WebHostDeps) {
    this.f = deps.fetch ?? ((...a) => fetch(...a));
    this.headers = { ...deps.headers, ...(deps.key ? { [KEY_HEADER]: deps.key } : {}) };
  }

  private url(p: string, params: Record<string, string> = {}): string {
    const u = new URL(p, this.deps.base);
    for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
    return u.toString();
  }

  async call<M extends ServiceMethodName>(method: M, args: ArgsOf<M>): Promise<ResultOf<M>> {
    let res: Response;
    try {
      res = await this.f(this.url(`api/${encodeURIComponent(method)}`), {
        method: 'POST',
        headers: { ...this.headers, 'Content-Type': 'application/json' },
        body: JSON.stringify(args ?? {}),
      });
    } catch (e) {
      throw new ServiceError('internal', `the local server does not answer (${toErrorInfo(e).message}): is l2caf serve still running?`);
    }
    const body = (await res.json().catch(() => null)) as { result?: unknown; error?: { code: string; message: string } } | null;
    if (!res.ok || !body || body.error) {
      const info = toErrorInfo(body?.error ?? { code: 'internal', message: `HTTP ${res.status}` });
      throw ServiceError.fromInfo(info);
    }
    return body.result as ResultOf<M>;
  }

  onEvent(listener: (e: ServiceEvent) => void): () => void {
    this.listeners.add(listener);
    if (!this.source && this.deps.EventSource) {
      const es = new this.deps.EventSource(this.url('events', this.deps.key ? { [KEY_PARAM]: this.deps.key } : {}));
      es.addEventListener('message', (ev) => {
        let e: ServiceEvent;
        try {
          e = JSON.parse(ev.data) as ServiceEvent;
        } catch {
          return;
        }
        for (const l of this.listeners) l(e);
      });
      this.source = es;
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) {
        this.source?.close();
        this.source = null;
      }
    };
  }

  /** Sends a File to the server (the browser has no paths); the server's copy is then opened. */
  async upload(file: Blob & { name: string }): Promise<OpenedFile> {
    const res = await this.f(this.url('upload', { name: file.name }), { method: 'POST', body: file, headers: { ...this.headers } });
    const body = (await res.json().catch(() => null)) as { result?: { path: string }; error?: { message: string } } | null;
    if (!res.ok || !body?.result) throw new ServiceError('media', `upload of "${file.name}" failed: ${body?.error?.message ?? `HTTP ${res.status}`}`, file.name);
    return { path: body.result.path, name: file.name };
  }

  async openFile(opts: OpenFileOptions): Promise<OpenedFile | null> {
    if (opts.kind === 'model-folder') {
      const p = await this.deps.askPath?.('model folder (a folder with model.json, on this computer)');
      return p ? { path: p, name: p.split(/[\\/]/).filter(Boolean).pop() ?? p } : null;
    }
    if (!this.deps.pickFile) throw new ServiceError('unsupported', 'this page cannot open files');
    const f = await this.deps.pickFile(ACCEPT[opts.kind]);
    return f ? this.upload(f) : null;
  }

  async openDropped(files: FileListLike): Promise<OpenedFile | null> {
    const f = files[0];
    return f ? this.upload(f) : null;
  }

  async fetchBinary(ref: Parameters<Host['fetchBinary']>[0]): Promise<ArrayBuffer> {
    const res = await this.f(this.url(`bin/${encodeURIComponent(binHandle(ref))}`), { headers: { ...this.headers } });
    if (!res.ok) throw new ServiceError('not-found', `binary data ${binHandle(ref)} is gone (HTTP ${res.status})`);
    return res.arrayBuffer();
  }

  mediaUrl(mediaId: string): string {
    return this.url(`media/${encodeURIComponent(mediaId)}`);
  }

  async deliver(file: SaveOptions): Promise<void> {
    this.deps.download?.(this.downloadUrl(file.download), file.name);
  }

  /** (the id is the credential with the cookie: a link cannot send the page key) */
  downloadUrl(download: string): string {
    return this.url(`download/${encodeURIComponent(download)}`);
  }
}
