// Plain image data shared by the media modules. RGB interleaved, row-major, 8 bits per channel:
// the layout ffmpeg's rgb24, pngjs (without alpha) and the models' input code all agree on.

/** An 8-bit RGB image, rows top to bottom, pixels interleaved R,G,B (length width*height*3). */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** A single-channel float map (an attention map), row-major, length width*height. */
export interface FloatMap {
  width: number;
  height: number;
  values: Float32Array;
}

/** A rectangle in pixels: where the picture content sits inside a padded output. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}
