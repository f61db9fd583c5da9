// One exported video frame: the attention map over the source frame (renderOverlay: bilinear
// upsampling, colour map, alpha blend; optionally beside the original), plus burned-in text such as
// the class label, score and time. Pure: the input frame is not modified.
import type { Colormap, ColormapName } from './colormaps.js';
import { assertRgbImage } from './png.js';
import { renderOverlay } from './overlay.js';
import type { TintBlend } from './tint.js';
import { drawText, measureTextBox, textScaleFor, type TextStyle } from './text.js';
import type { FloatMap, RgbImage } from './types.js';

export type TextPosition = 'top-left' | 'top-right' | 'bottom-left' | 'bottom-right';

export interface AnnotateOptions {
  /** The source frame (any size; usually the source's own size, not the model's). */
  frame: RgbImage;
  /** The attention map, values 0..1, any size (upsampled to the frame). Omit for text only. */
  map?: FloatMap | null;
  colormap?: ColormapName | string | Colormap;
  /** Map weight where attention is highest, 0..1. Default 0.5 (tint.ts). */
  opacity?: number;
  /** Attention below this is not tinted. Default 0. */
  threshold?: number;
  blend?: TintBlend;
  /** Original on the left, overlay on the right (twice as wide). */
  sideBySide?: boolean;
  /** Lines to burn in (label, score, time). */
  text?: string | readonly string[];
  /** Corner for the text. Default 'top-left'. */
  textPosition?: TextPosition;
  textStyle?: TextStyle;
}

/** "m:ss.cc" (or "h:mm:ss.cc"), for time labels. */
export function formatTimestamp(seconds: number): string {
  const s = Math.max(0, seconds);
  const cs = Math.round(s * 100);
  const h = Math.floor(cs / 360000);
  const m = Math.floor((cs % 360000) / 6000);
  const sec = ((cs % 6000) / 100).toFixed(2).padStart(5, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** The annotated frame (a new image; 2 * width wide with sideBySide). */
export function annotateFrame(opts: AnnotateOptions): RgbImage {
  const { frame } = opts;
  assertRgbImage(frame, 'annotateFrame: frame');
  const out: RgbImage = opts.map
    ? renderOverlay({ image: frame, map: opts.map, colormap: opts.colormap, opacity: opts.opacity, threshold: opts.threshold, blend: opts.blend, sideBySide: opts.sideBySide })
    : { width: frame.width, height: frame.height, data: frame.data.slice() };

  const text = opts.text ?? [];
  if ((typeof text === 'string' ? text : text.join('')).length === 0) return out;
  // Scale from the source frame's size, so side-by-side output gets the same label size.
  const scale = opts.textStyle?.scale ?? textScaleFor(frame.width, frame.height);
  const style = { ...opts.textStyle, scale };
  const box = measureTextBox(text, style);
  const margin = 2 * scale;
  const pos = opts.textPosition ?? 'top-left';
  const x = pos.endsWith('left') ? margin : out.width - box.width - margin;
  const y = pos.startsWith('top') ? margin : out.height - box.height - margin;
  drawText(out, text, x, y, style);
  return out;
}
