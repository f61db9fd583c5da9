// exportAnnotated from a real timeline (darknet-tiny on a lavfi VP9 clip, stride 5), probed with
// ffprobe: size, frame rate, duration and frame count of the source (or the range), audio kept for
// MP4/WebM; failure paths leave no output, no temporary file and no ffmpeg.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { decodeImage } from '../../src/media/decodeImage.js';
import { decodeFrames } from '../../src/media/decodeFrames.js';
import { isMediaError } from '../../src/media/errors.js';
import { analyzeVideo } from '../../src/video/analyzeVideo.js';
import { exportAnnotated } from '../../src/video/exportAnnotated.js';
import type { Timeline } from '../../src/video/types.js';
import { haveFixture } from '../helpers/fixtures.js';
import { childFfmpegPids, ffprobeVideo, FFPROBE, makeClips, tempDir } from '../media/videoHelpers.js';

describe.skipIf(!FFPROBE || !haveFixture('models/darknet-tiny'))('exportAnnotated', () => {
  let dir: string;
  let clip: string;
  let vfr: string;
  let timeline: Timeline;
  beforeAll(async () => {
    dir = await tempDir('l2caf-vexport-');
    const clips = await makeClips(dir);
    clip = clips.vp9; // 160x120, 15 fps, 2 s, Opus audio
    vfr = clips.vfr; // 1 s at 10 fps then 1 s at 25 fps
    timeline = await analyzeVideo({ file: clip, model: { model: 'darknet-tiny' }, methods: ['l2caf'], classes: [], stride: 5, workers: 0, cacheDir: null });
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function probe(file: string) {
    const p = await ffprobeVideo(file);
    return { ...p, duration: p.streamDurationS ?? p.formatDurationS };
  }

  it('MP4: source size, rate, duration and frame count; audio kept; nearest map between analysed frames', async () => {
    const out = path.join(dir, 'out.mp4');
    const progress: number[] = [];
    const r = await exportAnnotated({ file: clip, timeline, out, onProgress: (p) => progress.push(p.framesDone) });
    expect(r.path).toBe(out);
    const p = await probe(out);
    expect([p.width, p.height, p.frames, p.rFrameRate]).toEqual([160, 120, 30, '15/1']);
    expect(p.duration).toBeCloseTo(2, 1);
    expect(p.audioCodec).toBe('aac');
    expect(progress[progress.length - 1]).toBe(30);
  });

  it('WebM side by side, clip scale, blended maps, a range: twice as wide, the range\'s frames, audio kept', async () => {
    const out = path.join(dir, 'side.webm');
    await exportAnnotated({ file: clip, timeline, out, sideBySide: true, scale: 'clip', between: 'blend', fromS: 0.5, toS: 1.5, colormap: 'viridis', opacity: 0.7 });
    const p = await probe(out);
    expect([p.width, p.height, p.frames]).toEqual([320, 120, 15]);
    expect(p.duration).toBeCloseTo(1, 1);
    expect(p.hasAudio).toBe(true);
  });

  it('GIF and PNG sequence: every source frame', async () => {
    const gif = path.join(dir, 'out.gif');
    await exportAnnotated({ file: clip, timeline, out: gif });
    const g = await probe(gif);
    expect([g.width, g.height, g.frames]).toEqual([160, 120, 30]);
    const pngs = path.join(dir, 'frames') + path.sep;
    await exportAnnotated({ file: clip, timeline, out: pngs, toS: 0.4 });
    const files = (await readdir(pngs)).sort();
    expect(files).toHaveLength(6);
    // The tint is there: an exported frame differs from its source frame, most in the map's hot spot.
    const first = await decodeImage(path.join(pngs, files[0]!));
    let src: Uint8Array | null = null;
    for await (const f of decodeFrames(clip, { toS: 0.05 })) src = f.data;
    let diff = 0;
    for (let i = 0; i < src!.length; i++) diff += Math.abs(src![i]! - first.data[i]!);
    expect(diff / src!.length).toBeGreaterThan(10);
  });

  it('a variable-rate source keeps its duration: exported at its fastest rate, slow parts repeated', async () => {
    const t = await analyzeVideo({ file: vfr, model: { model: 'darknet-tiny' }, methods: ['gradcam'], classes: [], stride: 6, workers: 0, cacheDir: null });
    const out = path.join(dir, 'vfr-out.mp4');
    await exportAnnotated({ file: vfr, timeline: t, out, between: 'blend' });
    const p = await probe(out);
    expect([p.width, p.height, p.rFrameRate]).toEqual([160, 120, '25/1']);
    expect(p.duration).toBeCloseTo(2, 1);
    expect(p.frames).toBe(50);
  });

  it('unwritable output, bad extension, range outside the clip: clear errors, nothing written, no ffmpeg', async () => {
    const bad = await exportAnnotated({ file: clip, timeline, out: path.join(dir, 'no-such-dir', 'x.mp4') }).catch((e: Error) => e);
    expect(isMediaError(bad, 'write-failed')).toBe(true);
    expect((bad as Error).message).toContain('x.mp4');
    await expect(exportAnnotated({ file: clip, timeline, out: path.join(dir, 'x.avi') })).rejects.toThrow(/unknown extension "\.avi"/);
    const range = await exportAnnotated({ file: clip, timeline, out: path.join(dir, 'range.mp4'), fromS: 10, toS: 12 }).catch((e: Error) => e);
    expect(isMediaError(range, 'out-of-range')).toBe(true);
    const left = (await readdir(dir)).filter((f) => /range|x\.|part/.test(f));
    expect(left).toEqual([]);
    expect(childFfmpegPids() ?? []).toEqual([]);
  });

  // The signal reaches the encoder: a cancel mid-way, or after the last frame (where only the
  // encoder's close() is left to notice), rejects with 'aborted' once the temporary output and
  // ffmpeg are gone; no final file appears.
  for (const at of [5, 30]) {
    it(`cancel via the signal after frame ${at} of 30: rejects with 'aborted', no output, no temporary file, no ffmpeg`, async () => {
      const sub = await mkdtemp(path.join(dir, 'cancel-'));
      const ac = new AbortController();
      const cancelled = exportAnnotated({ file: clip, timeline, out: path.join(sub, 'cancel.mp4'), signal: ac.signal, onProgress: (p) => p.framesDone === at && ac.abort() });
      await expect(cancelled).rejects.toMatchObject({ code: 'aborted', message: expect.stringContaining('cancel.mp4') });
      expect(await readdir(sub)).toEqual([]);
      expect(childFfmpegPids() ?? []).toEqual([]);
    });
  }
});
