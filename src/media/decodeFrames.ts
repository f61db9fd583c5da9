// Streams a video's frames as RGB at the model's input size, one at a time, never holding the
// clip in memory. One ffmpeg process decodes, resamples (the same RGB-first area/bilinear chain as
// decodeImage) and writes raw rgb24 frames to a pipe that is read only as fast as the consumer
// iterates: a slow consumer pauses ffmpeg (backpressure), a consumer that breaks out of the loop
// or aborts kills it, and the iterator finishes only once the process is gone.
//
// Timestamps: the same filter chain ends in showinfo, whose stderr line for each frame is matched
// to the frame read from stdout (the k-th line belongs to the k-th frame: frames pass through with
// the passthrough frame-rate mode, which neither duplicates nor drops). The time is the stream's own
// pts, computed exactly from the integer pts (see showinfo.ts), so variable frame rates and GIF
// delays come out right, equal to ffprobe's pts_time.
//
// Range and stride: -ss (ffmpeg's accurate seek: decode from the keyframe before, drop frames
// before the position) and -t limit the decoding; frames outside [fromS, toS) are also dropped
// here, because -t overshoots by a frame or so. Stride keeps every Nth frame of the range with
// ffmpeg's select filter (before the resize, so skipped frames cost no scaling). The frame index is
// the frame's number in the whole clip, found from the probe's timestamp list.
import path from 'node:path';
import { AsyncQueue, RecordReader } from './asyncPipes.js';
import { buildImageFilter, MAX_SIDE } from './decodeImage.js';
import { MediaError } from './errors.js';
import { featuresOf, passthroughArgs } from './ffmpegFeatures.js';
import { startFfmpeg, type FfmpegProcess } from './ffmpegProcess.js';
import { fitBox, type FitResult, type SizeRequest } from './fit.js';
import { probeVideo, type VideoInfo } from './probeVideo.js';
import {
  frameTimeS,
  isShowinfoLine,
  parseShowinfoConfig,
  parseShowinfoFrame,
  secondsArg,
  toMicroseconds,
  type Rational,
  type ShowinfoFrame,
} from './showinfo.js';
import type { Box } from './types.js';

export interface DecodeFramesOptions extends SizeRequest {
  /** First time to include (seconds on the stream's timeline, as VideoInfo.frameTimesS). Default: the start. */
  fromS?: number;
  /** Frames at or after this time are excluded. Default: the end. */
  toS?: number;
  /** Keep every Nth frame of the range (the first one, then N later...). Default 1. */
  stride?: number;
  signal?: AbortSignal;
  /** A probeVideo() result for this file, to skip probing again. */
  info?: VideoInfo;
}

export interface VideoFrame {
  /** The frame's number in the clip (0 = first frame of the file), whatever the range and stride. */
  index: number;
  /** The frame's timestamp in seconds (stream pts, as ffprobe's pts_time). */
  timeS: number;
  width: number;
  height: number;
  /** RGB, width * height * 3 bytes, in an ArrayBuffer of its own. */
  data: Uint8Array;
}

/** Which frames a range and stride select, from the probe's timestamps. Pure. */
export interface FrameSelection {
  /** Clip frame indices that will be produced, in order. */
  indices: number[];
  /** Seek position for -ss (container-relative seconds), or null to decode from the start. */
  seekS: number | null;
  /** The shift ffmpeg applies to timestamps (container start + seek), whole microseconds. */
  offsetUs: number;
  /** Input -t duration in seconds, or null for no limit. */
  durationS: number | null;
  fromS: number;
  toS: number;
}

function checkTime(name: string, v: number | undefined): void {
  if (v !== undefined && !Number.isFinite(v)) {
    throw new MediaError('invalid-argument', `decodeFrames: ${name} must be a finite number of seconds, got ${v}`);
  }
}

