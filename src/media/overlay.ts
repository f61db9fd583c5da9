// Draws an attention map over the picture it explains: the map (e.g. 14x14) is upsampled to the
// image with the same half-pixel bilinear convention as the UI, coloured through a lookup table and
// alpha-blended. Pure: images in, image out.
import { getColormap, type Colormap, type ColormapName } from './colormaps.js';
import { MediaError } from './errors.js';
import { assertRgbImage } from './png.js';
import { resizeBilinear } from './resize.js';
import { tintWeight, type TintBlend } from './tint.js';
import type { FloatMap, RgbImage } from './types.js';

// Writing the result is png.ts's concern; re-exported here because overlays are what gets written.
export { writePng, encodePng } from './png.js';

export interface OverlayOptions {
  image: RgbImage;
  /** Values 0..1 (outside is clamped, NaN counts as 0); any size, resized to the image's. */
  map: FloatMap;
  /** A colour map name (see colormapNames) or a 256x3 table. Default 'jet'. */
  colormap?: ColormapName | string | Colormap;
  /** Weight of the map colour where attention is highest (tint.ts): 0 shows only the image. Default 0.5. */
  opacity?: number;
  /** Attention below this (0..1) is not tinted. Default 0. */
  threshold?: number;
  /** 'attention' (default): weight opacity x attention; 'uniform': opacity everywhere (tint.ts). */
  blend?: TintBlend;
  /** Output the original image on the left and the overlay on the right (twice as wide). */
  sideBySide?: boolean;
}

/** The overlay as a new RGB image (2 * width wide when sideBySide). */
export function renderOverlay(opts: OverlayOptions): RgbImage {
  const { image, map } = opts;
  assertRgbImage(image);
  if (!Number.isInteger(map.width) || !Number.isInteger(map.height) || map.width < 1 || map.height < 1 || map.values.length !== map.width * map.height) {
    throw new MediaError('invalid-argument', `renderOverlay: map must be width x height values, got ${map.width}x${map.height} with ${map.values.length} values`);
  }
  const opacity = opts.opacity ?? 0.5;
  if (!(opacity >= 0 && opacity <= 1)) {
    throw new MediaError('invalid-argument', `renderOverlay: opacity must be between 0 and 1, got ${opacity}`);
  }
  const threshold = opts.threshold ?? 0;
  if (!(threshold >= 0 && threshold <= 1)) {
    throw new MediaError('invalid-argument', `renderOverlay: threshold must be between 0 and 1, got ${threshold}`);
  }
  const blend = opts.blend ?? 'attention';
  const lut = typeof opts.colormap === 'string' || opts.colormap === undefined ? getColormap(opts.colormap ?? 'jet') : opts.colormap;
  if (lut.length !== 256 * 3) throw new MediaError('invalid-argument', `renderOverlay: a colour table needs 768 entries, got ${lut.length}`);

  const { width: w, height: h } = image;
  const values = map.width === w && map.height === h ? map.values : resizeBilinear(map.values, map.width, map.height, w, h);

  const outWidth = opts.sideBySide ? 2 * w : w;
  const out = new Uint8Array(outWidth * h * 3);
  const offset = opts.sideBySide ? w : 0; // overlay column offset
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const v = values[i]!;
      // NaN fails both comparisons and lands on entry 0, like a zero.
      const t = v > 0 ? (v < 1 ? v : 1) : 0;
      const c = Math.round(t * 255) * 3;
      const src = i * 3;
      const dst = (y * outWidth + x + offset) * 3;
      const wgt = tintWeight(t, opacity, threshold, blend);
      for (let k = 0; k < 3; k++) out[dst + k] = Math.round(image.data[src + k]! * (1 - wgt) + lut[c + k]! * wgt);
      if (opts.sideBySide) {
        const left = (y * outWidth + x) * 3;
        out[left] = image.data[src]!;
        out[left + 1] = image.data[src + 1]!;
        out[left + 2] = image.data[src + 2]!;
      }
    }
  }
  return { width: outWidth, height: h, data: out };
}
