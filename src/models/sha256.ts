// Streaming sha256 of files (models are megabytes; never read a whole file into memory to hash it).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export interface FileDigest {
  sha256: string;
  size: number;
}

/** Lower-case hex sha256 of a file, read as a stream. */
export async function hashFile(file: string, opts: { signal?: AbortSignal } = {}): Promise<string> {
  return (await digestFile(file, opts)).sha256;
}

/** sha256 and byte size of a file, read as a stream. */
export async function digestFile(file: string, opts: { signal?: AbortSignal } = {}): Promise<FileDigest> {
  const hash = createHash('sha256');
  let size = 0;
  const stream = createReadStream(file, { signal: opts.signal, highWaterMark: 1 << 20 });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest('hex'), size };
}

/** sha256 of an in-memory buffer or string (UTF-8). */
export function hashBytes(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export const SHA256_RE = /^[0-9a-f]{64}$/;
