// probeVideo against ffprobe (frame count, size, timestamps) on the shared fixtures and on clips
// made here with lavfi (VP9/WebM with Opus, variable frame rate, a GIF with variable delays), and
// its errors and warnings for bad input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { isMediaError } from '../../src/media/errors.js';
import { probeVideo, type VideoInfo } from '../../src/media/probeVideo.js';
import { fixture, haveFixture } from '../helpers/fixtures.js';
import { FFPROBE, ffprobeVideo, makeClips, mp4WithoutData, tempDir, truncateCopy } from './videoHelpers.js';

const CAR = 'videos/car-detection.mp4';
const BOTTLE = 'videos/bottle-detection.mp4';
const GIF = 'videos/person-bicycle-car-detection.gif';

/** Same frames, same times (ffprobe prints 6 decimals), same size as ffprobe says. */
async function expectMatchesFfprobe(info: VideoInfo): Promise<Awaited<ReturnType<typeof ffprobeVideo>>> {
  const ref = await ffprobeVideo(info.path);
  expect(info.frameCount).toBe(ref.frames);
  expect([info.codedWidth, info.codedHeight]).toEqual([ref.width, ref.height]);
  expect(info.frameTimesS.length).toBe(ref.times.length);
  let worst = 0;
  ref.times.forEach((t, i) => (worst = Math.max(worst, Math.abs(info.frameTimesS[i]! - t))));
  expect(worst).toBeLessThanOrEqual(5.1e-7);
  expect(info.containerStartS).toBeCloseTo(ref.formatStartS, 6);
  expect(info.hasAudio).toBe(ref.hasAudio);
  expect(info.audioCodec).toBe(ref.audioCodec);
  expect(info.videoCodec).toBe(ref.codec);
  return ref;
}

