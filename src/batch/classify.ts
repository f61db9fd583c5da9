// What kind of input a file is: by extension first (cheap, and what users expect), then by its
// first bytes for files without a known extension (a manifest may list "scan_001" or "clip").
import { open } from 'node:fs/promises';
import type { ItemKind } from './types.js';
import { kindByName } from './kindByName.js';

export { kindByName };

/** Kind from a file's first bytes (magic numbers); null when unknown. Pure. */
export function kindByBytes(b: Uint8Array): ItemKind | null {
  const ascii = (from: number, to: number): string => Buffer.from(b.subarray(from, to)).toString('latin1');
  if (b[0] === 0x89 && ascii(1, 4) === 'PNG') return 'image';
  if (b[0] === 0xff && b[1] === 0xd8) return 'image';
  if (ascii(0, 2) === 'BM') return 'image';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'image';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'AVI ') return 'video';
  if (ascii(4, 8) === 'ftyp') return 'video';
  if (b[0] === 0x1a && b[1] === 0x45 && b[2] === 0xdf && b[3] === 0xa3) return 'video'; // Matroska / WebM
  if (ascii(0, 3) === 'GIF') return 'video';
  if (b.length >= 348 && (ascii(344, 347) === 'n+1' || ascii(344, 347) === 'ni1')) return 'volume';
  if (b.length >= 132 && ascii(128, 132) === 'DICM') return 'volume';
  return null;
}

export async function kindOfFile(file: string): Promise<ItemKind | null> {
  const byName = kindByName(file);
  if (byName) return byName;
  const h = await open(file, 'r');
  try {
    const buf = Buffer.alloc(352);
    const { bytesRead } = await h.read(buf, 0, buf.length, 0);
    return kindByBytes(buf.subarray(0, bytesRead));
  } finally {
    await h.close();
  }
}
