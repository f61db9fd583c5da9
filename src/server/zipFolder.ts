// A folder export (a PNG sequence, its timeline beside it) as one download: a browser cannot save
// a folder. Stored, not deflated (PNGs are compressed already, so deflating costs time for
// nothing), and streamed file by file under the response's backpressure, so a long sequence is
// never held in memory. fflate: a small, dependency-free, maintained ZIP writer that streams.
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { Zip, ZipPassThrough } from 'fflate';

/** The folder's regular files (not hidden, not links, not subfolders), sorted: what the ZIP holds. */
export async function zipEntries(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.filter((e) => e.isFile() && !e.name.startsWith('.')).map((e) => e.name).sort();
}

/** Resolves when `out` takes writes again; rejects when it closes first (the client went away) or `signal` aborts. */
async function drained(out: Writable, signal?: AbortSignal): Promise<void> {
  const closed = new AbortController();
  const onClose = (): void => closed.abort(new Error('the download was closed before it ended'));
  out.once('close', onClose);
  try {
    await once(out, 'drain', { signal: signal ? AbortSignal.any([signal, closed.signal]) : closed.signal });
  } catch (e) {
    // (once's own AbortError says nothing of why)
    throw closed.signal.aborted ? closed.signal.reason : signal?.aborted ? signal.reason : e;
  } finally {
    out.off('close', onClose);
  }
}

/** Writes the folder's files as a ZIP to `out` (not ended: the caller ends it). `signal` stops it between chunks. */
export async function writeFolderZip(dir: string, out: Writable, signal?: AbortSignal): Promise<void> {
  let failed: Error | null = null;
  let full = false;
  const zip = new Zip((err, chunk) => {
    if (err) failed = err;
    else if (!out.write(chunk)) full = true;
  });
  for (const name of await zipEntries(dir)) {
    const entry = new ZipPassThrough(name);
    zip.add(entry);
    for await (const c of createReadStream(path.join(dir, name))) {
      signal?.throwIfAborted();
      entry.push(c as Buffer);
      if (failed) throw failed;
      if (full) {
        full = false;
        await drained(out, signal);
      }
    }
    entry.push(new Uint8Array(0), true);
  }
  zip.end();
  if (failed) throw failed;
}
