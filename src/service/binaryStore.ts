// Keeps the big arrays the service hands out by handle (maps, traces, slices), with a byte budget:
// the oldest entries go first when it is exceeded, and a job's entries go with the job (prefix).
import { randomBytes } from 'node:crypto';
import type { BinaryDType, BinaryRef } from '../contract/index.js';

type Typed = Float32Array | Uint8Array | Int16Array | Uint16Array;

function dtypeOf(a: Typed): BinaryDType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Uint8Array) return 'uint8';
  if (a instanceof Int16Array) return 'int16';
  return 'uint16';
}

interface Entry {
  ref: BinaryRef;
  bytes: Uint8Array;
}

export class BinaryStore {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(private readonly budgetBytes = 512 * 1024 * 1024) {}

  /** Stores a copy-free view of `data`; `prefix` groups entries (e.g. a job id) for release(). */
  put(prefix: string, data: Typed, shape: number[]): BinaryRef {
    const n = shape.reduce((a, b) => a * b, 1);
    if (n !== data.length) throw new Error(`binary store: shape [${shape.join(', ')}] has ${n} elements, data has ${data.length}`);
    const handle = `${prefix}.${randomBytes(6).toString('hex')}`;
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const ref: BinaryRef = { handle, dtype: dtypeOf(data), shape, byteLength: bytes.byteLength };
    this.entries.set(handle, { ref, bytes });
    this.bytes += bytes.byteLength;
    while (this.bytes > this.budgetBytes && this.entries.size > 1) {
      const [oldest] = this.entries.keys();
      this.drop(oldest!);
    }
    return ref;
  }

  get(handle: string): { ref: BinaryRef; bytes: Uint8Array } | undefined {
    return this.entries.get(handle);
  }

  /** Forgets every entry whose handle starts with `prefix.` */
  release(prefix: string): void {
    for (const h of [...this.entries.keys()]) if (h.startsWith(`${prefix}.`)) this.drop(h);
  }

  get size(): number {
    return this.entries.size;
  }

  private drop(handle: string): void {
    const e = this.entries.get(handle);
    if (!e) return;
    this.bytes -= e.bytes.byteLength;
    this.entries.delete(handle);
  }
}