describe.skipIf(!FFPROBE)('probeVideo matches ffprobe', () => {
  it.skipIf(!haveFixture(CAR))('car-detection.mp4: H.264 768x432 12.5 fps with AAC', async () => {
    const info = await probeVideo(fixture(CAR));
    await expectMatchesFfprobe(info);
    expect(info).toMatchObject({
      width: 768, height: 432, rotation: 0, fps: 12.5, fpsRational: { num: 25, den: 2 }, variableFrameRate: false,
      frameCount: 377, startTimeS: 0, hasAudio: true, audioCodec: 'aac', videoCodec: 'h264', truncated: false, warnings: [],
    });
    expect(info.durationS).toBeCloseTo(30.16, 6); // ffprobe's stream duration
    expect(info.container).toMatch(/mp4/);
  });

  it.skipIf(!haveFixture(BOTTLE))('bottle-detection.mp4: 179/6 fps in a 1/11456 time base', async () => {
    const info = await probeVideo(fixture(BOTTLE));
    const ref = await expectMatchesFfprobe(info);
    expect(`${info.fpsRational!.num}/${info.fpsRational!.den}`).toBe(ref.avgFrameRate);
    expect(info.variableFrameRate).toBe(false);
    expect(info.durationS).toBeCloseTo(ref.streamDurationS!, 5);
    expect(info.hasAudio).toBe(false);
  });

  it.skipIf(!haveFixture(GIF))('person-bicycle-car-detection.gif: centisecond delays', async () => {
    const info = await probeVideo(fixture(GIF));
    const ref = await expectMatchesFfprobe(info);
    expect(info).toMatchObject({ width: 480, height: 270, frameCount: 41, videoCodec: 'gif', container: 'gif', hasAudio: false });
    // Delays of 8 and 9 cs are one tick apart: a 12 fps GIF, as ffprobe's r_frame_rate says.
    expect(`${info.fpsRational?.num}/${info.fpsRational?.den}`).toBe(ref.rFrameRate);
    expect(info.durationS).toBeCloseTo(3.41, 1);
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

    it('VP9/WebM with Opus: negative container start, millisecond ticks', async () => {
      const info = await probeVideo(clips.vp9);
      await expectMatchesFfprobe(info);
      expect(info).toMatchObject({ width: 160, height: 120, frameCount: 30, videoCodec: 'vp9', audioCodec: 'opus', fpsRational: { num: 15, den: 1 }, variableFrameRate: false });
      expect(info.container).toMatch(/webm/);
    });

    it('variable frame rate (10 fps then 25 fps)', async () => {
      const info = await probeVideo(clips.vfr);
      await expectMatchesFfprobe(info);
      expect(info).toMatchObject({ frameCount: 35, variableFrameRate: true, fpsRational: null });
      expect(info.fps).toBeCloseTo(34 / 1.96, 6);
      expect(info.frameTimesS[10]! - info.frameTimesS[9]!).toBeCloseTo(0.1, 6);
      expect(info.frameTimesS[11]! - info.frameTimesS[10]!).toBeCloseTo(0.04, 6);
    });

    it('a GIF with variable delays', async () => {
      const info = await probeVideo(clips.vfrGif);
      await expectMatchesFfprobe(info);
      expect(info.variableFrameRate).toBe(true);
      expect(info.frameCount).toBe(35);
    });

    it('rotation: display size after the display matrix, coded size before', async () => {
      const info = await probeVideo(clips.rotated);
      await expectMatchesFfprobe(info);
      expect(Math.abs(info.rotation)).toBe(90);
      expect(info).toMatchObject({ width: 90, height: 160, codedWidth: 160, codedHeight: 90, frameCount: 10 });
    });

    it('audio only: no video stream', async () => {
      await expect(probeVideo(clips.audioOnly)).rejects.toMatchObject({ code: 'no-image', message: `Not a video: "${clips.audioOnly}" contains only audio, no video stream` });
    });

    it('zero frames: a stream header and nothing else', async () => {
      await expect(probeVideo(clips.zeroFrames)).rejects.toMatchObject({
        code: 'no-frames', message: expect.stringMatching(/^No frames: ".*zero\.y4m" has a rawvideo video stream but not one frame decodes/),
      });
    });

    it('a text file renamed .mp4', async () => {
      const err = await probeVideo(clips.text).catch((e: unknown) => e);
      expect(isMediaError(err, 'unreadable')).toBe(true);
      expect((err as Error).message).toMatch(/^Not a media file: ".*text\.mp4" cannot be read as video \(.*(moov atom not found|Invalid data)/);
      expect((err as Error).message).not.toContain('\n');
    });

    it('missing and empty files', async () => {
      await expect(probeVideo(path.join(dir, 'nope.mp4'))).rejects.toMatchObject({ code: 'not-found', message: `File not found: "${path.join(dir, 'nope.mp4')}"` });
      const empty = await truncateCopy(clips.text, path.join(dir, 'empty.mp4'), 0);
      await expect(probeVideo(empty)).rejects.toMatchObject({ code: 'empty' });
    });

    it.skipIf(!haveFixture(CAR))('truncated MP4 (first half of the bytes): a warning, and the frames that are there', async () => {
      const half = await truncateCopy(fixture(CAR), path.join(dir, 'half.mp4'), 0.5);
      const info = await probeVideo(half);
      await expectMatchesFfprobe(info);
      expect(info.truncated).toBe(true);
      expect(info.frameCount).toBeGreaterThan(100);
      expect(info.frameCount).toBeLessThan(377);
      expect(info.warnings[0]).toMatch(/looks truncated: frames stop at \d+\.\d\d s but its header says 30\.21 s/);
    });

    it.skipIf(!haveFixture(CAR))('MP4 whose data is cut off right after its header: no frames', async () => {
      const bare = await mp4WithoutData(fixture(CAR), path.join(dir, 'nodata.mp4'));
      await expect(probeVideo(bare)).rejects.toMatchObject({ code: 'no-frames', message: expect.stringMatching(/^No frames: ".*nodata\.mp4" has a h264 video stream/) });
    });

    it('aborts', async () => {
      const ac = new AbortController();
      ac.abort();
      await expect(probeVideo(clips.vp9, { signal: ac.signal })).rejects.toMatchObject({ code: 'aborted' });
    });
  });
});
