// Exports annotated frames as a video (MP4, WebM, GIF) or a PNG sequence: frames are piped as raw
// RGB into one ffmpeg, which encodes while we keep producing (write() waits while ffmpeg is behind:
// backpressure, so memory stays flat). Output goes to a temporary name in the target's folder and is
// renamed into place by close() (outputTarget.ts); an error or abort removes it.
//
// Formats:  MP4   H.264 (libx264, veryfast, CRF 20), yuv420p BT.709, +faststart so it streams;
//                 without libx264, MPEG-4 Part 2 (the note in the result says so). AAC audio.
//           WebM  VP9 (libvpx-vp9, realtime deadline, cpu-used 8, row-mt, CRF 32); VP8 without it.
//                 Opus audio (else Vorbis).
//           GIF   a palette per frame (palettegen stats_mode=single + paletteuse new=1): one pass,
//                 no whole-clip buffering, good colours for attention maps that change per frame.
//                 No audio. At most 50 fps (GIF delays are centiseconds; browsers slow shorter ones).
//           PNG   a folder of frame_000000.png, frame_000001.png, ... (numbered from 0 in write
//                 order, 6 digits, more when needed). No timing, no audio.
//
// Timing: rawvideo through a pipe carries no timestamps, so the output is constant-rate at `fps`.
// Frames written without a time are one output frame each (right for constant-rate sources written
// at their own rate). Frames written with their source timestamp are placed on the fps grid
// (CfrGrid: repeated to fill their display time, or dropped when shorter than one output frame),
// so a variable-rate source, a stride, or a range plays back in sync with the source and with the
// audio taken from the same range. (ffmpeg's concat demuxer with per-frame durations could keep
// VFR exactly, but needs every frame as a file on disk first.)
import path from 'node:path';
import { MediaError } from './errors.js';
import { featuresOf } from './ffmpegFeatures.js';
import { startFfmpeg, type FfmpegProcess } from './ffmpegProcess.js';
import { CfrGrid, bestRational, rationalString, toRational } from './frameTiming.js';
import { prepareOutput, outputFormatFor, type OutputFormat, type OutputTarget } from './outputTarget.js';
import type { VideoInfo } from './probeVideo.js';
import { probeMedia } from './probe.js';
import { parseProgress } from './progress.js';
import { secondsArg, type Rational } from './showinfo.js';
import type { RgbImage } from './types.js';

export interface EncodeProgress {
  /** Frames handed to ffmpeg so far (after grid repetition). */
  framesWritten: number;
  /** Frames ffmpeg has encoded. */
  framesEncoded: number;
  /** Output position in seconds. */
  outTimeS: number | null;
  /** Encoding speed relative to real time. */
  speed: number | null;
}

export interface EncodeVideoOptions {
  /** foo.mp4 | foo.webm | foo.gif, or a folder (path ending in a separator or without extension) for PNGs. */
  out: string;
  /** Override the format chosen from `out`. */
  format?: OutputFormat;
  width: number;
  height: number;
  /** Output frame rate. To keep a source's timing: exportFps(info), and write frames with their timestamps. */
  fps: number | Rational;
  /**
   * For frames written with timestamps: the time of the first output frame (e.g. the range start;
   * default the first frame's time) and the end of the last frame (e.g. the range end; default
   * one interval after it).
   */
  startS?: number;
  endS?: number;
  /** Audio for MP4 and WebM: this time range of this file's first audio track (source timeline, like frame times). */
  audioFrom?: { file: string; fromS: number; toS: number };
  signal?: AbortSignal;
  onProgress?: (p: EncodeProgress) => void;
}

export interface EncodeResult {
  path: string;
  format: OutputFormat;
  /** Output frames (PNG files for a sequence). */
  frames: number;
  videoCodec: string;
  audioCodec: string | null;
  /** Fallbacks and omissions worth telling the user (no libx264, audio dropped for GIF...). */
  notes: string[];
}

