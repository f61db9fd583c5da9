// Output sizes for decoding: where a picture of sw x sh goes in a requested frame. Pure.
import type { Box } from './types.js';

export type FitMode = 'stretch' | 'pad';

export interface SizeRequest {
  width?: number;
  height?: number;
  fit?: FitMode;
}

export interface FitResult {
  /** Output frame size. */
  width: number;
  height: number;
  /** Where the picture lies inside the frame (the whole frame unless padded). */
  box: Box;
}

/**
 * The output frame and content box for a source of sw x sh:
 *  - no width/height: the source size;
 *  - one of them: the other follows the aspect ratio;
 *  - both, fit 'stretch' (default; models were trained on crops resized without keeping aspect):
 *    exactly that size;
 *  - both, fit 'pad': the largest aspect-preserving size that fits, centred (extra pixel of an odd
 *    margin at the bottom/right), the rest to be filled with black.
 */
export function fitBox(sw: number, sh: number, req: SizeRequest = {}): FitResult {
  const { width, height } = req;
  if (width === undefined && height === undefined) return full(sw, sh);
  if (width === undefined) return full(Math.max(1, Math.round((sw * height!) / sh)), height!);
  if (height === undefined) return full(width, Math.max(1, Math.round((sh * width) / sw)));
  if ((req.fit ?? 'stretch') === 'stretch') return full(width, height);
  const scale = Math.min(width / sw, height / sh);
  const cw = Math.min(width, Math.max(1, Math.round(sw * scale)));
  const ch = Math.min(height, Math.max(1, Math.round(sh * scale)));
  return {
    width,
    height,
    box: { x: Math.floor((width - cw) / 2), y: Math.floor((height - ch) / 2), width: cw, height: ch },
  };
}

function full(width: number, height: number): FitResult {
  return { width, height, box: { x: 0, y: 0, width, height } };
}
