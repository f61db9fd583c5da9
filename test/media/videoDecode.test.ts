// decodeFrames: frames, sizes and timestamps equal to ffprobe's on the fixtures and synthetic clips;
// range and stride; bad ranges; backpressure; break and abort leave no ffmpeg behind; memory stays
// flat on a long 720p clip (printed, benchmark style).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeFrames, type VideoFrame } from '../../src/media/decodeFrames.js';
import { decodeImage } from '../../src/media/decodeImage.js';
import { probeVideo } from '../../src/media/probeVideo.js';
import { liveFfmpegCount } from '../../src/media/runFfmpeg.js';
import { fixture, haveFixture } from '../helpers/fixtures.js';
import { FFPROBE, childFfmpegPids, ffprobeVideo, makeClip, makeClips, rssMb, tempDir } from './videoHelpers.js';

const CAR = 'videos/car-detection.mp4';
const BOTTLE = 'videos/bottle-detection.mp4';
const GIF = 'videos/person-bicycle-car-detection.gif';

/** Frames without pixels (metadata only), to keep test memory small. */
async function collect(it: AsyncIterable<VideoFrame>, keep?: (f: VideoFrame) => void) {
  const out: Array<Omit<VideoFrame, 'data'> & { bytes: number }> = [];
  for await (const f of it) {
    keep?.(f);
    out.push({ index: f.index, timeS: f.timeS, width: f.width, height: f.height, bytes: f.data.length });
  }
  return out;
}

function expectNoFfmpegLeft(): void {
  expect(liveFfmpegCount()).toBe(0);
  expect(childFfmpegPids() ?? []).toEqual([]);
}

