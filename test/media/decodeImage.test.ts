import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { buildImageFilter, decodeImage, scaleFlags, type DecodedImage } from '../../src/media/decodeImage.js';
import { isMediaError, MediaError } from '../../src/media/errors.js';
import { fitBox } from '../../src/media/fit.js';
import { encodePng } from '../../src/media/png.js';
import { liveFfmpegCount, runFfmpeg } from '../../src/media/runFfmpeg.js';
import { fixture, haveFixture } from '../helpers/fixtures.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'l2caf-decode-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

function meanRgb(img: { data: Uint8Array }, pixels?: number[]): [number, number, number] {
  const sum = [0, 0, 0];
  const idx = pixels ?? Array.from({ length: img.data.length / 3 }, (_, i) => i);
  for (const i of idx) for (let k = 0; k < 3; k++) sum[k]! += img.data[i * 3 + k]!;
  return sum.map((s) => s / idx.length) as [number, number, number];
}

async function decodeError(file: string, opts = {}): Promise<MediaError> {
  try {
    await decodeImage(file, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(MediaError);
    return e as MediaError;
  }
  throw new Error(`decodeImage(${file}) should have failed`);
}

describe('fitBox / buildImageFilter / scaleFlags (pure)', () => {
  it('stretch, one side given, pad', () => {
    expect(fitBox(451, 300)).toEqual({ width: 451, height: 300, box: { x: 0, y: 0, width: 451, height: 300 } });
    expect(fitBox(451, 300, { width: 224, height: 224 })).toEqual({ width: 224, height: 224, box: { x: 0, y: 0, width: 224, height: 224 } });
    expect(fitBox(451, 300, { width: 224 })).toEqual({ width: 224, height: 149, box: { x: 0, y: 0, width: 224, height: 149 } });
    expect(fitBox(451, 300, { height: 100 })).toEqual({ width: 150, height: 100, box: { x: 0, y: 0, width: 150, height: 100 } });
    expect(fitBox(451, 300, { width: 224, height: 224, fit: 'pad' })).toEqual({ width: 224, height: 224, box: { x: 0, y: 37, width: 224, height: 149 } });
    expect(fitBox(300, 451, { width: 224, height: 224, fit: 'pad' })).toEqual({ width: 224, height: 224, box: { x: 37, y: 0, width: 149, height: 224 } });
    expect(fitBox(1000, 1, { width: 10, height: 10, fit: 'pad' }).box).toEqual({ x: 0, y: 4, width: 10, height: 1 });
  });

  it('filters: nothing to do, area when shrinking, bilinear when enlarging, pad last', () => {
    expect(buildImageFilter(451, 300, fitBox(451, 300))).toBeNull();
    expect(buildImageFilter(451, 300, fitBox(451, 300, { width: 224, height: 224 }))).toBe('format=rgb24,scale=224:224:flags=area+accurate_rnd');
    expect(buildImageFilter(451, 300, fitBox(451, 300, { width: 224, height: 224, fit: 'pad' }))).toBe(
      'format=rgb24,scale=224:149:flags=area+accurate_rnd,pad=224:224:0:37:color=black',
    );
    expect(scaleFlags(7, 7, 224, 224)).toBe('bilinear');
    expect(scaleFlags(451, 300, 224, 400)).toBe('area');
  });
});

describe.skipIf(!haveFixture('images'))('decodeImage on the fixture images', () => {
  it('chelsea.png at its own size equals the PNG\'s pixels exactly', async () => {
    const t0 = performance.now();
    const img = await decodeImage(fixture('images/chelsea.png'));
    const ms = performance.now() - t0;
    expect(img).toMatchObject({ width: 451, height: 300, sourceWidth: 451, sourceHeight: 300, codec: 'png', box: { x: 0, y: 0, width: 451, height: 300 } });
    expect(img.data.length).toBe(451 * 300 * 3);
    const ref = PNG.sync.read(await readFile(fixture('images/chelsea.png')));
    let diff = 0;
    for (let i = 0; i < 451 * 300; i++) for (let k = 0; k < 3; k++) diff += Math.abs(img.data[i * 3 + k]! - ref.data[i * 4 + k]!);
    expect(diff).toBe(0);
    // An orange tabby: red dominates blue on average.
    const [r, , b] = meanRgb(img);
    expect(r).toBeGreaterThan(b + 20);
    console.info(`[measure] decodeImage chelsea.png 451x300 full size: ${ms.toFixed(0)} ms (probe + decode)`);
  });

  it('chelsea.png stretched to 224x224: exact size, same average colour', async () => {
    const full = await decodeImage(fixture('images/chelsea.png'));
    const times: number[] = [];
    let img!: DecodedImage;
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      img = await decodeImage(fixture('images/chelsea.png'), { width: 224, height: 224 });
      times.push(performance.now() - t0);
    }
    expect(img).toMatchObject({ width: 224, height: 224, sourceWidth: 451, sourceHeight: 300, box: { x: 0, y: 0, width: 224, height: 224 } });
    expect(img.data.length).toBe(224 * 224 * 3);
    const a = meanRgb(full);
    const m = meanRgb(img);
    for (let k = 0; k < 3; k++) expect(Math.abs(a[k]! - m[k]!)).toBeLessThan(1.5);
    times.sort((x, y) => x - y);
    console.info(`[measure] decodeImage chelsea.png -> 224x224: median ${times[2]!.toFixed(0)} ms, min ${times[0]!.toFixed(0)} ms over 5 runs`);
  });

  it('pad keeps the aspect ratio: black bars above and below, the cat in the content box', async () => {
    const img = await decodeImage(fixture('images/chelsea.png'), { width: 224, height: 224, fit: 'pad' });
    expect(img.box).toEqual({ x: 0, y: 37, width: 224, height: 149 });
    const rows = (y0: number, y1: number) => Array.from({ length: (y1 - y0) * 224 }, (_, i) => y0 * 224 + i);
    expect(meanRgb(img, rows(0, 37))).toEqual([0, 0, 0]);
    expect(meanRgb(img, rows(186, 224))).toEqual([0, 0, 0]);
    const content = meanRgb(img, rows(37, 186));
    expect(content[0]).toBeGreaterThan(60);
  });

  it('only a width: the height follows the aspect ratio', async () => {
    const img = await decodeImage(fixture('images/chelsea.png'), { width: 100 });
    expect([img.width, img.height]).toEqual([100, 67]);
  });

  it('JPEGs: butterfly.jpg 493x356, apple.jpg 512x512 (full-range YUV read correctly: no crushed blacks)', async () => {
    const butterfly = await decodeImage(fixture('images/butterfly.jpg'));
    expect([butterfly.width, butterfly.height, butterfly.codec]).toEqual([493, 356, 'mjpeg']);
    const [r, g, b] = meanRgb(butterfly);
    for (const v of [r, g, b]) {
      expect(v).toBeGreaterThan(20);
      expect(v).toBeLessThan(235);
    }
    const apple = await decodeImage(fixture('images/apple.jpg'), { width: 224, height: 224 });
    expect([apple.width, apple.height, apple.sourceWidth]).toEqual([224, 224, 512]);
  });

  it('a truncated JPEG still decodes (grey where data is missing) and says so in warnings', async () => {
    const bytes = await readFile(fixture('images/apple.jpg'));
    const file = path.join(tmp, 'truncated.jpg');
    await writeFile(file, bytes.subarray(0, 5000));
    const img = await decodeImage(file);
    expect([img.width, img.height]).toEqual([512, 512]);
    expect(img.warnings.length).toBeGreaterThan(0);
    expect(img.warnings.join(' ')).toMatch(/mjpeg/);
    const clean = await decodeImage(fixture('images/apple.jpg'));
    expect(clean.warnings).toEqual([]);
  });

  it('BMP and WebP made from chelsea.png decode to (about) the same picture', async () => {
    const full = await decodeImage(fixture('images/chelsea.png'));
    const bmp = path.join(tmp, 'chelsea.bmp');
    const webp = path.join(tmp, 'chelsea.webp');
    await runFfmpeg(['-v', 'error', '-i', `file:${fixture('images/chelsea.png')}`, `file:${bmp}`]);
    const fromBmp = await decodeImage(bmp);
    expect(Buffer.from(fromBmp.data).equals(Buffer.from(full.data))).toBe(true);
    const madeWebp = await runFfmpeg(['-v', 'error', '-i', `file:${fixture('images/chelsea.png')}`, '-quality', '95', `file:${webp}`]).then(() => true, () => false);
    if (!madeWebp) {
      console.warn('[note] this ffmpeg has no WebP encoder; WebP decoding not checked');
      return;
    }
    const fromWebp = await decodeImage(webp);
    expect([fromWebp.width, fromWebp.height]).toEqual([451, 300]);
    let err = 0;
    for (let i = 0; i < full.data.length; i++) err += Math.abs(fromWebp.data[i]! - full.data[i]!);
    expect(err / full.data.length).toBeLessThan(6); // lossy, but the same picture
  });

  it('a file name with spaces, unicode and a %d (which ffmpeg would read as a numbered sequence)', async () => {
    const odd = path.join(tmp, 'chat ünïcode 100%d [1].png');
    await copyFile(fixture('images/chelsea.png'), odd);
    const img = await decodeImage(odd, { width: 32, height: 32 });
    expect([img.width, img.height, img.sourceWidth]).toEqual([32, 32, 451]);
  });
});

