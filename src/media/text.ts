// Burns text (class label, score, time) into RGB frames with the built-in 5x7 bitmap font, scaled by
// a whole factor so strokes stay crisp, over a translucent dark box so it reads on any picture.
// No ffmpeg drawtext: that needs libfreetype, fontconfig and a font file, which may all be absent.
import { MediaError } from './errors.js';
import { GLYPH_ROWS, GLYPH_WIDTH, glyphRows } from './font5x7.js';
import type { Box, RgbImage } from './types.js';

export type Rgb = readonly [number, number, number];

export interface TextStyle {
  /** Whole-number magnification of the 5x7 font. Default: textScaleFor(image). */
  scale?: number;
  /** Ink colour. Default white. */
  color?: Rgb;
  /** Box colour behind the text; null for none. Default black. */
  background?: Rgb | null;
  /** 0 = invisible box, 1 = solid. Default 0.6. */
  backgroundOpacity?: number;
  /** Space between the box edge and the text, in output pixels. Default 2 * scale. */
  padding?: number;
}

/** Horizontal advance per character in font pixels: glyph plus one column of spacing. */
export const CELL_WIDTH = GLYPH_WIDTH + 1;
/** Vertical advance per line in font pixels: ascent, descent and one row of spacing. */
export const CELL_HEIGHT = GLYPH_ROWS + 1;

/** A font scale that keeps labels legible without covering much: 1 at 224 px, 2 at 432, 3 at 720, 5 at 1080. */
export function textScaleFor(width: number, height: number): number {
  return Math.max(1, Math.floor(Math.min(width, height) / 200));
}

function toLines(text: string | readonly string[]): string[] {
  return (typeof text === 'string' ? [text] : [...text]).flatMap((t) => t.split(/\r?\n/));
}

/** Size in pixels of `text` (lines) at `scale`, without the box's padding. */
export function measureText(text: string | readonly string[], scale = 1): { width: number; height: number } {
  const lines = toLines(text);
  const chars = Math.max(0, ...lines.map((l) => [...l].length));
  if (lines.length === 0 || chars === 0) return { width: 0, height: 0 };
  // The last column and row of spacing are not part of the text.
  return { width: (chars * CELL_WIDTH - 1) * scale, height: (lines.length * CELL_HEIGHT - 1) * scale };
}

/** Size of the text with its box (padding on every side). */
export function measureTextBox(text: string | readonly string[], style: TextStyle & { scale: number }): { width: number; height: number } {
  const { width, height } = measureText(text, style.scale);
  if (width === 0) return { width: 0, height: 0 };
  const pad = style.padding ?? 2 * style.scale;
  return { width: width + 2 * pad, height: height + 2 * pad };
}

function checkColor(name: string, c: Rgb): void {
  if (c.length !== 3 || c.some((v) => !Number.isInteger(v) || v < 0 || v > 255)) {
    throw new MediaError('invalid-argument', `drawText: ${name} must be three integers 0-255, got [${c.join(', ')}]`);
  }
}

/**
 * Draws `text` (a string, or lines; '\n' also breaks lines) into `img` IN PLACE with the box's top
 * left corner at (x, y). Anything outside the image is clipped. Returns the box as drawn (before
 * clipping). Characters outside printable ASCII are drawn as '?'.
 */
export function drawText(img: RgbImage, text: string | readonly string[], x: number, y: number, style: TextStyle = {}): Box {
  const scale = style.scale ?? textScaleFor(img.width, img.height);
  if (!Number.isInteger(scale) || scale < 1 || scale > 64) {
    throw new MediaError('invalid-argument', `drawText: scale must be an integer from 1 to 64, got ${scale}`);
  }
  const color = style.color ?? [255, 255, 255];
  const background = style.background === undefined ? ([0, 0, 0] as const) : style.background;
  const opacity = style.backgroundOpacity ?? 0.6;
  checkColor('color', color);
  if (background) checkColor('background', background);
  if (!(opacity >= 0 && opacity <= 1)) throw new MediaError('invalid-argument', `drawText: backgroundOpacity must be 0-1, got ${opacity}`);
  const pad = style.padding ?? 2 * scale;
  if (!Number.isInteger(pad) || pad < 0) throw new MediaError('invalid-argument', `drawText: padding must be a non-negative integer, got ${pad}`);
  x = Math.round(x);
  y = Math.round(y);

  const lines = toLines(text);
  const size = measureText(lines, scale);
  const box: Box = { x, y, width: size.width === 0 ? 0 : size.width + 2 * pad, height: size.width === 0 ? 0 : size.height + 2 * pad };
  if (box.width === 0) return box;
  const { width: W, height: H, data } = img;

  if (background && opacity > 0) {
    const x0 = Math.max(0, x);
    const x1 = Math.min(W, x + box.width);
    const y0 = Math.max(0, y);
    const y1 = Math.min(H, y + box.height);
    const keep = 1 - opacity;
    const [br, bg, bb] = [background[0] * opacity, background[1] * opacity, background[2] * opacity];
    for (let py = y0; py < y1; py++) {
      for (let px = x0; px < x1; px++) {
        const i = (py * W + px) * 3;
        data[i] = Math.round(data[i]! * keep + br);
        data[i + 1] = Math.round(data[i + 1]! * keep + bg);
        data[i + 2] = Math.round(data[i + 2]! * keep + bb);
      }
    }
  }

  const [cr, cg, cb] = color;
  lines.forEach((line, li) => {
    const top = y + pad + li * CELL_HEIGHT * scale;
    [...line].forEach((ch, ci) => {
      const left = x + pad + ci * CELL_WIDTH * scale;
      const rows = glyphRows(ch);
      for (let r = 0; r < GLYPH_ROWS; r++) {
        const bits = rows[r]!;
        if (!bits) continue;
        for (let c = 0; c < GLYPH_WIDTH; c++) {
          if (!(bits & (1 << (GLYPH_WIDTH - 1 - c)))) continue;
          // One font pixel = a scale x scale block, clipped to the image.
          const bx0 = Math.max(0, left + c * scale);
          const bx1 = Math.min(W, left + (c + 1) * scale);
          const by0 = Math.max(0, top + r * scale);
          const by1 = Math.min(H, top + (r + 1) * scale);
          for (let py = by0; py < by1; py++) {
            for (let px = bx0; px < bx1; px++) {
              const i = (py * W + px) * 3;
              data[i] = cr;
              data[i + 1] = cg;
              data[i + 2] = cb;
            }
          }
        }
      }
    });
  });
  return box;
}
