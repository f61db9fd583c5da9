// Downloading one file: Node's fetch, streamed to a file, sha256 and byte count while streaming,
// progress callbacks, AbortSignal. Plus the file transforms the catalogue names and a textual
// progress bar for the CLI. The caller (resolve.ts) decides where the file goes: always inside a
// temporary folder that is renamed into the cache only when every file is complete and verified.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FileTransform } from './catalogue.js';
import { ModelResolveError } from './resolve-errors.js';
import { digestFile, type FileDigest } from './sha256.js';

export interface DownloadProgress {
  /** Model id (or sample id). */
  id: string;
  /** File inside the model folder that is being fetched. */
  file: string;
  /** Bytes of `file` received so far, and its size when known. */
  fileBytes: number;
  fileTotal: number | null;
  /** Bytes received for the whole model so far, and the total when every size is known. */
  bytesDone: number;
  bytesTotal: number | null;
  filesDone: number;
  filesTotal: number;
}

export interface DownloadFileOptions {
  signal?: AbortSignal;
  /** Called after every chunk with the bytes of this file received so far. */
  onBytes?: (fileBytes: number) => void;
  /** Abort as soon as more bytes arrive than this (the catalogue's size). */
  maxBytes?: number | null;
  /** For messages: the model id and the file's name in the model folder. */
  id: string;
  file: string;
}

/**
 * Fetches `url` into `dest`, hashing while streaming. Throws ModelResolveError with code HTTP,
 * NETWORK, INTEGRITY (more bytes than maxBytes) or ABORTED. On error `dest` may hold a partial file:
 * callers download into a temporary folder that they delete on failure.
 */
export async function downloadFile(url: string, dest: string, opts: DownloadFileOptions): Promise<FileDigest> {
  const { id, file, signal } = opts;
  throwIfAborted(signal, id);
  let res: Response;
  try {
    res = await fetch(url, { signal, redirect: 'follow', headers: { 'user-agent': 'l2caf-studio model resolver' } });
  } catch (e) {
    throw networkError(e, signal, id, file, url);
  }
  if (!res.ok || res.body === null) {
    // Do not leave the socket hanging on the unread body.
    await res.body?.cancel().catch(() => {});
    throw new ModelResolveError(
      'HTTP',
      `cannot download ${id}: HTTP ${res.status}${res.statusText ? ' ' + res.statusText : ''} for ${url} (file ${file})`,
      { file, url },
    );
  }
  const hash = createHash('sha256');
  let size = 0;
  const maxBytes = opts.maxBytes ?? null;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      size += chunk.length;
      if (maxBytes !== null && size > maxBytes) {
        cb(new ModelResolveError('INTEGRITY', `download of ${id} rejected: ${file} from ${url} is larger than the catalogue's ${maxBytes} bytes`, { file, url }));
        return;
      }
      hash.update(chunk);
      opts.onBytes?.(size);
      cb(null, chunk);
    },
  });
  try {
    // The web stream from fetch, as a Node stream; pipeline destroys everything on error or abort.
    const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
    await pipeline(body, counter, createWriteStream(dest), signal ? { signal } : {});
  } catch (e) {
    if (e instanceof ModelResolveError) throw e;
    throw networkError(e, signal, id, file, url);
  }
  return { sha256: hash.digest('hex'), size };
}

function throwIfAborted(signal: AbortSignal | undefined, id: string): void {
  if (signal?.aborted) throw abortedError(id, signal.reason);
}

export function abortedError(id: string, reason?: unknown): ModelResolveError {
  return new ModelResolveError('ABORTED', `resolving ${id} was aborted`, { cause: reason });
}

function networkError(e: unknown, signal: AbortSignal | undefined, id: string, file: string, url: string): ModelResolveError {
  if (signal?.aborted || (e as Error)?.name === 'AbortError') return abortedError(id, signal?.reason ?? e);
  return new ModelResolveError(
    'NETWORK',
    `cannot download ${id}: ${url}: ${describeNetworkError(e)}; to work offline set L2CAF_MODEL_MIRROR to a folder holding ${id}/ or pass --model DIR, otherwise check the connection`,
    { file, url, model: id, cause: e },
  );
}

/** 'connection refused (ECONNREFUSED)' rather than undici's bare 'fetch failed'. */
export function describeNetworkError(e: unknown): string {
  const err = e as Error & { cause?: { code?: string; message?: string } ; code?: string };
  const code = err?.cause?.code ?? err?.code;
  const known: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset',
    ENOTFOUND: 'host not found (offline or DNS failure)',
    EAI_AGAIN: 'DNS lookup failed (offline?)',
    ETIMEDOUT: 'timed out',
    ENETUNREACH: 'network unreachable',
    EHOSTUNREACH: 'host unreachable',
    UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
    UND_ERR_SOCKET: 'connection closed by the server',
    UND_ERR_HEADERS_TIMEOUT: 'no answer from the server (timeout)',
    UND_ERR_BODY_TIMEOUT: 'the server stopped sending (timeout)',
  };
  if (code && known[code]) return `${known[code]} (${code})`;
  const msg = err?.cause?.message ?? err?.message ?? String(e);
  return code ? `${msg} (${code})` : msg;
}