describe.skipIf(!haveFixture('videos'))('decodeImage on other pictures ffmpeg reads', () => {
  it('the first frame of an animated GIF and of an MP4', async () => {
    const gif = await decodeImage(fixture('videos/person-bicycle-car-detection.gif'), { width: 224, height: 224 });
    expect([gif.sourceWidth, gif.sourceHeight, gif.width]).toEqual([480, 270, 224]);
    const mp4 = await decodeImage(fixture('videos/car-detection.mp4'));
    expect([mp4.width, mp4.height]).toEqual([768, 432]);
  });
});

describe('decodeImage on synthetic pictures (no fixtures needed)', () => {
  it('area downscaling averages exactly: 8x8 of four solid 4x4 blocks -> 2x2', async () => {
    const colours = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [200, 100, 50]];
    const data = new Uint8Array(8 * 8 * 3);
    for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) data.set(colours[(y >> 2) * 2 + (x >> 2)]!, (y * 8 + x) * 3);
    const file = path.join(tmp, 'blocks.png');
    await writeFile(file, encodePng({ width: 8, height: 8, data }));
    const img = await decodeImage(file, { width: 2, height: 2 });
    expect([...img.data]).toEqual(colours.flat());
  });

  it('enlarging: 2x1 -> 8x1 keeps the ends and blends between them', async () => {
    const file = path.join(tmp, 'two.png');
    await writeFile(file, encodePng({ width: 2, height: 1, data: new Uint8Array([0, 0, 0, 200, 200, 200]) }));
    const img = await decodeImage(file, { width: 8, height: 1 });
    const reds = Array.from({ length: 8 }, (_, i) => img.data[i * 3]!);
    expect(reds[0]).toBeLessThan(10);
    expect(reds[7]).toBeGreaterThan(190);
    for (let i = 1; i < 8; i++) expect(reds[i]!).toBeGreaterThanOrEqual(reds[i - 1]!);
  });
});

