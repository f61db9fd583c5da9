// encodeVideo: exports in every format probed with ffprobe (size, rate, duration, frame count,
// audio), timing of timestamped and variable-rate input, and the failure paths: unwritable
// targets fail before any work, abort and errors leave neither partial files nor ffmpeg behind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { annotateFrame, formatTimestamp } from '../../src/media/annotate.js';
import { decodeFrames, type VideoFrame } from '../../src/media/decodeFrames.js';
import { decodeImage } from '../../src/media/decodeImage.js';
import { encodeVideo, exportFps, type EncodeProgress, type EncodeResult } from '../../src/media/encodeVideo.js';
import { probeVideo } from '../../src/media/probeVideo.js';
import { liveFfmpegCount } from '../../src/media/runFfmpeg.js';
import { fixture, haveFixture } from '../helpers/fixtures.js';
import { FFPROBE, childFfmpegPids, ffprobeVideo, makeClips, tempDir } from './videoHelpers.js';

const CAR = 'videos/car-detection.mp4';
const W = 384;
const H = 216;

function expectNoFfmpegLeft(): void {
  expect(liveFfmpegCount()).toBe(0);
  expect(childFfmpegPids() ?? []).toEqual([]);
}

/** A synthetic frame: a gradient whose phase moves with i. */
function synthetic(i: number, w = W, h = H): Uint8Array {
  const d = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) d.set([(x + i * 8) & 255, (y * 2) & 255, (i * 30) & 255], (y * w + x) * 3);
  return d;
}