export interface VideoSink {
  readonly path: string;
  readonly format: OutputFormat;
  readonly videoCodec: string;
  readonly audioCodec: string | null;
  readonly notes: readonly string[];
  /**
   * Queues one RGB frame (an RgbImage of the export size, or its bytes). With `timeS`, the frame is
   * placed by its timestamp (see the top of this file); use timestamps for all frames or none.
   * Resolves once ffmpeg has taken the bytes: do not modify the frame before that.
   */
  write(frame: RgbImage | Uint8Array, timeS?: number): Promise<void>;
  /** Finishes encoding and moves the output into place. */
  close(): Promise<EncodeResult>;
  /** Stops ffmpeg and removes the partial output. Idempotent. */
  abort(): Promise<void>;
}

/** Everything that decides ffmpeg's arguments. */
export interface EncodePlan {
  format: OutputFormat;
  width: number;
  height: number;
  rate: Rational;
  /** The temporary output file, or folder for PNG. */
  output: string;
  /** Audio input: container-relative seek and duration. */
  audio: { file: string; seekS: number; durationS: number } | null;
  encoders: ReadonlySet<string>;
}

export interface EncodeArgs {
  args: string[];
  videoCodec: string;
  audioCodec: string | null;
  notes: string[];
}

/**
 * The output rate that keeps a source's timing: its exact rate when constant; for a variable rate,
 * the fastest rate it reaches (1 / shortest interval, as a simple fraction), so no frame of the
 * fast parts is dropped and slow parts are repeated; at most `maxFps` (default 60). Write frames
 * with their timestamps at this rate.
 */
export function exportFps(info: Pick<VideoInfo, 'fps' | 'fpsRational' | 'variableFrameRate' | 'frameTimesS'>, maxFps = 60): Rational {
  if (info.fpsRational && !info.variableFrameRate) return info.fpsRational;
  let min = Infinity;
  const t = info.frameTimesS;
  for (let i = 1; i < t.length; i++) if (t[i]! - t[i - 1]! > 0) min = Math.min(min, t[i]! - t[i - 1]!);
  const fastest = Number.isFinite(min) ? 1 / min : info.fps > 0 ? info.fps : 25;
  return bestRational(Math.min(maxFps, fastest), 0.005 * Math.min(maxFps, fastest), 1001);
}

/** RGB to the BT.709 limited-range YUV players assume for video, tagged so they do not guess. */
const YUV709 = ['-colorspace', 'bt709', '-color_primaries', 'bt709', '-color_trc', 'bt709', '-color_range', 'tv'];