// ---------------------------------------------------------------------------------------------
// transforms

/**
 * Turns an ES module whose default export is an array of string literals
 * (`export default [ "kit fox", "English setter", ... ]`) into the JSON form the catalogue stores:
 * one string a line, no indentation, no trailing newline, non-ASCII escaped as \uXXXX (the output of
 * Python's json.dumps(list, indent=0)). Anything but string literals, commas, whitespace and
 * comments inside the array is an error (it is data, never evaluated).
 */
export function jsStringArrayToJson(src: string): string {
  const exp = src.search(/export\s+default\s*\[/);
  const start = src.indexOf('[', Math.max(0, exp));
  const end = src.lastIndexOf(']');
  if (start < 0 || end < start) throw new Error('no array literal found');
  const body = src.slice(start + 1, end);
  const token = /\s+|,|\/\/[^\n]*|\/\*[\s\S]*?\*\/|"((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)'/y;
  const items: string[] = [];
  let pos = 0;
  while (pos < body.length) {
    token.lastIndex = pos;
    const m = token.exec(body);
    if (!m) throw new Error(`unexpected text in the array at offset ${start + 1 + pos}: ${JSON.stringify(body.slice(pos, pos + 20))}`);
    if (m[1] !== undefined) items.push(JSON.parse(`"${m[1]}"`) as string);
    else if (m[2] !== undefined) items.push(JSON.parse(`"${singleToDoubleQuoted(m[2])}"`) as string);
    pos = token.lastIndex;
  }
  if (items.length === 0) throw new Error('the array is empty');
  const esc = (s: string) => JSON.stringify(s).replace(/[\u0080-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
  return '[\n' + items.map(esc).join(',\n') + '\n]';
}

/** The body of a '...' JS literal as the body of a "..." one (escapes kept, quotes swapped). */
function singleToDoubleQuoted(body: string): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '\\' && i + 1 < body.length) {
      const n = body[i + 1]!;
      out += n === "'" ? "'" : c + n;
      i++;
    } else {
      out += c === '"' ? '\\"' : c;
    }
  }
  return out;
}

/** Applies a catalogue transform from file `src` to file `dest`, returning dest's digest. */
export async function applyTransform(kind: FileTransform, src: string, dest: string): Promise<FileDigest> {
  switch (kind) {
    case 'js-string-array-to-json': {
      const out = jsStringArrayToJson(await readFile(src, 'utf8'));
      await writeFile(dest, out);
      await rm(src, { force: true });
      return digestFile(dest);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// progress bar for the CLI

export interface ProgressBar {
  /** Pass as onProgress. */
  update: (p: DownloadProgress) => void;
  /** Ends the bar's line (call once the download finished or failed). */
  done: () => void;
}

/**
 * A one-line progress bar redrawn with '\r'. It writes only when `stream` is a TTY (so logs and
 * pipes stay clean) and at most once per percent (or per 256 KiB when the total is unknown).
 */
export function createProgressBar(opts: { stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }; width?: number } = {}): ProgressBar {
  const stream = opts.stream ?? process.stderr;
  const tty = Boolean(stream.isTTY);
  const width = opts.width ?? 24;
  let lastKey = '';
  let drawn = false;
  return {
    update(p) {
      if (!tty) return;
      const key = p.bytesTotal ? `${p.id}:${Math.floor((100 * p.bytesDone) / p.bytesTotal)}` : `${p.id}:${p.filesDone}:${Math.floor(p.bytesDone / 262144)}`;
      if (key === lastKey) return;
      lastKey = key;
      stream.write('\r' + formatProgress(p, width) + '\x1b[K');
      drawn = true;
    },
    done() {
      if (tty && drawn) stream.write('\n');
      drawn = false;
      lastKey = '';
    },
  };
}

/** `darknet-tiny [#########---------------]  38%  1.6/4.2 MB  12/33 files` */
export function formatProgress(p: DownloadProgress, width = 24): string {
  const mb = (n: number) => (n / 1e6).toFixed(1);
  const files = `${p.filesDone}/${p.filesTotal} files`;
  if (p.bytesTotal) {
    const frac = Math.min(1, p.bytesDone / p.bytesTotal);
    const filled = Math.round(frac * width);
    const pct = String(Math.floor(frac * 100)).padStart(3);
    return `${p.id} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${pct}%  ${mb(p.bytesDone)}/${mb(p.bytesTotal)} MB  ${files}`;
  }
  return `${p.id} ${mb(p.bytesDone)} MB  ${files}`;
}