let dir: string;
beforeAll(async () => {
  dir = await tempDir('l2caf-export-');
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Files in `dir` other than the given outputs: temporary leftovers. */
async function leftovers(folder: string, keep: string[] = []): Promise<string[]> {
  return (await readdir(folder)).filter((f) => !keep.includes(f));
}

describe.skipIf(!FFPROBE || !haveFixture(CAR))('exports of car-detection.mp4 4.00-9.00 s, annotated', () => {
  const fromS = 5;
  const toS = 9;
  let frames: VideoFrame[] = [];
  beforeAll(async () => {
    const file = fixture(CAR);
    const info = await probeVideo(file);
    for await (const f of decodeFrames(file, { width: W, height: H, fromS, toS, info })) frames.push(f);
  });
  afterAll(() => {
    frames = [];
  });

  async function exportTo(out: string): Promise<{ result: EncodeResult; progress: EncodeProgress[]; ms: number }> {
    const progress: EncodeProgress[] = [];
    const t0 = Date.now();
    const sink = await encodeVideo({
      out, width: W, height: H, fps: { num: 25, den: 2 }, startS: fromS, endS: toS,
      audioFrom: { file: fixture(CAR), fromS, toS }, onProgress: (p) => progress.push(p),
    });
    const map = { width: 7, height: 7, values: new Float32Array(49).map((_, i) => i / 48) };
    for (const f of frames) {
      await sink.write(annotateFrame({ frame: f, map, colormap: 'jet', opacity: 0.4, text: ['car 0.93', formatTimestamp(f.timeS)] }), f.timeS);
    }
    const result = await sink.close();
    return { result, progress, ms: Date.now() - t0 };
  }

  it('decoded the 50 frames of the range', () => {
    expect(frames.length).toBe(50);
    expect(frames[0]!.timeS).toBeCloseTo(5.04, 9);
  });

  it('MP4: H.264, 12.5 fps, 50 frames, 4 s, with AAC audio; written atomically', async () => {
    const out = path.join(dir, 'car.mp4');
    const { result, progress, ms } = await exportTo(out);
    console.log(`[bench] MP4 export: 50 annotated ${W}x${H} frames + audio in ${ms} ms (${((50 * 1000) / ms).toFixed(0)} fps)`);
    expect(result).toMatchObject({ path: out, format: 'mp4', frames: 50, videoCodec: 'libx264', audioCodec: 'aac', notes: [] });
    const ref = await ffprobeVideo(out);
    expect(ref).toMatchObject({ codec: 'h264', width: W, height: H, frames: 50, rFrameRate: '25/2', avgFrameRate: '25/2', hasAudio: true, audioCodec: 'aac' });
    expect(ref.streamDurationS).toBeCloseTo(4, 2);
    expect(ref.formatDurationS!).toBeGreaterThan(3.95);
    expect(ref.formatDurationS!).toBeLessThan(4.1);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress[progress.length - 1]!.framesEncoded).toBe(50);
    expect(await leftovers(dir)).toEqual(['car.mp4']);
    // Our own decoder reads it back, with the label burned in (top-left is the dark box, not video).
    const back = await probeVideo(out);
    expect(back.frameCount).toBe(50);
    expectNoFfmpegLeft();
  });

  it('WebM: VP9 with Opus', async () => {
    const out = path.join(dir, 'car.webm');
    const { result, ms } = await exportTo(out);
    console.log(`[bench] WebM export: 50 annotated ${W}x${H} frames + audio in ${ms} ms (${((50 * 1000) / ms).toFixed(0)} fps)`);
    expect(result).toMatchObject({ format: 'webm', frames: 50, videoCodec: 'libvpx-vp9', audioCodec: 'libopus' });
    const ref = await ffprobeVideo(out);
    expect(ref).toMatchObject({ codec: 'vp9', width: W, height: H, frames: 50, rFrameRate: '25/2', hasAudio: true, audioCodec: 'opus' });
    expect(ref.times[49]! - ref.times[0]!).toBeCloseTo(49 * 0.08, 2);
    expect(ref.formatDurationS!).toBeGreaterThan(3.95);
    expect(ref.formatDurationS!).toBeLessThan(4.1);
  });

  it('GIF: palette per frame, no audio (with a note)', async () => {
    const out = path.join(dir, 'car.gif');
    const { result, ms } = await exportTo(out);
    console.log(`[bench] GIF export: 50 annotated ${W}x${H} frames in ${ms} ms (${((50 * 1000) / ms).toFixed(0)} fps)`);
    expect(result).toMatchObject({ format: 'gif', frames: 50, videoCodec: 'gif', audioCodec: null });
    expect(result.notes).toEqual(['audio is not kept in a GIF']);
    const ref = await ffprobeVideo(out);
    expect(ref).toMatchObject({ codec: 'gif', width: W, height: H, frames: 50, rFrameRate: '25/2', hasAudio: false });
    expect(ref.formatDurationS).toBeCloseTo(4, 2);
  });

  it('PNG sequence: frame_000000.png ... in a folder that appears complete', async () => {
    const out = path.join(dir, 'car-frames');
    const { result } = await exportTo(out + path.sep);
    expect(result).toMatchObject({ path: out, format: 'png', frames: 50, videoCodec: 'png' });
    const files = (await readdir(out)).sort();
    expect(files.length).toBe(50);
    expect(files[0]).toBe('frame_000000.png');
    expect(files[49]).toBe('frame_000049.png');
    const img = await decodeImage(path.join(out, files[10]!));
    expect([img.width, img.height, img.codec]).toEqual([W, H, 'png']);
    expect((await readdir(dir)).filter((f) => f.startsWith('.'))).toEqual([]);
  });
});

describe.skipIf(!FFPROBE)('export timing', () => {
  let clips: Awaited<ReturnType<typeof makeClips>>;
  beforeAll(async () => {
    clips = await makeClips(await mkdir(path.join(dir, 'clips'), { recursive: true }).then(() => path.join(dir, 'clips')));
  });

  it('a variable-rate source written with timestamps plays at its own pace on a constant grid', async () => {
    const info = await probeVideo(clips.vfr);
    const out = path.join(dir, 'vfr.mp4');
    const sink = await encodeVideo({ out, width: 160, height: 120, fps: exportFps(info), endS: info.startTimeS + info.durationS });
    for await (const f of decodeFrames(clips.vfr, { info })) await sink.write(f, f.timeS);
    const result = await sink.close();
    // 1 s at 10 fps (each frame 2 or 3 times) + 1 s at 25 fps = 50 frames at 25 fps = 2 s.
    expect(result.frames).toBe(50);
    const ref = await ffprobeVideo(out);
    expect(ref).toMatchObject({ frames: 50, rFrameRate: '25/1', hasAudio: false });
    expect(ref.streamDurationS).toBeCloseTo(2, 2);
  });

  it('frames without timestamps are one output frame each', async () => {
    const out = path.join(dir, 'plain.webm');
    const sink = await encodeVideo({ out, width: 64, height: 48, fps: 10 });
    for (let i = 0; i < 12; i++) await sink.write(synthetic(i, 64, 48));
    const result = await sink.close();
    expect(result.frames).toBe(12);
    const ref = await ffprobeVideo(out);
    expect(ref).toMatchObject({ frames: 12, rFrameRate: '10/1', width: 64, height: 48 });
    expect(ref.times[11]).toBeCloseTo(1.1, 2);
  });

  it('a source without audio exports silently, with a note', async () => {
    const out = path.join(dir, 'silent.mp4');
    const sink = await encodeVideo({ out, width: 64, height: 48, fps: 10, audioFrom: { file: clips.vfr, fromS: 0, toS: 1 } });
    for (let i = 0; i < 5; i++) await sink.write(synthetic(i, 64, 48));
    const result = await sink.close();
    expect(result.audioCodec).toBeNull();
    expect(result.notes[0]).toMatch(/has no audio track: the export is silent/);
    expect((await ffprobeVideo(out)).hasAudio).toBe(false);
  });
});

describe('export failures leave nothing behind', () => {
  it('unwritable targets fail before any work, naming the path', async () => {
    const missing = path.join(dir, 'no-such-folder', 'x.mp4');
    await expect(encodeVideo({ out: missing, width: 64, height: 48, fps: 10 })).rejects.toMatchObject({
      code: 'write-failed', message: `Cannot write MP4 video "${missing}": folder "${path.dirname(missing)}" does not exist`,
    });
    const file = path.join(dir, 'a-file.txt');
    await writeFile(file, 'x');
    await expect(encodeVideo({ out: path.join(file, 'x.webm'), width: 64, height: 48, fps: 10 })).rejects.toMatchObject({ code: 'write-failed' });
    const folder = path.join(dir, 'is-a-folder.gif');
    await mkdir(folder);
    await expect(encodeVideo({ out: folder, width: 64, height: 48, fps: 10 })).rejects.toMatchObject({
      code: 'write-failed', message: `Cannot write GIF video "${folder}": it is a directory`,
    });
    const full = path.join(dir, 'full-folder');
    await mkdir(full);
    await writeFile(path.join(full, 'keep.txt'), 'x');
    await expect(encodeVideo({ out: full, width: 64, height: 48, fps: 10 })).rejects.toMatchObject({ code: 'write-failed', message: expect.stringMatching(/the folder is not empty/) });
    await expect(encodeVideo({ out: path.join(dir, 'x.avi'), width: 64, height: 48, fps: 10 })).rejects.toMatchObject({ code: 'invalid-argument' });
    await expect(encodeVideo({ out: path.join(dir, 'x.mp4'), width: 0, height: 48, fps: 10 })).rejects.toMatchObject({ code: 'invalid-argument' });
    await expect(encodeVideo({ out: path.join(dir, 'x.mp4'), width: 64, height: 48, fps: 0 })).rejects.toMatchObject({ code: 'invalid-argument' });
    if (process.getuid?.() !== 0) {
      // Permissions mean nothing to root, so this part only runs as a normal user.
      const ro = path.join(dir, 'read-only');
      await mkdir(ro, { mode: 0o555 });
      await expect(encodeVideo({ out: path.join(ro, 'x.mp4'), width: 64, height: 48, fps: 10 })).rejects.toMatchObject({ message: expect.stringMatching(/permission denied/) });
    }
    expect(await leftovers(dir, ['a-file.txt', 'is-a-folder.gif', 'full-folder', 'read-only', 'car.mp4', 'car.webm', 'car.gif', 'car-frames', 'clips', 'vfr.mp4', 'plain.webm', 'silent.mp4'])).toEqual([]);
    expectNoFfmpegLeft();
  });

  it('abort() mid-export removes the partial file and stops ffmpeg', async () => {
    const sub = path.join(dir, 'abort');
    await mkdir(sub);
    for (const out of ['a.mp4', 'a.webm', 'a.gif', 'frames']) {
      const sink = await encodeVideo({ out: path.join(sub, out), width: W, height: H, fps: 25 });
      for (let i = 0; i < 5; i++) await sink.write(synthetic(i));
      expect(liveFfmpegCount()).toBe(1);
      await sink.abort();
      await sink.abort(); // idempotent
      await expect(sink.write(synthetic(0))).rejects.toMatchObject({ code: 'aborted' });
      await expect(sink.close()).rejects.toMatchObject({ code: 'aborted' });
      expect(await readdir(sub)).toEqual([]);
      expectNoFfmpegLeft();
    }
  });

  it('an AbortSignal does the same, even while a write waits on ffmpeg', async () => {
    const sub = path.join(dir, 'signal');
    await mkdir(sub);
    const ac = new AbortController();
    const sink = await encodeVideo({ out: path.join(sub, 'a.webm'), width: 1280, height: 720, fps: 25, signal: ac.signal });
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 20; i++) writes.push(sink.write(synthetic(i, 1280, 720)));
    setTimeout(() => ac.abort(), 50);
    const results = await Promise.allSettled(writes);
    expect(results.some((r) => r.status === 'rejected' && (r.reason as { code?: string }).code === 'aborted')).toBe(true);
    await expect(sink.close()).rejects.toMatchObject({ code: 'aborted' });
    expect(await readdir(sub)).toEqual([]);
    expectNoFfmpegLeft();
  });

  it('bad frames and empty exports are errors, and leave nothing', async () => {
    const sub = path.join(dir, 'bad');
    await mkdir(sub);
    const sink = await encodeVideo({ out: path.join(sub, 'a.mp4'), width: 64, height: 48, fps: 10 });
    await expect(sink.write(new Uint8Array(10))).rejects.toMatchObject({ code: 'invalid-argument', message: expect.stringMatching(/64x48x3 = 9216 bytes, got 10/) });
    await expect(sink.write({ width: 32, height: 48, data: new Uint8Array(32 * 48 * 3) })).rejects.toMatchObject({ code: 'invalid-argument' });
    await expect(sink.close()).rejects.toMatchObject({ code: 'invalid-argument', message: expect.stringMatching(/no frames were written/) });
    expect(await readdir(sub)).toEqual([]);
    const timed = await encodeVideo({ out: path.join(sub, 'b.mp4'), width: 64, height: 48, fps: 10 });
    await timed.write(synthetic(0, 64, 48), 0);
    await expect(timed.write(synthetic(1, 64, 48))).rejects.toMatchObject({ message: expect.stringMatching(/timestamp with every frame or with none/) });
    await timed.abort();
    expect(await readdir(sub)).toEqual([]);
    expectNoFfmpegLeft();
  });
});
