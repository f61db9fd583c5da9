// The bitmap font and burned-in text, checked pixel by pixel; and annotateFrame's composition.
import { describe, expect, it } from 'vitest';
import { annotateFrame, formatTimestamp } from '../../src/media/annotate.js';
import { getColormap } from '../../src/media/colormaps.js';
import { GLYPH_ASCENT, GLYPH_ROWS, GLYPH_SOURCE, GLYPH_WIDTH, glyphRows } from '../../src/media/font5x7.js';
import { renderOverlay } from '../../src/media/overlay.js';
import { CELL_HEIGHT, CELL_WIDTH, drawText, measureText, measureTextBox, textScaleFor } from '../../src/media/text.js';
import type { RgbImage } from '../../src/media/types.js';

function solid(width: number, height: number, v: [number, number, number]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(v, i * 3);
  return { width, height, data };
}
const px = (img: RgbImage, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));

describe('font table', () => {
  it('has every printable ASCII glyph, 5 wide, 7 rows (9 with descender)', () => {
    for (let c = 32; c <= 126; c++) {
      const rows = GLYPH_SOURCE[String.fromCharCode(c)];
      expect(rows, String.fromCharCode(c)).toBeDefined();
      expect([GLYPH_ASCENT, GLYPH_ROWS]).toContain(rows!.length);
      for (const r of rows!) expect(r).toMatch(/^[.#]{5}$/);
    }
    // Only glyphs that need it reach below the baseline.
    const descenders = Object.entries(GLYPH_SOURCE).filter(([, rows]) => rows.slice(GLYPH_ASCENT).some((r) => r.includes('#'))).map(([c]) => c).sort();
    expect(descenders.join('')).toBe(',;gjpqy');
    // Every visible glyph has ink; distinct characters look distinct.
    const seen = new Map<string, string>();
    for (let c = 33; c <= 126; c++) {
      const key = Array.from(glyphRows(String.fromCharCode(c))).join(',');
      expect(key).not.toBe(Array(GLYPH_ROWS).fill(0).join(','));
      expect(seen.get(key), `${String.fromCharCode(c)} looks like ${seen.get(key)}`).toBeUndefined();
      seen.set(key, String.fromCharCode(c));
    }
  });

  it('draws unknown characters as ?', () => {
    expect(glyphRows('é')).toEqual(glyphRows('?'));
    expect(glyphRows('\t')).toEqual(glyphRows('?'));
  });
});

describe('drawText', () => {
  it('sets exactly the glyph pixels, scaled, in the ink colour', () => {
    const img = solid(20, 12, [10, 20, 30]);
    drawText(img, 'T', 1, 1, { scale: 1, background: null, padding: 0, color: [255, 0, 0] });
    // T: top row full, then the middle column.
    for (let x = 0; x < 20; x++) {
      for (let y = 0; y < 12; y++) {
        const ink = (y === 1 && x >= 1 && x <= 5) || (x === 3 && y >= 1 && y <= 7);
        expect(px(img, x, y), `${x},${y}`).toEqual(ink ? [255, 0, 0] : [10, 20, 30]);
      }
    }
    const big = solid(30, 30, [0, 0, 0]);
    drawText(big, 'T', 0, 0, { scale: 3, background: null, padding: 0 });
    expect(px(big, 0, 0)).toEqual([255, 255, 255]);
    expect(px(big, 14, 2)).toEqual([255, 255, 255]); // last column of the bar (5 * 3 - 1)
    expect(px(big, 15, 0)).toEqual([0, 0, 0]);
    expect(px(big, 7, 20)).toEqual([255, 255, 255]); // stem: columns 6-8, rows to 20
    expect(px(big, 7, 21)).toEqual([0, 0, 0]);
    expect(px(big, 5, 10)).toEqual([0, 0, 0]);
  });

  it('puts a translucent box behind the text, padding around it', () => {
    const img = solid(60, 30, [200, 100, 50]);
    const box = drawText(img, ['ab', 'c'], 5, 4, { scale: 1, padding: 2, background: [0, 0, 0], backgroundOpacity: 0.5 });
    expect(box).toEqual({ x: 5, y: 4, width: 2 * CELL_WIDTH - 1 + 4, height: 2 * CELL_HEIGHT - 1 + 4 });
    expect(px(img, 5, 4)).toEqual([100, 50, 25]); // box corner: half dark
    expect(px(img, 4, 4)).toEqual([200, 100, 50]); // outside
    expect(px(img, 5 + box.width, 4)).toEqual([200, 100, 50]);
    // 'a' row 2 is ".###.": column 1 inked at (5 + 2 + 1, 4 + 2 + 2).
    expect(px(img, 8, 8)).toEqual([255, 255, 255]);
    expect(px(img, 7, 8)).toEqual([100, 50, 25]);
  });

  it('clips at the image edges and measures text', () => {
    const img = solid(8, 8, [0, 0, 0]);
    expect(() => drawText(img, 'Hello world', -3, -3, { scale: 2 })).not.toThrow();
    expect(() => drawText(img, 'Hello', 100, 100)).not.toThrow();
    expect(measureText('abc', 2)).toEqual({ width: (3 * 6 - 1) * 2, height: (10 - 1) * 2 });
    expect(measureText(['abc', 'de'], 1)).toEqual({ width: 17, height: 19 });
    expect(measureText('', 1)).toEqual({ width: 0, height: 0 });
    expect(measureTextBox('a', { scale: 2 })).toEqual({ width: 5 * 2 + 8, height: 9 * 2 + 8 });
    expect(textScaleFor(224, 224)).toBe(1);
    expect(textScaleFor(768, 432)).toBe(2);
    expect(textScaleFor(1920, 1080)).toBe(5);
    expect(() => drawText(img, 'a', 0, 0, { scale: 1.5 })).toThrow(/scale must be an integer/);
    expect(() => drawText(img, 'a', 0, 0, { color: [256, 0, 0] })).toThrow(/color/);
  });
});

describe('annotateFrame', () => {
  const frame = solid(40, 30, [100, 100, 100]);
  const map = { width: 2, height: 2, values: new Float32Array([0, 1, 1, 0]) };

  it('is renderOverlay plus text, without touching the input', () => {
    const before = frame.data.slice();
    const plain = annotateFrame({ frame, map, colormap: 'jet', opacity: 0.5 });
    expect(plain).toEqual(renderOverlay({ image: frame, map, colormap: 'jet', opacity: 0.5 }));
    const labelled = annotateFrame({ frame, map, colormap: 'jet', opacity: 0.5, text: ['car 0.93'] });
    expect(frame.data).toEqual(before);
    let changed = 0;
    for (let i = 0; i < plain.data.length; i++) if (plain.data[i] !== labelled.data[i]) changed++;
    expect(changed).toBeGreaterThan(0);
    // Top-left: the margin (2 px at scale 1) is untouched, the box starts after it.
    expect(px(labelled, 1, 1)).toEqual(px(plain, 1, 1));
    expect(px(labelled, 2, 2)).not.toEqual(px(plain, 2, 2));
  });

  it('places text in any corner and handles side-by-side and text-only', () => {
    const br = annotateFrame({ frame, text: 'x', textPosition: 'bottom-right', textStyle: { scale: 1, padding: 0, background: null } });
    // 'x' bottom row "#...#" ends 2 px (margin) from the right and bottom edges.
    expect(px(br, 40 - 3, 30 - 3 - 2)).toEqual([255, 255, 255]);
    expect(px(br, 0, 0)).toEqual([100, 100, 100]);
    const sbs = annotateFrame({ frame, map, sideBySide: true, text: 'a' });
    expect(sbs.width).toBe(80);
    const lut = getColormap('jet');
    expect(lut.length).toBe(768);
    expect(formatTimestamp(12.483)).toBe('0:12.48');
    expect(formatTimestamp(3725.5)).toBe('1:02:05.50');
  });
});
