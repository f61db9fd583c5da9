import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { getColormap } from '../../src/media/colormaps.js';
import { decodeImage } from '../../src/media/decodeImage.js';
import { MediaError } from '../../src/media/errors.js';
import { encodePng, renderOverlay, writePng } from '../../src/media/overlay.js';
import { tintWeight } from '../../src/media/tint.js';
import type { RgbImage } from '../../src/media/types.js';
import { fixture, haveFixture } from '../helpers/fixtures.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'l2caf-overlay-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

function solid(width: number, height: number, rgb: [number, number, number]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(rgb, i * 3);
  return { width, height, data };
}

const px = (img: RgbImage, x: number, y: number) => [...img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3)];

describe('renderOverlay', () => {
  it('opacity 0 is the image, opacity 1 is the colour map, 0.5 is the mean', () => {
    const image = solid(4, 4, [100, 100, 100]);
    const map = { width: 4, height: 4, values: new Float32Array(16).fill(1) };
    expect(renderOverlay({ image, map, opacity: 0 }).data).toEqual(image.data);
    const full = renderOverlay({ image, map, opacity: 1, colormap: 'jet' });
    expect(px(full, 2, 2)).toEqual([128, 0, 0]); // jet(1) = dark red
    const half = renderOverlay({ image, map, colormap: 'grey' }); // default opacity 0.5
    expect(px(half, 0, 0)).toEqual([178, 178, 178]); // (100 + 255) / 2 rounded
  });

  it('upsamples a small map bilinearly to the image size: a 2x1 map becomes a left-right ramp', () => {
    const image = solid(8, 2, [0, 0, 0]);
    const out = renderOverlay({ image, map: { width: 2, height: 1, values: Float32Array.from([0, 1]) }, colormap: 'grey', opacity: 1 });
    expect(out.width).toBe(8);
    const row = Array.from({ length: 8 }, (_, x) => px(out, x, 0)[0]!);
    expect(row[0]).toBe(0);
    expect(row[1]).toBe(0); // clamped edge (half-pixel convention)
    expect(row[7]).toBe(255);
    for (let x = 1; x < 8; x++) expect(row[x]!).toBeGreaterThanOrEqual(row[x - 1]!);
    expect(px(out, 3, 0)).toEqual(px(out, 3, 1)); // both rows alike
  });

  it('clamps values outside 0..1 and treats NaN as 0', () => {
    const image = solid(3, 1, [0, 0, 0]);
    const out = renderOverlay({ image, map: { width: 3, height: 1, values: Float32Array.from([-2, NaN, 7]) }, colormap: 'grey', opacity: 1 });
    expect([...out.data]).toEqual([0, 0, 0, 0, 0, 0, 255, 255, 255]);
  });

  it('side by side: original on the left, overlay on the right', () => {
    const image = solid(3, 2, [10, 20, 30]);
    const out = renderOverlay({ image, map: { width: 1, height: 1, values: Float32Array.from([1]) }, opacity: 1, sideBySide: true, colormap: getColormap('viridis') });
    expect([out.width, out.height]).toEqual([6, 2]);
    expect(px(out, 0, 1)).toEqual([10, 20, 30]);
    expect(px(out, 5, 1)).toEqual([253, 231, 37]);
  });

  it('default blend: the tint weighs opacity x attention; uniform: opacity everywhere; nothing below the threshold', () => {
    const image = solid(2, 1, [100, 100, 100]);
    const map = { width: 2, height: 1, values: Float32Array.from([0.2, 0.6]) };
    // grey LUT: attention 0.6 is colour 153; weight 0.6 -> 100 x 0.4 + 153 x 0.6 = 131.8
    expect(px(renderOverlay({ image, map, colormap: 'grey', opacity: 1 }), 1, 0)).toEqual([132, 132, 132]);
    expect(px(renderOverlay({ image, map, colormap: 'grey', opacity: 1, blend: 'uniform' }), 1, 0)).toEqual([153, 153, 153]);
    const cut = renderOverlay({ image, map, colormap: 'grey', opacity: 1, threshold: 0.5, blend: 'uniform' });
    expect([px(cut, 0, 0), px(cut, 1, 0)]).toEqual([[100, 100, 100], [153, 153, 153]]);
    expect(() => renderOverlay({ image, map, threshold: 2 })).toThrow(/threshold must be between 0 and 1/);
  });

  it('tintWeight is the one rule (the player\'s shader mirrors it)', () => {
    expect(tintWeight(0.5, 0.8)).toBeCloseTo(0.4, 12);
    expect(tintWeight(0.5, 0.8, 0, 'uniform')).toBe(0.8);
    expect(tintWeight(0.3, 0.8, 0.4)).toBe(0);
    expect(tintWeight(NaN, 0.8)).toBe(0);
    expect(tintWeight(7, 0.8)).toBe(0.8);
  });

  it('rejects malformed input with clear messages', () => {
    const image = solid(2, 2, [0, 0, 0]);
    const map = { width: 2, height: 2, values: new Float32Array(4) };
    expect(() => renderOverlay({ image, map, opacity: 1.5 })).toThrow(/opacity must be between 0 and 1/);
    expect(() => renderOverlay({ image, map: { width: 3, height: 3, values: new Float32Array(4) } })).toThrow(/map must be/);
    expect(() => renderOverlay({ image: { width: 2, height: 2, data: new Uint8Array(5) }, map })).toThrow(/data has 5 bytes, expected 2x2x3 = 12/);
    expect(() => renderOverlay({ image, map, colormap: 'nope' })).toThrow(/Known colour maps: jet/);
  });
});

