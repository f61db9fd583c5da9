// Decodes any picture ffmpeg reads (PNG, JPEG, WebP, BMP, TIFF, GIF's first frame, a video's first
// frame) to 8-bit RGB, optionally resized to the model's input size, in two ffmpeg runs: a probe
// for the source size (needed to place a padded picture exactly and to report the content box),
// then one decode of rgb24 to stdout, wrapped as PPM so the produced size is checked, not assumed.
import { MediaError } from './errors.js';
import type { MediaInfo } from './ffmpegInfo.js';
import { fitBox, type FitResult, type SizeRequest } from './fit.js';
import { parsePpm } from './ppm.js';
import { ffmpegInput, probeMedia, type FfmpegInput } from './probe.js';
import { FfmpegError, meaningfulLines, runFfmpeg } from './runFfmpeg.js';
import type { Box, RgbImage } from './types.js';

// Maps are resized with the pure function; re-exported so image and map resizing are found together.
export { resizeBilinear } from './resize.js';
export { fitBox, type FitMode, type FitResult, type SizeRequest } from './fit.js';

export interface DecodeImageOptions extends SizeRequest {
  signal?: AbortSignal;
  /** Per ffmpeg run. Default 60 s. */
  timeoutMs?: number;
}

export interface DecodedImage extends RgbImage {
  /** The picture's own size (after any rotation ffmpeg applies from the file's display matrix). */
  sourceWidth: number;
  sourceHeight: number;
  /** Where the picture lies in the output: the whole frame, except with fit 'pad'. */
  box: Box;
  /** ffmpeg's demuxer and codec names, e.g. 'png_pipe' / 'png', 'image2' / 'mjpeg'. */
  format: string | null;
  codec: string;
  /**
   * Errors ffmpeg reported while still producing a picture, e.g. "[mjpeg] overread 8" for a
   * truncated JPEG (the missing part comes out grey). Empty for a clean decode.
   */
  warnings: string[];
}

/** Largest output side accepted: beyond this a typo (224000) would allocate gigabytes. */
export const MAX_SIDE = 16384;

/**
 * swscale filter for a resize: 'area' (averages every source pixel, so no aliasing) when any side
 * shrinks, as it does for model inputs; 'bilinear' when only enlarging, where area has nothing to
 * average and degenerates to it anyway.
 */
export function scaleFlags(sw: number, sh: number, dw: number, dh: number): 'area' | 'bilinear' {
  return dw < sw || dh < sh ? 'area' : 'bilinear';
}

/**
 * The -vf chain that turns a decoded sw x sh picture into the `fit` frame. Conversion to RGB comes
 * first so resampling happens on RGB pixels, as in the PIL/OpenCV pipelines the models were
 * trained with (resampling subsampled YUV would blur colour differently). `accurate_rnd` avoids
 * swscale's fast-path rounding errors of up to a few levels. Null when nothing is to be done.
 */
export function buildImageFilter(sw: number, sh: number, fit: FitResult): string | null {
  const { box } = fit;
  const resize = box.width !== sw || box.height !== sh;
  const padded = box.width !== fit.width || box.height !== fit.height;
  if (!resize && !padded) return null;
  const chain = ['format=rgb24'];
  if (resize) chain.push(`scale=${box.width}:${box.height}:flags=${scaleFlags(sw, sh, box.width, box.height)}+accurate_rnd`);
  if (padded) chain.push(`pad=${fit.width}:${fit.height}:${box.x}:${box.y}:color=black`);
  return chain.join(',');
}

function checkSize(name: string, v: number | undefined): void {
  if (v === undefined) return;
  if (!Number.isInteger(v) || v < 1 || v > MAX_SIDE) {
    throw new MediaError('invalid-argument', `decodeImage: ${name} must be an integer from 1 to ${MAX_SIDE}, got ${v}`);
  }
}

/**
 * The pixels in an ArrayBuffer of their own. The PPM's pixels are a view after its header, and
 * consumers that pass `.buffer` on (tensors, workers, transfer lists) must not see other bytes.
 */
function ownBytes(view: Uint8Array): Uint8Array {
  return view.byteOffset === 0 && view.buffer.byteLength === view.length ? view : view.slice();
}

/** ffmpeg's explanation, shortest useful form: its last line, plus the first when that names the cause. */
function reasonFrom(stderr: string, input: FfmpegInput): string {
  const lines = meaningfulLines(stderr, [input.args[1]!]);
  if (lines.length === 0) return 'ffmpeg gave no reason';
  const last = lines[lines.length - 1]!;
  const first = lines[0]!;
  return first === last || last.includes(first) ? last : `${last} (${first})`;
}

