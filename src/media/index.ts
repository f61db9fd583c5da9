// The media layer: finding and running ffmpeg, decoding pictures, describing media files, colour
// maps and overlays. Other layers import from here.
export * from './types.js';
export * from './errors.js';
export * from './ffmpegPath.js';
export * from './runFfmpeg.js';
export * from './ffmpegInfo.js';
export * from './progress.js';
export * from './probe.js';
export * from './fit.js';
export * from './resize.js';
export { decodeImage, buildImageFilter, scaleFlags, MAX_SIDE, type DecodeImageOptions, type DecodedImage } from './decodeImage.js';
export * from './colormaps.js';
export * from './png.js';
export { renderOverlay, type OverlayOptions } from './overlay.js';
export * from './ppm.js';
// Video: probing with per-frame timestamps, streaming decode, export, burned-in text.
export * from './showinfo.js';
export * from './frameTiming.js';
export * from './ffmpegFeatures.js';
export * from './ffmpegProcess.js';
export * from './probeVideo.js';
export * from './decodeFrames.js';
export * from './outputTarget.js';
export * from './encodeVideo.js';
export * from './font5x7.js';
export * from './text.js';
export * from './annotate.js';
