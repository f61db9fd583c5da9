// Shared by the video tests: ffprobe as the reference (skipped with a message when absent), short
// synthetic clips made with the resolved ffmpeg's lavfi sources, and child-process checks.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { featuresOf } from '../../src/media/ffmpegFeatures.js';
import { ffprobeBinary } from '../../src/media/ffmpegPath.js';
import { runFfmpeg } from '../../src/media/runFfmpeg.js';

const run = promisify(execFile);

/** ffprobe's path, or null (with the reason printed once) when there is none. */
export const FFPROBE: string | null = (() => {
  const p = ffprobeBinary();
  if (!p) console.warn('[skip] ffprobe not found (install ffmpeg, or set FFPROBE_PATH): tests that compare with ffprobe are skipped');
  return p?.path ?? null;
})();

export interface ProbeReference {
  width: number;
  height: number;
  frames: number;
  /** Frame pts_time values, as printed (6 decimals). */
  times: number[];
  rFrameRate: string;
  avgFrameRate: string;
  codec: string;
  formatStartS: number;
  formatDurationS: number | null;
  streamDurationS: number | null;
  hasAudio: boolean;
  audioCodec: string | null;
}

function num(v: unknown): number | null {
  const n = typeof v === 'string' || typeof v === 'number' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
}

/** What ffprobe reports for the first video stream, decoding every frame (-count_frames). */
export async function ffprobeVideo(file: string): Promise<ProbeReference> {
  if (!FFPROBE) throw new Error('no ffprobe');
  const { stdout } = await run(
    FFPROBE,
    [
      '-v', 'error', '-select_streams', 'v:0', '-count_frames',
      '-show_entries', 'stream=codec_name,nb_read_frames,width,height,r_frame_rate,avg_frame_rate,duration',
      '-show_entries', 'frame=pts_time',
      '-show_entries', 'format=start_time,duration',
      '-of', 'json', file,
    ],
    { maxBuffer: 64 << 20 },
  );
  const j = JSON.parse(stdout) as {
    streams: Array<Record<string, string | number>>;
    frames: Array<{ pts_time?: string }>;
    format: { start_time?: string; duration?: string };
  };
  const s = j.streams[0]!;
  const audio = await run(FFPROBE, ['-v', 'error', '-select_streams', 'a:0', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', file]);
  const audioCodec = audio.stdout.trim() || null;
  return {
    width: Number(s.width),
    height: Number(s.height),
    frames: Number(s.nb_read_frames),
    times: j.frames.map((f) => Number(f.pts_time)),
    rFrameRate: String(s.r_frame_rate),
    avgFrameRate: String(s.avg_frame_rate),
    codec: String(s.codec_name),
    formatStartS: num(j.format.start_time) ?? 0,
    formatDurationS: num(j.format.duration),
    streamDurationS: num(s.duration),
    hasAudio: audioCodec !== null,
    audioCodec,
  };
}

/** A fresh temporary folder. */
export function tempDir(prefix = 'l2caf-video-'): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

/** Runs the resolved ffmpeg (the one the code under test uses) to make a test clip. */
export async function makeClip(args: string[]): Promise<void> {
  await runFfmpeg(['-v', 'error', '-y', ...args], { timeoutMs: 60_000 });
}

/** ffmpeg's passthrough/vfr switch spelled for the resolved binary. */
export async function vfrArgs(): Promise<string[]> {
  const f = await featuresOf();
  return f.fpsMode ? ['-fps_mode', 'vfr'] : ['-vsync', 'vfr'];
}

/**
 * Synthetic clips, all short and small. vfr.mp4: 1 s at 10 fps, then 1 s at 25 fps (concat of
 * two testsrc2 rates), so 10 + 25 frames with two different intervals.
 */
export async function makeClips(dir: string) {
  const p = (name: string) => path.join(dir, name);
  const vfr = await vfrArgs();
  await Promise.all([
    makeClip([
      '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=15:duration=2', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=2',
      '-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-c:a', 'libopus', '-shortest', p('vp9.webm'),
    ]),
    makeClip([
      '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=10:duration=1', '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=25:duration=1',
      '-filter_complex', '[0:v][1:v]concat=n=2:v=1:a=0[v]', '-map', '[v]', ...vfr, '-r', '50',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', p('vfr.mp4'),
    ]),
    makeClip(['-f', 'lavfi', '-i', 'sine=frequency=440:duration=1', '-c:a', 'aac', p('audio-only.m4a')]),
  ]);
  await Promise.all([
    // A GIF with variable delays (10 cs, then 4 cs), from the VFR clip.
    makeClip(['-i', p('vfr.mp4'), ...vfr, p('vfr.gif')]),
    // Stored 160x90 with a display matrix turning it upright (90x160), as phones record. The
    // rotate tag is set on a stream copy: old ffmpeg drops it when encoding.
    makeClip(['-f', 'lavfi', '-i', 'testsrc2=size=160x90:rate=10:duration=1', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', p('upright.mp4')]).then(() =>
      makeClip(['-i', p('upright.mp4'), '-c', 'copy', '-metadata:s:v:0', 'rotate=90', p('rotated.mp4')]),
    ),
  ]);
  // Header only: a declared 64x48 stream without a single frame.
  await writeFile(p('zero.y4m'), 'YUV4MPEG2 W64 H48 F10:1 Ip A1:1 C420jpeg\n');
  await writeFile(p('text.mp4'), 'This is a text file, not a video.\n'.repeat(20));
  return {
    vp9: p('vp9.webm'),
    vfr: p('vfr.mp4'),
    vfrGif: p('vfr.gif'),
    rotated: p('rotated.mp4'),
    audioOnly: p('audio-only.m4a'),
    zeroFrames: p('zero.y4m'),
    text: p('text.mp4'),
  };
}

/** The first `fraction` of a file's bytes, written to `out` (a truncated download). */
export async function truncateCopy(file: string, out: string, fraction: number): Promise<string> {
  const bytes = await readFile(file);
  await writeFile(out, bytes.subarray(0, Math.floor(bytes.length * fraction)));
  return out;
}

/** The MP4 cut right after its 'mdat' header: the moov (at the front) describes frames that are not there. */
export async function mp4WithoutData(file: string, out: string): Promise<string> {
  const bytes = await readFile(file);
  const at = bytes.indexOf('mdat');
  if (at < 0) throw new Error(`no mdat box in ${file}`);
  await writeFile(out, bytes.subarray(0, at + 4 + 64));
  return out;
}

/**
 * Running ffmpeg processes that are children of this (test) process, per `ps`; null when there is
 * no usable `ps` (then only liveFfmpegCount() can be checked).
 */
export function childFfmpegPids(): number[] | null {
  try {
    const out = execFileSync('ps', ['-o', 'pid=,stat=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' });
    return out
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => f.length >= 3 && f[2]!.startsWith('ffmpeg') && !f[1]!.startsWith('Z'))
      .map((f) => Number(f[0]));
  } catch (e) {
    // ps exits 1 when it lists nothing; a missing ps fails to spawn (ENOENT).
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? null : [];
  }
}

/** Resident memory in MB. */
export function rssMb(): number {
  return Math.round(process.memoryUsage().rss / 2 ** 20);
}