describe.skipIf(!FFPROBE)('decodeFrames matches ffprobe', () => {
  for (const name of [CAR, BOTTLE, GIF]) {
    it.skipIf(!haveFixture(name))(`${path.basename(name)}: every frame at 224x224 with ffprobe's timestamps`, async () => {
      const file = fixture(name);
      const ref = await ffprobeVideo(file);
      let first: Uint8Array | null = null;
      const frames = await collect(decodeFrames(file, { width: 224, height: 224 }), (f) => (first ??= f.data));
      expect(frames.length).toBe(ref.frames);
      frames.forEach((f, i) => {
        expect(f.index).toBe(i);
        expect(Math.abs(f.timeS - ref.times[i]!)).toBeLessThanOrEqual(5.1e-7);
        expect([f.width, f.height, f.bytes]).toEqual([224, 224, 224 * 224 * 3]);
      });
      // The same pixels decodeImage gives for the first frame (same resampling chain).
      const still = await decodeImage(file, { width: 224, height: 224 });
      expect(Buffer.from(first!).equals(Buffer.from(still.data))).toBe(true);
      expectNoFfmpegLeft();
    });
  }

  it.skipIf(!haveFixture(GIF))('decodes at the source size when no size is given', async () => {
    const frames = await collect(decodeFrames(fixture(GIF)));
    expect(frames.length).toBe(41);
    expect(frames[0]).toMatchObject({ width: 480, height: 270, bytes: 480 * 270 * 3 });
  });

  it.skipIf(!haveFixture(CAR))('range and stride: the first frame at or after fromS, every 3rd, true indices', async () => {
    const file = fixture(CAR);
    const ref = await ffprobeVideo(file);
    const info = await probeVideo(file);
    const frames = await collect(decodeFrames(file, { width: 64, height: 64, fromS: 10.02, toS: 12, stride: 3, info }));
    const firstIdx = ref.times.findIndex((t) => t >= 10.02);
    const expected: number[] = [];
    for (let i = firstIdx; ref.times[i]! < 12; i += 3) expected.push(i);
    expect(frames.map((f) => f.index)).toEqual(expected);
    expect(frames[0]!.timeS).toBeCloseTo(10.08, 9);
    frames.forEach((f) => expect(Math.abs(f.timeS - ref.times[f.index]!)).toBeLessThanOrEqual(5.1e-7));
    // Range only; from exactly on a frame includes it, to exactly on a frame excludes it.
    const exact = await collect(decodeFrames(file, { width: 32, height: 32, fromS: 20, toS: 20.4, info }));
    expect(exact.map((f) => f.index)).toEqual([250, 251, 252, 253, 254]);
  });

  it.skipIf(!haveFixture(CAR))('a range outside the clip is a clear error and starts nothing', async () => {
    const file = fixture(CAR);
    const err = await collect(decodeFrames(file, { width: 32, height: 32, fromS: 40, toS: 45 })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'out-of-range', message: `Range 40-45 s is outside "${file}", which spans 0.000-30.160 s` });
    expectNoFfmpegLeft();
  });

  describe('synthetic clips', () => {
    let dir: string;
    let clips: Awaited<ReturnType<typeof makeClips>>;
    beforeAll(async () => {
      dir = await tempDir();
      clips = await makeClips(dir);
    });
    afterAll(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    for (const key of ['vp9', 'vfr', 'vfrGif'] as const) {
      it(`${key}: frames and timestamps as ffprobe reports`, async () => {
        const ref = await ffprobeVideo(clips[key]);
        const frames = await collect(decodeFrames(clips[key], { width: 48, height: 32 }));
        expect(frames.map((f) => f.index)).toEqual(ref.times.map((_, i) => i));
        frames.forEach((f, i) => expect(Math.abs(f.timeS - ref.times[i]!)).toBeLessThanOrEqual(5.1e-7));
      });
    }

    it('rotated clip: frames come out upright, at the display size', async () => {
      const frames = await collect(decodeFrames(clips.rotated));
      expect(frames.length).toBe(10);
      expect(frames[0]).toMatchObject({ width: 90, height: 160, bytes: 90 * 160 * 3 });
    });

    it.skipIf(!haveFixture(CAR))('truncated MP4: the frames that are there, with the probe\'s warning', async () => {
      const half = path.join(dir, 'half.mp4');
      await writeFile(half, (await readFile(fixture(CAR))).subarray(0, 1_405_776));
      const info = await probeVideo(half);
      expect(info.truncated).toBe(true);
      const frames = await collect(decodeFrames(half, { width: 32, height: 32, info }));
      expect(frames.length).toBe(info.frameCount);
      expect(frames[frames.length - 1]!.timeS).toBe(info.frameTimesS[info.frameCount - 1]);
    });

    it('VFR range across the rate change, with stride', async () => {
      const ref = await ffprobeVideo(clips.vfr);
      const frames = await collect(decodeFrames(clips.vfr, { width: 32, height: 32, fromS: 0.75, toS: 1.3, stride: 2 }));
      const inRange = ref.times.map((t, i) => [t, i] as const).filter(([t]) => t >= 0.75 && t < 1.3).map(([, i]) => i);
      expect(frames.map((f) => f.index)).toEqual(inRange.filter((_, k) => k % 2 === 0));
      frames.forEach((f) => expect(Math.abs(f.timeS - ref.times[f.index]!)).toBeLessThanOrEqual(5.1e-7));
    });

    it('WebM range (container start -0.007 s): seeking keeps stream timestamps', async () => {
      const ref = await ffprobeVideo(clips.vp9);
      const frames = await collect(decodeFrames(clips.vp9, { width: 32, height: 32, fromS: 1, toS: 1.5 }));
      const want = ref.times.map((t, i) => [t, i] as const).filter(([t]) => t >= 1 && t < 1.5);
      expect(frames.map((f) => f.index)).toEqual(want.map(([, i]) => i));
      frames.forEach((f) => expect(Math.abs(f.timeS - ref.times[f.index]!)).toBeLessThanOrEqual(5.1e-7));
    });

    it('bad input fails before decoding, naming the file', async () => {
      await expect(collect(decodeFrames(clips.audioOnly, { width: 32, height: 32 }))).rejects.toMatchObject({ code: 'no-image' });
      await expect(collect(decodeFrames(clips.zeroFrames, { width: 32, height: 32 }))).rejects.toMatchObject({ code: 'no-frames' });
      await expect(collect(decodeFrames(clips.text, { width: 32, height: 32 }))).rejects.toMatchObject({ code: 'unreadable' });
      await expect(collect(decodeFrames(clips.vp9, { width: 0, height: 32 }))).rejects.toMatchObject({ code: 'invalid-argument' });
      await expect(collect(decodeFrames(clips.vp9, { stride: 1.5 }))).rejects.toMatchObject({ code: 'invalid-argument' });
      expectNoFfmpegLeft();
    });
  });
});