/** ffmpeg's arguments for a plan (pure, so the codec choices and fallbacks are testable). */
export function buildEncodeArgs(plan: EncodePlan): EncodeArgs {
  const { format, width, height, rate, encoders } = plan;
  const notes: string[] = [];
  const has = (e: string): boolean => encoders.has(e);
  const args = ['-v', 'error', '-nostats', '-progress', 'pipe:1', '-y'];
  args.push('-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-framerate', rationalString(rate), '-i', 'pipe:0');

  let audio = plan.audio;
  if (audio && (format === 'gif' || format === 'png')) {
    notes.push(`audio is not kept in ${format === 'gif' ? 'a GIF' : 'a PNG sequence'}`);
    audio = null;
  }
  let audioCodec: string | null = null;
  let audioArgs: string[] = [];
  if (audio) {
    if (format === 'mp4') {
      if (has('aac')) audioArgs = ['-c:a', (audioCodec = 'aac'), '-b:a', '128k'];
      else if (has('libfdk_aac')) audioArgs = ['-c:a', (audioCodec = 'libfdk_aac'), '-b:a', '128k'];
    } else {
      if (has('libopus')) audioArgs = ['-c:a', (audioCodec = 'libopus'), '-b:a', '96k'];
      else if (has('libvorbis')) audioArgs = ['-c:a', (audioCodec = 'libvorbis'), '-q:a', '4'];
      else if (has('opus')) audioArgs = ['-c:a', (audioCodec = 'opus'), '-strict', '-2', '-b:a', '96k'];
      else if (has('vorbis')) audioArgs = ['-c:a', (audioCodec = 'vorbis'), '-strict', '-2'];
    }
    if (!audioCodec) {
      notes.push(`this ffmpeg has no ${format === 'mp4' ? 'AAC' : 'Opus or Vorbis'} encoder: audio dropped`);
      audio = null;
    } else {
      args.push('-ss', secondsArg(Math.max(0, audio.seekS)), '-t', secondsArg(audio.durationS), '-i', `file:${path.resolve(audio.file)}`);
    }
  }

  let videoCodec: string;
  const out: string[] = ['-map', '0:v:0', ...(audio ? ['-map', '1:a:0'] : [])];
  switch (format) {
    case 'mp4': {
      // 4:2:0 needs even sides: pad the odd one with a black line rather than fail.
      const even = width % 2 || height % 2 ? 'pad=ceil(iw/2)*2:ceil(ih/2)*2,' : '';
      if (width % 2 || height % 2) notes.push(`MP4 (4:2:0) needs even sides: padded to ${width + (width % 2)}x${height + (height % 2)}`);
      const vf = ['-vf', `${even}scale=out_color_matrix=bt709:out_range=tv,format=yuv420p`];
      if (has('libx264')) {
        videoCodec = 'libx264';
        out.push(...vf, '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', ...YUV709);
      } else if (has('mpeg4')) {
        videoCodec = 'mpeg4';
        notes.push('this ffmpeg has no libx264: the MP4 uses MPEG-4 Part 2 (mpeg4), which some browsers do not play');
        out.push(...vf, '-c:v', 'mpeg4', '-q:v', '3', ...YUV709);
      } else {
        throw new MediaError('ffmpeg-failed', 'Cannot export MP4: this ffmpeg has neither libx264 nor mpeg4 encoders');
      }
      out.push('-movflags', '+faststart', '-f', 'mp4');
      break;
    }
    case 'webm': {
      const vf = ['-vf', 'scale=out_color_matrix=bt709:out_range=tv,format=yuv420p'];
      if (has('libvpx-vp9')) {
        videoCodec = 'libvpx-vp9';
        // realtime + cpu-used 8: several times faster than the default "good" deadline, ample for previews.
        out.push(...vf, '-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-row-mt', '1', '-b:v', '0', '-crf', '32', ...YUV709);
      } else if (has('libvpx')) {
        videoCodec = 'libvpx';
        notes.push('this ffmpeg has no libvpx-vp9: the WebM uses VP8');
        out.push(...vf, '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '4M', '-crf', '10', ...YUV709);
      } else {
        throw new MediaError('ffmpeg-failed', 'Cannot export WebM: this ffmpeg has no VP9 or VP8 encoder (libvpx)');
      }
      out.push('-f', 'webm');
      break;
    }
    case 'gif': {
      videoCodec = 'gif';
      const cap = rate.num / rate.den > 50;
      if (cap) notes.push('GIF frame delays are whole centiseconds and browsers slow down delays under 2 cs: reduced to 50 fps');
      // -filter_complex with a labelled output replaces the plain 0:v:0 mapping.
      out.length = 0;
      args.push(
        '-filter_complex',
        `[0:v]${cap ? 'fps=50,' : ''}split[a][b];[a]palettegen=stats_mode=single[p];[b][p]paletteuse=new=1[v]`,
      );
      out.push('-map', '[v]', '-c:v', 'gif', '-loop', '0', '-f', 'gif');
      break;
    }
    case 'png': {
      videoCodec = 'png';
      out.push('-c:v', 'png', '-f', 'image2', '-start_number', '0');
      break;
    }
  }
  args.push(...out, ...audioArgs);
  args.push(format === 'png' ? path.join(plan.output, 'frame_%06d.png') : plan.output);
  return { args, videoCodec, audioCodec, notes };
}

function checkDimension(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1 || v > 16384) {
    throw new MediaError('invalid-argument', `encodeVideo: ${name} must be an integer from 1 to 16384, got ${v}`);
  }
}

/**
 * Starts an export (see the top of this file). Checks everything it can before any work, and
 * rejects with a one-line MediaError: 'invalid-argument' (size, rate, extension), 'write-failed'
 * (folder missing, not writable, target is a folder or a non-empty folder), the probe errors of
 * audioFrom's file.
 */
