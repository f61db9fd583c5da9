// Playable copies of clips a browser cannot play: the arguments per encoder set (pure), and real
// copies of the GIF fixture and an MS-MPEG4 AVI (the holdout clip a user would try) through the
// service's media registry: H.264, every frame at the original's time, made once.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ffmpegBinary } from '../../src/media/ffmpegPath.js';
import { proxyPlan } from '../../src/media/playableProxy.js';
import { probeVideo } from '../../src/media/probeVideo.js';
import { MediaRegistry } from '../../src/service/mediaRegistry.js';
import { fixture, haveFixture } from '../helpers/fixtures.js';
import { childProcesses } from '../helpers/processes.js';

describe('proxyPlan', () => {
  const features = (...encoders: string[]) => ({ encoders: new Set(encoders), fpsMode: true });
  it('H.264 in MP4 where there is libx264, else VP9 or VP8 in WebM; every frame passed through, no audio', () => {
    const mp4 = proxyPlan('in.avi', '/c/x', features('libx264', 'libvpx-vp9'));
    expect([mp4.ext, mp4.codec]).toEqual(['.mp4', 'libx264']);
    expect(mp4.args.join(' ')).toContain('-fps_mode passthrough');
    expect(mp4.args).toContain('-an');
    expect(mp4.args.at(-1)).toBe('file:/c/x.mp4');
    const webm = proxyPlan('in.avi', '/c/x.mp4', { encoders: new Set(['libvpx-vp9']), fpsMode: false });
    expect([webm.ext, webm.codec, webm.args.at(-1)]).toEqual(['.webm', 'libvpx-vp9', 'file:/c/x.webm']);
    expect(webm.args.join(' ')).toContain('-vsync passthrough');
    expect(proxyPlan('in.avi', '/c/x', features('libvpx')).codec).toBe('libvpx');
    expect(() => proxyPlan('in.avi', '/c/x', features('mpeg4'))).toThrow(/in\.avi: this ffmpeg has no H\.264 or VP8\/VP9 encoder/);
  });
});

describe.skipIf(!haveFixture('videos/car-detection.mp4') || !haveFixture('videos/person-bicycle-car-detection.gif'))('MediaRegistry.proxy', () => {
  let tmp: string;
  let avi: string;
  let ts: string;
  beforeAll(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'l2caf-proxy-'));
    avi = path.join(tmp, 'holdout.avi');
    execFileSync(ffmpegBinary().path, ['-v', 'error', '-i', fixture('videos/car-detection.mp4'), '-t', '3', '-an', '-c:v', 'msmpeg4v3', avi]);
    // MPEG-TS, which the window does not play, starting late as broadcast clips do
    ts = path.join(tmp, 'late.ts');
    execFileSync(ffmpegBinary().path, ['-v', 'error', '-i', fixture('videos/car-detection.mp4'), '-t', '2', '-an', '-c:v', 'mpeg2video', '-output_ts_offset', '11.4', '-f', 'mpegts', ts]);
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  for (const [name, file] of [['an MS-MPEG4 AVI', () => avi], ['a GIF', () => fixture('videos/person-bicycle-car-detection.gif')], ['an MPEG-TS clip starting at 12.8 s', () => ts]] as const) {
    it(`${name}: an H.264 copy with every frame at its time, served by its own id, made once`, async () => {
      const reg = new MediaRegistry();
      const opened = await reg.open(file());
      expect(opened.video!.playable).toBe(false);
      expect(opened.warnings.join(' ')).not.toMatch(/does not play/);
      const dir = path.join(tmp, 'proxies');
      const copy = await reg.proxy(opened.mediaId, dir);
      expect(copy.codec).toBe('libx264');
      const served = reg.servableFile(copy.mediaId)!;
      expect(served.path.startsWith(dir)).toBe(true);
      const [src, out] = await Promise.all([probeVideo(file()), probeVideo(served.path)]);
      expect(out.videoCodec).toBe('h264');
      expect(out.frameCount).toBe(src.frameCount);
      // each frame at its own time: within half the shortest frame interval, so a time picks the same
      // frame in both (the MP4 time base rounds a GIF's centisecond times by a few ms; ffmpeg's
      // pipeline puts an MPEG-2 TS clip's frames 1/30 s after ffprobe's pts)
      let gap = Infinity;
      for (let i = 1; i < src.frameCount; i++) gap = Math.min(gap, src.frameTimesS[i]! - src.frameTimesS[i - 1]!);
      for (let i = 0; i < src.frameCount; i++) expect(Math.abs(out.frameTimesS[i]! - src.frameTimesS[i]!), `frame ${i}`).toBeLessThan(gap / 2);
      // asked again (another window, a reload): the same copy, no second ffmpeg
      expect(await reg.proxy(opened.mediaId, dir)).toEqual(copy);
      // a new registry (an app restart) finds the copy on disk
      const again = new MediaRegistry();
      const reopened = await again.open(file());
      const before = readdirSync(dir).length;
      expect(again.servableFile((await again.proxy(reopened.mediaId, dir)).mediaId)!.path).toBe(served.path);
      expect(readdirSync(dir)).toHaveLength(before);
      expect(readdirSync(dir).some((f) => f.includes('.part'))).toBe(false);
    }, 120_000);
  }

  it('a copy every caller gave up on stops (no ffmpeg, no .part file left) and may be asked for again; one still waited for goes on', async () => {
    const long = path.join(tmp, 'long.avi');
    execFileSync(ffmpegBinary().path, ['-v', 'error', '-i', fixture('videos/car-detection.mp4'), '-an', '-c:v', 'msmpeg4v3', long]);
    const reg = new MediaRegistry();
    const { mediaId } = await reg.open(long);
    // two windows wait for one copy; the first gives up, the second still gets it
    const shared = path.join(tmp, 'shared');
    const a = new AbortController();
    const first = reg.proxy(mediaId, shared, a.signal);
    const second = reg.proxy(mediaId, shared, new AbortController().signal);
    setTimeout(() => a.abort(), 300);
    await expect(first).rejects.toMatchObject({ code: 'cancelled' });
    expect((await second).codec).toBe('libx264');
    // the only caller gives up: ffmpeg is stopped and its temporary file removed
    const alone = path.join(tmp, 'alone');
    const reg2 = new MediaRegistry();
    const id2 = (await reg2.open(long)).mediaId;
    const c = new AbortController();
    const gaveUp = reg2.proxy(id2, alone, c.signal);
    await new Promise((r) => setTimeout(r, 300));
    expect(childProcesses('ffmpeg').length).toBeGreaterThan(0);
    c.abort();
    await expect(gaveUp).rejects.toMatchObject({ code: 'cancelled' });
    await new Promise((r) => setTimeout(r, 500));
    expect(childProcesses('ffmpeg')).toEqual([]);
    expect(readdirSync(alone).filter((f) => f.includes('.part'))).toEqual([]);
    // asked again: made this time
    expect((await reg2.proxy(id2, alone)).codec).toBe('libx264');
  }, 120_000);

  it('an unknown id is refused; a playable clip needs no copy but may have one', async () => {
    const reg = new MediaRegistry();
    await expect(reg.proxy('media-0000', tmp)).rejects.toThrow(/no opened video has the id "media-0000"/);
    const mp4 = await reg.open(fixture('videos/car-detection.mp4'));
    expect(mp4.video!.playable).toBe(true);
    expect(existsSync(path.join(tmp, 'none'))).toBe(false);
  });
});