describe('decodeImage errors: one line, naming the file', () => {
  function oneLine(e: MediaError, file: string): void {
    expect(e.message).toContain(file);
    expect(e.message).not.toContain('\n');
    expect(e.file).toBe(file);
  }

  it('missing file', async () => {
    const file = path.join(tmp, 'nope.png');
    const e = await decodeError(file);
    expect(e.code).toBe('not-found');
    expect(e.message).toMatch(/not found/i);
    oneLine(e, file);
  });

  it('a directory, and an empty file', async () => {
    const dir = path.join(tmp, 'a-folder.png');
    await mkdir(dir);
    const e1 = await decodeError(dir);
    expect(e1.code).toBe('not-a-file');
    expect(e1.message).toMatch(/directory/);
    const empty = path.join(tmp, 'empty.png');
    await writeFile(empty, '');
    const e2 = await decodeError(empty);
    expect(e2.code).toBe('empty');
    oneLine(e2, empty);
  });

  it('random bytes saved as .png', async () => {
    const file = path.join(tmp, 'random.png');
    await writeFile(file, randomBytes(5000));
    const e = await decodeError(file);
    expect(e.code).toBe('unreadable');
    expect(e.message).toMatch(/Invalid data found when processing input|Invalid PNG signature/);
    oneLine(e, file);
  });

  it('a truncated PNG', async () => {
    const file = path.join(tmp, 'truncated.png');
    const bytes = encodePng({ width: 64, height: 64, data: new Uint8Array(64 * 64 * 3).map((_, i) => (i * 7) % 256) });
    await writeFile(file, bytes.subarray(0, 120));
    const e = await decodeError(file);
    expect(e.code).toBe('unreadable');
    oneLine(e, file);
  });

  it('text files: .txt (ffmpeg would render it as ANSI art) and text saved as .png', async () => {
    const txt = path.join(tmp, 'notes.txt');
    await writeFile(txt, 'This is not a picture.\nJust some notes.\n');
    const e1 = await decodeError(txt);
    expect(e1.code).toBe('no-image');
    expect(e1.message).toMatch(/text file/);
    oneLine(e1, txt);
    const png = path.join(tmp, 'notes.png');
    await writeFile(png, 'This is not a picture either.\n');
    const e2 = await decodeError(png);
    expect(isMediaError(e2)).toBe(true);
    expect(['unreadable', 'no-image']).toContain(e2.code);
    oneLine(e2, png);
  });

  it('an audio-only file has no picture', async () => {
    const wav = path.join(tmp, 'tone.wav');
    await runFfmpeg(['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=0.2', `file:${wav}`]);
    const e = await decodeError(wav);
    expect(e.code).toBe('no-image');
    expect(e.message).toMatch(/only audio/);
    oneLine(e, wav);
  });

  it('bad sizes are rejected before ffmpeg runs', async () => {
    for (const opts of [{ width: 0 }, { height: -3 }, { width: 2.5 }, { width: 100000 }]) {
      const e = await decodeError(path.join(tmp, 'whatever.png'), opts);
      expect(e.code).toBe('invalid-argument');
    }
  });

  it('an aborted decode rejects with AbortError and leaves no ffmpeg running', async () => {
    const file = path.join(tmp, 'big.png');
    await writeFile(file, encodePng({ width: 16, height: 16, data: new Uint8Array(16 * 16 * 3) }));
    const ac = new AbortController();
    ac.abort();
    const e = await decodeError(file, { signal: ac.signal });
    expect(e.code).toBe('aborted');
    expect(liveFfmpegCount()).toBe(0);
  });
});