/** First index i with times[i] >= t (times ascending). */
function lowerBound(times: ArrayLike<number>, t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Timestamps are exact, but a user's 10.08 may be 10.079999999 after arithmetic: allow a hair. */
const EPS = 1e-7;

/**
 * Plans a decode of [fromS, toS) with `stride` from a VideoInfo. Throws 'out-of-range' (naming the
 * file and the clip's span) when the range is empty or outside the clip. Pure.
 */
/** Pure: seconds for messages, at most 3 decimals and no float noise. */
export function roundS(s: number): string {
  return String(+s.toFixed(3));
}

export function selectFrames(info: VideoInfo, fromS?: number, toS?: number, stride = 1): FrameSelection {
  checkTime('fromS', fromS);
  checkTime('toS', toS);
  if (!Number.isInteger(stride) || stride < 1) {
    throw new MediaError('invalid-argument', `decodeFrames: stride must be a positive integer, got ${stride}`);
  }
  const times = info.frameTimesS;
  const clipStart = info.startTimeS;
  const clipEnd = info.startTimeS + info.durationS;
  const span = `${clipStart.toFixed(3)}-${clipEnd.toFixed(3)} s`;
  const from = fromS ?? -Infinity;
  const to = toS ?? Infinity;
  if (fromS !== undefined && toS !== undefined && !(fromS < toS)) {
    throw new MediaError('out-of-range', `Empty range for "${info.path}": from ${fromS} s must be before to ${toS} s`, { file: info.path });
  }
  if (from >= clipEnd - EPS || to <= clipStart + EPS) {
    // times from the probe are sums of frame durations (30.159999999999997): shown rounded
    // (say the range as asked: --from 31 alone is "from 31 s", not "31-30.16 s")
    const shown = fromS !== undefined && toS !== undefined ? `${roundS(fromS)}-${roundS(toS)} s` : fromS !== undefined ? `from ${roundS(fromS)} s` : `to ${roundS(toS!)} s`;
    throw new MediaError('out-of-range', `Range ${shown} is outside "${info.path}", which spans ${span}`, { file: info.path });
  }
  const first = lowerBound(times, from - EPS);
  const end = lowerBound(times, to - EPS);
  if (first >= end) {
    throw new MediaError('out-of-range', `No frame of "${info.path}" lies in ${roundS(fromS ?? clipStart)}-${roundS(toS ?? clipEnd)} s (the clip spans ${span})`, { file: info.path });
  }
  const indices: number[] = [];
  for (let i = first; i < end; i += stride) indices.push(i);

  const containerUs = toMicroseconds(info.containerStartS);
  // Seek only when frames before the range exist; -ss counts from the container start.
  const seekUs = first > 0 && fromS !== undefined ? toMicroseconds(fromS) - containerUs : 0;
  const seek = seekUs > 0;
  const base = seek ? fromS! : info.containerStartS;
  // Slack of one long interval beyond toS: -t is inexact, frames beyond toS are dropped here.
  const slack = Math.max(info.variableFrameRate ? 1 : 0, info.fps > 0 ? 2 / info.fps : 1);
  return {
    indices,
    seekS: seek ? seekUs / 1e6 : null,
    offsetUs: seek ? containerUs + seekUs : containerUs,
    durationS: Number.isFinite(to) ? Math.max(0, to - base) + slack : null,
    fromS: from,
    toS: to,
  };
}

/** The -vf chain: stride selection, RGB resize (decodeImage's), showinfo last so it sees output frames. */
export function buildDecodeFilter(stride: number, sourceWidth: number, sourceHeight: number, fit: FitResult): string {
  const chain: string[] = [];
  // select's n counts frames entering it, i.e. from the first frame of the range.
  if (stride > 1) chain.push(`select=not(mod(n\\,${stride}))`);
  chain.push(buildImageFilter(sourceWidth, sourceHeight, fit) ?? 'format=rgb24');
  chain.push('showinfo');
  return chain.join(',');
}

/** The frame's pixels in an ArrayBuffer of their own, as a plain Uint8Array. */
function ownBytes(buf: Buffer): Uint8Array {
  if (buf.byteOffset === 0 && buf.buffer.byteLength === buf.length) return new Uint8Array(buf.buffer, 0, buf.length);
  return new Uint8Array(buf);
}

function checkSize(name: string, v: number | undefined): void {
  if (v === undefined) return;
  if (!Number.isInteger(v) || v < 1 || v > MAX_SIDE) {
    throw new MediaError('invalid-argument', `decodeFrames: ${name} must be an integer from 1 to ${MAX_SIDE}, got ${v}`);
  }
}

/** Where decoded frames lie in the output (the whole frame unless fit is 'pad'), for mapping maps back. */
export function decodedFrameBox(info: VideoInfo, req: SizeRequest): { width: number; height: number; box: Box } {
  return fitBox(info.width, info.height, req);
}

/**
 * Decodes `file`'s frames as RGB, resized per width/height/fit (see fitBox). An async iterable:
 * iterate it to completion, break out of it, or abort the signal; any of these leaves no ffmpeg
 * running. Errors are one-line MediaErrors naming the file: those of probeVideo, 'out-of-range',
 * 'invalid-argument', 'aborted', 'ffmpeg-failed'.
 */
export async function* decodeFrames(file: string, opts: DecodeFramesOptions = {}): AsyncGenerator<VideoFrame, void, undefined> {
  checkSize('width', opts.width);
  checkSize('height', opts.height);
  const stride = opts.stride ?? 1;
  const info = opts.info ?? (await probeVideo(file, { signal: opts.signal }));
  const sel = selectFrames(info, opts.fromS, opts.toS, stride);
  const fit = fitBox(info.width, info.height, opts);
  const frameBytes = fit.width * fit.height * 3;
  const features = await featuresOf();

  const input = `file:${path.resolve(file)}`;
  const args = [
    '-nostats',
    ...(sel.seekS !== null ? ['-ss', secondsArg(sel.seekS)] : []),
    ...(sel.durationS !== null ? ['-t', secondsArg(sel.durationS)] : []),
    '-i', input,
    '-map', `0:${info.streamIndex}`, '-an', '-sn', '-dn',
    '-vf', buildDecodeFilter(stride, info.width, info.height, fit),
    ...passthroughArgs(features),
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1',
  ];

  let timeBase: Rational | null = info.timeBase;
  const stamps = new AsyncQueue<ShowinfoFrame>();
  const proc: FfmpegProcess = await startFfmpeg(args, {
    input: file,
    signal: opts.signal,
    onStderrLine: (line) => {
      const f = parseShowinfoFrame(line);
      if (f) {
        stamps.push(f);
        return true;
      }
      const c = parseShowinfoConfig(line);
      if (c) {
        timeBase = c.timeBase;
        return true;
      }
      return isShowinfoLine(line);
    },
  });
  void proc.exited.then(() => stamps.close());

  const reader = new RecordReader(proc.stdout!, frameBytes);
  const times = info.frameTimesS;
  let k = 0;
  let reachedEnd = false;
  try {
    for (;;) {
      const buf = await reader.next();
      if (buf === null) break;
      if (buf.length !== frameBytes) {
        if (proc.stopped) break;
        await proc.exited;
        throw proc.failure(`Cannot decode "${file}": ffmpeg's output ended inside a frame (${buf.length} of ${frameBytes} bytes)`);
      }
      const stamp = await stamps.take();
      if (stamp === null) {
        if (proc.stopped) break;
        throw new MediaError('ffmpeg-failed', `Cannot decode "${file}": no timestamp for output frame ${k}`, { file });
      }
      const timeS = frameTimeS(stamp, timeBase, sel.offsetUs);
      if (timeS === null) continue; // NOPTS: probeVideo left these out too
      if (timeS < sel.fromS - 1e-7) continue;
      if (timeS >= sel.toS - 1e-7) {
        // Past the range: everything after is later still.
        reachedEnd = true;
        break;
      }
      // The planned index when the time agrees (it should: same computation as the probe's);
      // otherwise the frame with this timestamp, otherwise the planned position.
      let index = sel.indices[k] ?? -1;
      if (index < 0 || Math.abs(times[index]! - timeS) > 1e-6) {
        const j = lowerBound(times, timeS - 1e-6);
        if (j < times.length && Math.abs(times[j]! - timeS) <= 1e-6) index = j;
        else if (index < 0) index = (sel.indices[sel.indices.length - 1] ?? 0) + (k - sel.indices.length + 1) * stride;
      }
      k++;
      yield { index, timeS, width: fit.width, height: fit.height, data: ownBytes(buf) };
      if (k >= sel.indices.length && Number.isFinite(sel.toS)) {
        // All planned frames are out; no need to decode the -t slack.
        reachedEnd = true;
        break;
      }
    }
    if (reachedEnd) return;
    const exit = await proc.exited;
    if (opts.signal?.aborted || proc.stopped) throw proc.failure(`Decoding "${file}" stopped`);
    if (exit.code !== 0) throw proc.failure(`Cannot decode "${file}"`);
  } finally {
    // Normal end, break, error or abort: make sure ffmpeg is gone before the iterator settles.
    if (!proc.exitStatus) await proc.kill();
  }
}