describe('encodePng / writePng', () => {
  it('round-trips through pngjs and through ffmpeg', async () => {
    const data = Uint8Array.from({ length: 5 * 3 * 3 }, (_, i) => (i * 37) % 256);
    const img = { width: 5, height: 3, data };
    const file = path.join(tmp, 'roundtrip.png');
    await writePng(file, img);
    const back = PNG.sync.read(await readFile(file));
    expect([back.width, back.height]).toEqual([5, 3]);
    for (let i = 0; i < 15; i++) for (let k = 0; k < 3; k++) expect(back.data[i * 4 + k]).toBe(data[i * 3 + k]);
    const viaFfmpeg = await decodeImage(file);
    expect([...viaFfmpeg.data]).toEqual([...data]);
    expect(await readdir(tmp)).toEqual(['roundtrip.png']); // no temporary file left behind
  });

  it('replaces an existing file whole', async () => {
    const file = path.join(tmp, 'replace.png');
    await writeFile(file, 'old contents');
    await writePng(file, solid(2, 2, [1, 2, 3]));
    expect((await readFile(file)).subarray(1, 4).toString()).toBe('PNG');
  });

  it('unwritable paths: missing folder, a directory in the way, a read-only folder; the old file survives', async () => {
    const err = async (p: Promise<unknown>) => p.then(() => { throw new Error('expected failure'); }, (e: unknown) => e as MediaError);
    const e1 = await err(writePng(path.join(tmp, 'no', 'such', 'dir', 'x.png'), solid(1, 1, [0, 0, 0])));
    expect(e1.code).toBe('write-failed');
    expect(e1.message).toMatch(/Cannot write PNG ".*x\.png": folder ".*dir" does not exist/);
    const dir = path.join(tmp, 'is-a-dir.png');
    await mkdir(dir);
    const e2 = await err(writePng(dir, solid(1, 1, [0, 0, 0])));
    expect(e2.message).toMatch(/it is a directory/);

    if (process.platform !== 'win32' && process.getuid?.() !== 0) {
      const ro = path.join(tmp, 'readonly');
      await mkdir(ro);
      await writeFile(path.join(ro, 'keep.png'), 'previous');
      await chmod(ro, 0o555);
      try {
        const e3 = await err(writePng(path.join(ro, 'keep.png'), solid(1, 1, [0, 0, 0])));
        expect(e3.message).toMatch(/permission denied/);
        expect(await readFile(path.join(ro, 'keep.png'), 'utf8')).toBe('previous');
        expect(await readdir(ro)).toEqual(['keep.png']);
      } finally {
        await chmod(ro, 0o755);
      }
    }
  });

  it('encodePng refuses inconsistent data', () => {
    expect(() => encodePng({ width: 2, height: 2, data: new Uint8Array(11) })).toThrow(/expected 2x2x3 = 12/);
  });
});

describe.skipIf(!haveFixture('images/chelsea.png'))('an overlay of a real picture', () => {
  it('chelsea.png with a 14x14 blob in the middle, written and read back', async () => {
    const image = await decodeImage(fixture('images/chelsea.png'));
    const values = new Float32Array(14 * 14);
    for (let y = 0; y < 14; y++) for (let x = 0; x < 14; x++) values[y * 14 + x] = Math.exp(-((x - 6.5) ** 2 + (y - 6.5) ** 2) / 8);
    const out = renderOverlay({ image, map: { width: 14, height: 14, values }, colormap: 'jet', opacity: 0.5, blend: 'uniform' });
    expect([out.width, out.height]).toEqual([451, 300]);
    // the default blend leaves low attention clear: the corner is the picture itself
    const clear = renderOverlay({ image, map: { width: 14, height: 14, values }, colormap: 'jet', opacity: 0.5 });
    for (let k = 0; k < 3; k++) expect(Math.abs(px(clear, 2, 2)[k]! - px(image, 2, 2)[k]!)).toBeLessThanOrEqual(1);
    expect(px(clear, 225, 150)[0]! - px(image, 225, 150)[0]! / 2).toBeGreaterThan(50);
    // Centre: jet's hot end pulls red up and blue down; corner: jet's cold end pulls blue up.
    const centre = px(out, 225, 150);
    const corner = px(out, 2, 2);
    const orig = (x: number, y: number) => px(image, x, y);
    expect(centre[0]! - orig(225, 150)[0]! / 2).toBeGreaterThan(50);
    expect(corner[2]! - orig(2, 2)[2]! / 2).toBeGreaterThan(50);
    const file = path.join(tmp, 'chelsea-overlay.png');
    await writePng(file, out);
    const back = await decodeImage(file);
    expect(Buffer.from(back.data).equals(Buffer.from(out.data))).toBe(true);
  });
});