export async function encodeVideo(opts: EncodeVideoOptions): Promise<VideoSink> {
  const format = opts.format ?? outputFormatFor(opts.out);
  checkDimension('width', opts.width);
  checkDimension('height', opts.height);
  const rate = toRational(opts.fps);
  if (!(rate.num > 0 && rate.den > 0) || rate.num / rate.den > 1000) {
    throw new MediaError('invalid-argument', `encodeVideo: fps must be between 0 and 1000, got ${typeof opts.fps === 'number' ? opts.fps : `${opts.fps.num}/${opts.fps.den}`}`);
  }
  if (opts.audioFrom && !(opts.audioFrom.toS > opts.audioFrom.fromS)) {
    throw new MediaError('invalid-argument', `encodeVideo: audioFrom needs fromS < toS, got ${opts.audioFrom.fromS}-${opts.audioFrom.toS}`);
  }
  if (opts.signal?.aborted) throw new MediaError('aborted', `Export to "${opts.out}" cancelled before it started`, { file: opts.out });

  // The audio source: only its container start (-ss counts from it) and whether it has audio.
  let audio: EncodePlan['audio'] = null;
  const notes: string[] = [];
  if (opts.audioFrom && (format === 'mp4' || format === 'webm')) {
    const { info } = await probeMedia(opts.audioFrom.file, { signal: opts.signal, pipeAllowed: false });
    if (info.audio) {
      const start = info.start ?? 0;
      audio = { file: opts.audioFrom.file, seekS: opts.audioFrom.fromS - start, durationS: opts.audioFrom.toS - opts.audioFrom.fromS };
    } else {
      notes.push(`"${opts.audioFrom.file}" has no audio track: the export is silent`);
    }
  } else if (opts.audioFrom) {
    notes.push(`audio is not kept in ${format === 'gif' ? 'a GIF' : 'a PNG sequence'}`);
  }

  const features = await featuresOf();
  const what = format === 'png' ? 'PNG sequence' : `${format.toUpperCase()} video`;
  const target = await prepareOutput(opts.out, format === 'png', what);
  let built: EncodeArgs;
  let proc: FfmpegProcess;
  try {
    built = buildEncodeArgs({ format, width: opts.width, height: opts.height, rate, output: target.temp, audio, encoders: features.encoders });
    proc = await startFfmpeg(built.args, { input: opts.out, stdin: true, stdout: true, signal: opts.signal });
  } catch (e) {
    await target.discard();
    throw e;
  }
  return new Sink(opts, format, rate, target, proc, built, [...notes, ...built.notes]);
}

/**
 * Giving up is one shared promise (cleanUp): abort() through the signal, an explicit abort(), a
 * failed write and a close that finds the export cancelled all await the same "ffmpeg gone, then
 * temporary output removed", so whichever of them settles first, the folder is already clean.
 * (Before, a second concurrent abort() saw the flag set by the first and returned at once, before
 * the file was removed, so callers could not rely on the folder being clean.) Once close() has started to move the output into place (state
 * 'committing') an abort is too late: it waits for close() and leaves a finished export alone.
 */
class Sink implements VideoSink {
  readonly path: string;
  readonly videoCodec: string;
  readonly audioCodec: string | null;
  private readonly frameBytes: number;
  private grid: CfrGrid | null = null;
  private timed: boolean | null = null;
  private held: Uint8Array | null = null;
  private framesWritten = 0;
  private framesEncoded = 0;
  private state: 'open' | 'closing' | 'committing' | 'closed' | 'aborted' | 'failed' = 'open';
  private chain: Promise<unknown> = Promise.resolve();
  /** Set once: ffmpeg stopped and the temporary output removed. */
  private cleanup: Promise<void> | null = null;
  /** Set once: the error every later call reports after ffmpeg stopped early. */
  private failing: Promise<Error> | null = null;
  private closing: Promise<EncodeResult> | null = null;
  private readonly onAbort = (): void => void this.abort();

