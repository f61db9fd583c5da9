// Opens a media file with ffmpeg and describes it (size, streams, duration). The checks that do
// not need ffmpeg (missing, directory, empty) come first because they give clearer messages than
// ffmpeg's, and how a path is handed to ffmpeg is decided here once for every caller.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { MediaError } from './errors.js';
import { parseFfmpegInfo, type MediaInfo } from './ffmpegInfo.js';
import { FfmpegError, lastMeaningfulLine, runFfmpeg } from './runFfmpeg.js';

export interface ProbeOptions {
  signal?: AbortSignal;
  /** Default 30 s: probing reads a few kilobytes, so anything longer is a hung file system. */
  timeoutMs?: number;
  /**
   * Default true. False: always hand ffmpeg the path, never pipe the bytes (see ffmpegInput).
   * Videos need this: they are too big to read into memory, and their demuxers seek.
   */
  pipeAllowed?: boolean;
}

/** How to hand a file to ffmpeg: `-i` arguments, plus stdin bytes when it must be piped. */
export interface FfmpegInput {
  args: string[];
  stdin?: Uint8Array;
}

/** Throws a one-line MediaError when `file` is missing, not a regular file, unreadable or empty. */
export async function checkInputFile(file: string): Promise<void> {
  let st;
  try {
    st = await stat(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new MediaError('not-found', `File not found: "${file}"`, { file, cause: e });
    if (code === 'EACCES' || code === 'EPERM') throw new MediaError('unreadable', `Cannot read "${file}": permission denied`, { file, cause: e });
    throw new MediaError('unreadable', `Cannot read "${file}": ${(e as Error).message}`, { file, cause: e });
  }
  if (!st.isFile()) {
    throw new MediaError('not-a-file', `Not a file: "${file}" is ${st.isDirectory() ? 'a directory' : 'not a regular file'}`, { file });
  }
  if (st.size === 0) throw new MediaError('empty', `Empty file: "${file}" has 0 bytes`, { file });
}

/**
 * The `-i` arguments for a local file. The `file:` prefix stops ffmpeg from reading a name such as
 * "clip:1.mp4" as a protocol, or one starting with '-' as an option. A name containing '%' would
 * still be read by the image2 demuxer as a numbered sequence ("img%03d.png"), and no option turns
 * that off for every demuxer, so such files are piped through stdin instead: images only, since
 * most video containers need seeking.
 */
export async function ffmpegInput(file: string, pipeAllowed = true): Promise<FfmpegInput> {
  const abs = path.resolve(file);
  if (pipeAllowed && path.basename(abs).includes('%')) return { args: ['-i', 'pipe:0'], stdin: await readFile(abs) };
  return { args: ['-i', `file:${abs}`] };
}

/**
 * Describes `file` by parsing `ffmpeg -i FILE` (no ffprobe needed). Rejects with a MediaError naming
 * the file: 'not-found' / 'not-a-file' / 'empty' before ffmpeg runs, 'unreadable' with ffmpeg's
 * reason (e.g. "Invalid data found when processing input") when ffmpeg cannot open it.
 */
export async function probeMedia(file: string, opts: ProbeOptions = {}): Promise<{ info: MediaInfo; stderr: string }> {
  await checkInputFile(file);
  const input = await ffmpegInput(file, opts.pipeAllowed ?? true);
  // Without an output ffmpeg exits 1 after describing the input ("At least one output file must be
  // specified"), so exit 1 is the normal outcome; whether the file was understood is in the text.
  const run = await runFfmpeg(input.args, {
    input: file,
    okExitCodes: [0, 1],
    signal: opts.signal,
    timeoutMs: opts.timeoutMs ?? 30_000,
    stdin: input.stdin,
  });
  const info = parseFfmpegInfo(run.stderr);
  if (!info) {
    const reason = lastMeaningfulLine(run.stderr, [input.args[1]!]) ?? 'ffmpeg does not recognise the format';
    throw new FfmpegError('unreadable', `Cannot read "${file}": ${reason}`, {
      file,
      exitCode: run.code,
      stderr: run.stderr,
      ffmpegMessage: reason,
      pid: run.pid,
    });
  }
  return { info, stderr: run.stderr };
}
