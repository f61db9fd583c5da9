// Reads binary PPM (P6), the format decodes ask ffmpeg for: raw RGB like rawvideo/rgb24, but with
// the frame size in a header, so the size of what ffmpeg actually produced is known rather than
// assumed (ffmpeg may rotate a picture it decodes, e.g. by a display matrix). Pure.
import type { RgbImage } from './types.js';

const isSpace = (b: number): boolean => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09 || b === 0x0b || b === 0x0c;

/**
 * Parses one 8-bit P6 image at the start of `buf`. Returns the image (its data a view into `buf`)
 * and the number of bytes it occupied, or null when `buf` does not start with a complete one.
 */
export function parsePpm(buf: Uint8Array): { image: RgbImage; bytes: number } | null {
  if (buf.length < 2 || buf[0] !== 0x50 /* P */ || buf[1] !== 0x36 /* 6 */) return null;
  let pos = 2;
  const fields: number[] = [];
  while (fields.length < 3) {
    // whitespace and comments ("# ... end of line") between header fields
    while (pos < buf.length && (isSpace(buf[pos]!) || buf[pos] === 0x23)) {
      if (buf[pos] === 0x23) while (pos < buf.length && buf[pos] !== 0x0a) pos++;
      else pos++;
    }
    let value = 0;
    const start = pos;
    while (pos < buf.length && buf[pos]! >= 0x30 && buf[pos]! <= 0x39) value = value * 10 + (buf[pos++]! - 0x30);
    if (pos === start || pos >= buf.length) return null;
    fields.push(value);
  }
  // Exactly one whitespace byte separates the header from the pixels.
  if (!isSpace(buf[pos]!)) return null;
  pos++;
  const [width, height, maxval] = fields as [number, number, number];
  if (width < 1 || height < 1 || maxval !== 255) return null;
  const size = width * height * 3;
  if (buf.length < pos + size) return null;
  return { image: { width, height, data: buf.subarray(pos, pos + size) }, bytes: pos + size };
}
