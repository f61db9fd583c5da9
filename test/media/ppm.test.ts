import { describe, expect, it } from 'vitest';
import { parsePpm } from '../../src/media/ppm.js';
import { runFfmpeg } from '../../src/media/runFfmpeg.js';

const enc = (s: string) => new TextEncoder().encode(s);
const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

describe('parsePpm', () => {
  it('reads a P6 header (with a comment) and the pixels after it', () => {
    const buf = concat(enc('P6\n# made by hand\n2 1\n255\n'), Uint8Array.from([1, 2, 3, 4, 5, 6]), enc('extra'));
    const r = parsePpm(buf)!;
    expect([r.image.width, r.image.height]).toEqual([2, 1]);
    expect([...r.image.data]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(r.bytes).toBe(buf.length - 5);
  });

  it('rejects what is not a complete 8-bit P6 image', () => {
    expect(parsePpm(enc('P5\n2 1\n255\n......'))).toBeNull(); // grey
    expect(parsePpm(enc('P6\n2 1\n65535\n'))).toBeNull(); // 16-bit
    expect(parsePpm(concat(enc('P6\n2 1\n255\n'), Uint8Array.from([1, 2, 3])))).toBeNull(); // short
    expect(parsePpm(enc('P6\n2'))).toBeNull();
    expect(parsePpm(new Uint8Array(0))).toBeNull();
  });

  it('reads what ffmpeg writes', async () => {
    const run = await runFfmpeg(['-v', 'error', '-f', 'lavfi', '-i', 'color=c=white:s=6x4', '-frames:v', '1', '-f', 'image2pipe', '-c:v', 'ppm', '-pix_fmt', 'rgb24', 'pipe:1']);
    const r = parsePpm(run.stdout)!;
    expect([r.image.width, r.image.height, r.bytes]).toEqual([6, 4, run.stdout.length]);
    expect(r.image.data.every((v) => v > 250)).toBe(true);
  });
});