describe.skipIf(!haveFixture(CAR))('decodeFrames process handling', () => {
  it('breaking out of the loop kills ffmpeg', async () => {
    let n = 0;
    for await (const f of decodeFrames(fixture(CAR), { width: 64, height: 64 })) {
      expect(f.index).toBe(n);
      expect(liveFfmpegCount()).toBe(1);
      if (++n === 3) break;
    }
    expectNoFfmpegLeft();
  });

  it('aborting kills ffmpeg and rejects with code aborted', async () => {
    const ac = new AbortController();
    let n = 0;
    const run = (async () => {
      for await (const _ of decodeFrames(fixture(CAR), { width: 64, height: 64, signal: ac.signal })) {
        if (++n === 5) ac.abort();
      }
    })();
    await expect(run).rejects.toMatchObject({ code: 'aborted', name: 'AbortError' });
    expect(n).toBe(5);
    expectNoFfmpegLeft();
    // Aborted before it starts: nothing runs at all.
    await expect(collect(decodeFrames(fixture(CAR), { signal: AbortSignal.abort() }))).rejects.toMatchObject({ code: 'aborted' });
    expectNoFfmpegLeft();
  });

  it('backpressure: a paused consumer pauses ffmpeg instead of buffering the clip', async () => {
    const info = await probeVideo(fixture(CAR));
    const it = decodeFrames(fixture(CAR), { width: 32, height: 32, info })[Symbol.asyncIterator]();
    try {
      await it.next();
      // The whole clip decodes in about 0.3 s; if its output were buffered here, ffmpeg would be done.
      await sleep(1500);
      expect(liveFfmpegCount()).toBe(1);
      expect(childFfmpegPids()?.length ?? 1).toBe(1);
      let n = 1;
      while (!(await it.next()).done) n++;
      expect(n).toBe(377);
    } finally {
      await it.return(undefined);
    }
    expectNoFfmpegLeft();
  });
});

describe('memory: a long 720p clip streams with flat RSS', () => {
  let dir: string;
  let clip: string;
  beforeAll(async () => {
    dir = await tempDir();
    const two = path.join(dir, 'two.mp4');
    clip = path.join(dir, 'long720.mp4');
    // 2 s of 720p30, repeated 30 times by stream copy: 60 s, 1800 frames, made in well under a second.
    await makeClip(['-f', 'lavfi', '-i', 'testsrc=size=1280x720:rate=30:duration=2', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '30', '-pix_fmt', 'yuv420p', two]);
    await makeClip(['-stream_loop', '29', '-i', two, '-c', 'copy', clip]);
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('decodes 60 s of 720p at 224x224 holding one frame at a time', async () => {
    const t0 = Date.now();
    const info = await probeVideo(clip);
    const probeMs = Date.now() - t0;
    expect(info.frameCount).toBe(1800);
    global.gc?.();
    const before = rssMb();
    const samples: number[] = [];
    let n = 0;
    let checksum = 0;
    const t1 = Date.now();
    for await (const f of decodeFrames(clip, { width: 224, height: 224, info })) {
      checksum = (checksum + f.data[n % f.data.length]!) % 65521;
      if (++n % 300 === 0) samples.push(rssMb());
    }
    const ms = Date.now() - t1;
    const total = (1800 * 224 * 224 * 3) / 2 ** 20;
    console.log(
      `[bench] 720p 60 s: probe ${probeMs} ms; decode to 224x224 ${n} frames in ${ms} ms (${((n * 1000) / ms).toFixed(0)} fps), ` +
        `${total.toFixed(0)} MB of RGB streamed; RSS ${before} MB before, every 300 frames: ${samples.join(', ')} MB`,
    );
    expect(n).toBe(1800);
    // Holding the clip would take 270 MB; streaming stays within a few MB of the start.
    expect(Math.max(...samples) - before).toBeLessThan(100);
    expectNoFfmpegLeft();
  });
});