  constructor(
    private readonly opts: EncodeVideoOptions,
    readonly format: OutputFormat,
    private readonly rate: Rational,
    private readonly target: OutputTarget,
    private readonly proc: FfmpegProcess,
    built: EncodeArgs,
    readonly notes: string[],
  ) {
    this.path = target.final;
    this.videoCodec = built.videoCodec;
    this.audioCodec = built.audioCodec;
    this.frameBytes = opts.width * opts.height * 3;
    this.readProgress();
    // An abort through the signal cleans up even when nobody calls write/close again. A signal
    // that fired while ffmpeg was starting would never call the listener: abort now.
    if (opts.signal?.aborted) void this.abort();
    else opts.signal?.addEventListener('abort', this.onAbort, { once: true });
    // ffmpeg dying on its own (bad audio file, full disk) also removes the temporary output.
    void proc.exited.then(() => {
      if (this.state === 'open') void this.cleanUp();
    });
  }

  /** -progress key=value lines on stdout: always consumed, or ffmpeg would block on a full pipe. */
  private readProgress(): void {
    const stdout = this.proc.stdout!;
    stdout.setEncoding('utf8');
    let partial = '';
    let block: { frame?: number; outTimeUs?: number | null; speed?: number | null } = {};
    stdout.on('data', (text: string) => {
      const lines = (partial + text).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        const u = parseProgress(line);
        if (!u) continue;
        Object.assign(block, u);
        if (u.progress) {
          if (block.frame !== undefined) this.framesEncoded = block.frame;
          try {
            this.opts.onProgress?.({
              framesWritten: this.framesWritten,
              framesEncoded: this.framesEncoded,
              outTimeS: block.outTimeUs != null ? block.outTimeUs / 1e6 : null,
              speed: block.speed ?? null,
            });
          } catch {
            // a progress callback's failure must not break the export
          }
          block = {};
        }
      }
    });
  }

  /** Runs `fn` after every earlier write/close, so calls need not be awaited one by one. */
  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.chain.then(fn);
    this.chain = p.catch(() => {});
    return p;
  }

  private bytesOf(frame: RgbImage | Uint8Array): Uint8Array {
    if (frame instanceof Uint8Array) {
      if (frame.length !== this.frameBytes) {
        throw new MediaError('invalid-argument', `encodeVideo: a frame must have ${this.opts.width}x${this.opts.height}x3 = ${this.frameBytes} bytes, got ${frame.length}`);
      }
      return frame;
    }
    if (frame.width !== this.opts.width || frame.height !== this.opts.height || frame.data.length !== this.frameBytes) {
      throw new MediaError('invalid-argument', `encodeVideo: frames must be ${this.opts.width}x${this.opts.height} RGB, got ${frame.width}x${frame.height} with ${frame.data.length} bytes`);
    }
    return frame.data;
  }

  /** Hands bytes to ffmpeg, resolving once they are in the pipe (so at most one frame waits in Node). */
  private async pipe(data: Uint8Array, times: number): Promise<void> {
    const stdin = this.proc.stdin!;
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    for (let i = 0; i < times; i++) {
      if (this.proc.exitStatus || stdin.destroyed) throw await this.fail();
      try {
        await new Promise<void>((resolve, reject) => stdin.write(buf, (err) => (err ? reject(err) : resolve())));
      } catch {
        throw await this.fail();
      }
      this.framesWritten++;
    }
  }

  /** Stops ffmpeg and removes the temporary output, once; every caller awaits the same run. */
  private cleanUp(): Promise<void> {
    this.cleanup ??= (async () => {
      this.opts.signal?.removeEventListener('abort', this.onAbort);
      await this.proc.kill();
      await this.target.discard();
    })();
    return this.cleanup;
  }

  /** ffmpeg stopped early: clean up and describe why (its own message, or the abort). */
  private fail(): Promise<Error> {
    this.failing ??= (async () => {
      if (this.state === 'open' || this.state === 'closing') this.state = 'failed';
      // A broken pipe we did not cause usually means ffmpeg is exiting on its own: let it, so the
      // error is ffmpeg's (crash, full disk) rather than our own kill's.
      if (!this.proc.stopped && !this.proc.exitStatus) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([this.proc.exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, 2000)))]);
        clearTimeout(timer);
        if (!this.proc.exitStatus) this.proc.stop('ffmpeg-failed', 'ffmpeg stopped taking frames');
      }
      await this.cleanUp();
      return this.proc.failure(`Cannot export "${this.opts.out}"`);
    })();
    return this.failing;
  }

  private cancelled(): MediaError {
    return new MediaError('aborted', `Export to "${this.opts.out}" was cancelled`, { file: this.opts.out });
  }

  /** Why write/close cannot run now, reported only once the cleanup it implies is complete. */
  private async refuse(): Promise<never> {
    if (this.state === 'aborted') {
      await this.cleanUp();
      throw this.cancelled();
    }
    if (this.failing) throw await this.failing;
    const state = this.state === 'committing' ? 'closing' : this.state;
    throw new MediaError('invalid-argument', `Export to "${this.opts.out}" is already ${state}`, { file: this.opts.out });
  }

  write(frame: RgbImage | Uint8Array, timeS?: number): Promise<void> {
    if (this.state !== 'open' || this.failing) return this.refuse();
    try {
      const data = this.bytesOf(frame);
      const timed = timeS !== undefined;
      if (this.timed === null) this.timed = timed;
      else if (this.timed !== timed) throw new MediaError('invalid-argument', 'encodeVideo: give a timestamp with every frame or with none');
      if (timed && !Number.isFinite(timeS)) throw new MediaError('invalid-argument', `encodeVideo: frame time must be finite, got ${timeS}`);
      // PNG sequences have no timing: one file per frame, timestamps or not.
      if (!timed || this.format === 'png') return this.enqueue(() => this.pipe(data, 1));
      this.grid ??= new CfrGrid(this.rate, this.opts.startS);
      let copies: number;
      try {
        copies = this.grid.push(timeS);
      } catch (e) {
        throw new MediaError('invalid-argument', `encodeVideo: ${(e as Error).message}`);
      }
      const previous = this.held;
      // Held until the next frame says how long it lasts; copied, as the caller may reuse its buffer.
      this.held = data.slice();
      return previous ? this.enqueue(() => this.pipe(previous, copies)) : Promise.resolve();
    } catch (e) {
      return Promise.reject(e);
    }
  }

  close(): Promise<EncodeResult> {
    if (this.state !== 'open' || this.failing) return this.refuse();
    this.state = 'closing';
    // abort() may run at any await below: each step checks, and the abort wins until the commit.
    const aborted = (): boolean => this.state === 'aborted';
    this.closing = this.enqueue(async () => {
      if (this.held && this.grid) {
        await this.pipe(this.held, this.grid.finish(this.opts.endS));
        this.held = null;
      }
      if (aborted()) return this.refuse();
      if (this.framesWritten === 0) {
        await this.abort();
        throw new MediaError('invalid-argument', `Nothing to export to "${this.opts.out}": no frames were written`, { file: this.opts.out });
      }
      this.proc.stdin!.end();
      const exit = await this.proc.exited;
      if (aborted()) return this.refuse();
      if (this.failing) throw await this.failing;
      if (exit.code !== 0 || this.proc.stopped) throw await this.fail();
      this.state = 'committing';
      try {
        await this.target.commit(); // removes the temporary output itself when it fails
      } catch (e) {
        this.state = 'failed';
        this.failing = Promise.resolve(e as Error);
        await this.cleanUp();
        throw e;
      }
      this.state = 'closed';
      this.opts.signal?.removeEventListener('abort', this.onAbort);
      return {
        path: this.target.final,
        format: this.format,
        frames: this.framesWritten,
        videoCodec: this.videoCodec,
        audioCodec: this.audioCodec,
        notes: [...this.notes],
      };
    });
    return this.closing;
  }

  abort(): Promise<void> {
    if (this.state === 'closed') return Promise.resolve();
    // Too late to cancel: the finished output is being moved into place. Wait for that to end.
    if (this.state === 'committing') return this.closing!.then(() => {}, () => this.cleanUp());
    if (this.state !== 'aborted' && this.state !== 'failed') {
      this.state = 'aborted';
      this.proc.stop('aborted', `export to "${this.opts.out}" cancelled`);
    }
    return this.cleanUp();
  }
}
