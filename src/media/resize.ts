// Bilinear resampling of float maps (attention maps are 7x7 or 14x14; images are hundreds of
// pixels). Pure. Pixel centres are aligned, not corners ("align_corners = false", half-pixel
// centres): the convention of OpenCV's INTER_LINEAR, PyTorch's interpolate(align_corners=False),
// TF's resize_bilinear(half_pixel_centers=True) and GPU texture sampling, so a map drawn by three.js
// in the UI and one blended here line up. Each output pixel (x, y) samples the source at
//   sx = (x + 0.5) * sw / dw - 0.5,  clamped to [0, sw - 1]  (edge pixels repeat, as OpenCV does).

/**
 * Resizes a row-major map `src` of size sw x sh (with `channels` interleaved values per pixel) to
 * dw x dh. Returns a new Float32Array of length dw * dh * channels.
 */
export function resizeBilinear(
  src: Float32Array,
  sw: number,
  sh: number,
  dw: number,
  dh: number,
  channels = 1,
): Float32Array {
  for (const [name, v] of [['sw', sw], ['sh', sh], ['dw', dw], ['dh', dh], ['channels', channels]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`resizeBilinear: ${name} must be a positive integer, got ${v}`);
  }
  if (src.length !== sw * sh * channels) {
    throw new RangeError(`resizeBilinear: source has ${src.length} values, expected ${sw}x${sh}x${channels} = ${sw * sh * channels}`);
  }
  const out = new Float32Array(dw * dh * channels);

  // Per-column source indices and weights, computed once (every row uses the same ones).
  const x0s = new Int32Array(dw);
  const x1s = new Int32Array(dw);
  const wxs = new Float32Array(dw);
  const scaleX = sw / dw;
  for (let x = 0; x < dw; x++) {
    const sx = Math.min(Math.max((x + 0.5) * scaleX - 0.5, 0), sw - 1);
    const x0 = Math.floor(sx);
    x0s[x] = x0;
    x1s[x] = Math.min(x0 + 1, sw - 1);
    wxs[x] = sx - x0;
  }

  const scaleY = sh / dh;
  for (let y = 0; y < dh; y++) {
    const sy = Math.min(Math.max((y + 0.5) * scaleY - 0.5, 0), sh - 1);
    const y0 = Math.floor(sy);
    const y1 = Math.min(y0 + 1, sh - 1);
    const wy = sy - y0;
    const row0 = y0 * sw;
    const row1 = y1 * sw;
    for (let x = 0; x < dw; x++) {
      const wx = wxs[x]!;
      const a = (row0 + x0s[x]!) * channels;
      const b = (row0 + x1s[x]!) * channels;
      const c = (row1 + x0s[x]!) * channels;
      const d = (row1 + x1s[x]!) * channels;
      const o = (y * dw + x) * channels;
      for (let k = 0; k < channels; k++) {
        const top = src[a + k]! + (src[b + k]! - src[a + k]!) * wx;
        const bottom = src[c + k]! + (src[d + k]! - src[c + k]!) * wx;
        out[o + k] = top + (bottom - top) * wy;
      }
    }
  }
  return out;
}