/** The picture stream to decode, or a one-line error saying why the file holds none. */
function pictureStream(file: string, info: MediaInfo) {
  // ffmpeg "reads" text files as ANSI art (tty demuxer): technically a picture, never what is meant.
  if (info.format === 'tty' || info.video?.codec === 'ansi') {
    throw new MediaError('no-image', `Not an image: "${file}" is a text file`, { file });
  }
  if (!info.video) {
    const kinds = info.streams.map((s) => s.kind);
    const what = kinds.length ? `only ${[...new Set(kinds)].join(' and ')}` : 'no streams';
    throw new MediaError('no-image', `Not an image: "${file}" contains ${what}, no picture`, { file });
  }
  return info.video;
}

/**
 * Decodes `file` to RGB. With width and/or height, resizes (see fitBox for 'stretch' and 'pad').
 * Errors are one-line MediaErrors naming the file: 'not-found', 'not-a-file', 'empty',
 * 'unreadable' (corrupt or unknown format, with ffmpeg's reason), 'no-image' (text, audio only),
 * 'invalid-argument', 'aborted', 'timeout'.
 */
export async function decodeImage(file: string, opts: DecodeImageOptions = {}): Promise<DecodedImage> {
  checkSize('width', opts.width);
  checkSize('height', opts.height);
  const timeoutMs = opts.timeoutMs ?? 60_000;

  const { info } = await probeMedia(file, { signal: opts.signal, timeoutMs });
  const stream = pictureStream(file, info);
  const input = await ffmpegInput(file);
  const baseArgs = ['-v', 'error', ...input.args, '-map', `0:${stream.index}`, '-frames:v', '1'];
  // PPM rather than rawvideo: the same RGB bytes plus a header stating the size actually produced.
  const outArgs = ['-f', 'image2pipe', '-c:v', 'ppm', '-pix_fmt', 'rgb24', 'pipe:1'];

  const sw = stream.displayWidth;
  const sh = stream.displayHeight;
  if (!sw || !sh) {
    // The probe could not even find the size: decode anyway, only to collect ffmpeg's reason.
    const reason = await runFfmpeg([...baseArgs, ...outArgs], {
      input: file, okExitCodes: [0, 1], signal: opts.signal, timeoutMs, stdin: input.stdin, maxStdoutBytes: 64 << 20,
    }).then(
      (run) => reasonFrom(run.stderr, input),
      (e: unknown) => {
        if (e instanceof FfmpegError && e.code !== 'ffmpeg-failed') throw e; // aborted, timeout
        return e instanceof FfmpegError ? reasonFrom(e.stderr, input) : String(e);
      },
    );
    throw new MediaError('unreadable', `Cannot decode image "${file}": ${reason}`, { file });
  }

  const fit = fitBox(sw, sh, opts);
  const filter = buildImageFilter(sw, sh, fit);
  const expected = fit.width * fit.height * 3;
  let stdout: Buffer;
  let stderr: string;
  try {
    const run = await runFfmpeg([...baseArgs, ...(filter ? ['-vf', filter] : []), ...outArgs], {
      input: file,
      signal: opts.signal,
      timeoutMs,
      stdin: input.stdin,
      // One frame is expected; anything much larger means the size assumption is wrong.
      maxStdoutBytes: expected * 2 + 64,
    });
    stdout = run.stdout;
    stderr = run.stderr;
  } catch (e) {
    if (e instanceof FfmpegError && e.code === 'ffmpeg-failed') {
      throw new MediaError('unreadable', `Cannot decode image "${file}": ${reasonFrom(e.stderr, input)}`, { file, cause: e });
    }
    throw e;
  }
  const ppm = parsePpm(stdout);
  if (!ppm) {
    const why = stdout.length === 0 ? reasonFrom(stderr, input) : `ffmpeg's output is not a ${fit.width}x${fit.height} picture (${stdout.length} bytes)`;
    throw new MediaError('unreadable', `Cannot decode image "${file}": ${why}`, { file });
  }
  const { image } = ppm;
  const asPlanned = image.width === fit.width && image.height === fit.height;
  // A resize fixes the output size, so a mismatch there is a real fault. Without one, trust what
  // ffmpeg produced: a newer ffmpeg may turn a picture (EXIF orientation) in a way the probe did not show.
  if (!asPlanned && filter) {
    throw new MediaError('unreadable', `Cannot decode image "${file}": expected ${fit.width}x${fit.height}, ffmpeg produced ${image.width}x${image.height}`, { file });
  }
  return {
    width: image.width,
    height: image.height,
    data: ownBytes(image.data),
    sourceWidth: asPlanned ? sw : image.width,
    sourceHeight: asPlanned ? sh : image.height,
    box: asPlanned ? fit.box : { x: 0, y: 0, width: image.width, height: image.height },
    format: info.format,
    codec: stream.codec,
    warnings: meaningfulLines(stderr, [input.args[1]!]),
  };
}
