// Throughput figures for the video layer, printed, not asserted (timings vary by machine). Off by
// default so the suite stays quick; run with:
//   L2CAF_BENCH=1 npx vitest run test/media/videoBench.test.ts
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { annotateFrame, formatTimestamp } from '../../src/media/annotate.js';
import { decodeFrames } from '../../src/media/decodeFrames.js';
import { encodeVideo } from '../../src/media/encodeVideo.js';
import { ffmpegBinary } from '../../src/media/ffmpegPath.js';
import { probeVideo } from '../../src/media/probeVideo.js';
import { fixture, haveFixture } from '../helpers/fixtures.js';
import { tempDir } from './videoHelpers.js';

const CAR = 'videos/car-detection.mp4';
const enabled = process.env.L2CAF_BENCH === '1';

describe.skipIf(!enabled || !haveFixture(CAR))('video benchmarks (car-detection.mp4, 377 frames, 768x432)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir('l2caf-bench-');
    console.log(`[bench] ffmpeg: ${ffmpegBinary().path} (${ffmpegBinary().source})`);
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('probe and decode at 224x224', async () => {
    const file = fixture(CAR);
    for (let round = 0; round < 3; round++) {
      const t0 = performance.now();
      const info = await probeVideo(file);
      const t1 = performance.now();
      let n = 0;
      for await (const _ of decodeFrames(file, { width: 224, height: 224, info })) n++;
      const t2 = performance.now();
      expect(n).toBe(377);
      console.log(`[bench] round ${round}: probe ${(t1 - t0).toFixed(0)} ms; decode 224x224 ${n} frames in ${(t2 - t1).toFixed(0)} ms = ${((n * 1000) / (t2 - t1)).toFixed(0)} fps`);
    }
  });

  for (const ext of ['mp4', 'webm', 'gif']) {
    it(`export annotated frames at source size to ${ext}`, async () => {
      const file = fixture(CAR);
      const info = await probeVideo(file);
      const map = { width: 7, height: 7, values: new Float32Array(49).map((_, i) => i / 48) };
      const out = path.join(dir, `car.${ext}`);
      const t0 = performance.now();
      const sink = await encodeVideo({
        out, width: info.width, height: info.height, fps: info.fpsRational ?? info.fps, startS: info.startTimeS,
        endS: info.startTimeS + info.durationS, audioFrom: { file, fromS: 0, toS: info.durationS },
      });
      let annotateMs = 0;
      for await (const f of decodeFrames(file, { info })) {
        const a0 = performance.now();
        const frame = annotateFrame({ frame: f, map, opacity: 0.4, text: ['car 0.93', formatTimestamp(f.timeS)] });
        annotateMs += performance.now() - a0;
        await sink.write(frame, f.timeS);
      }
      const result = await sink.close();
      const ms = performance.now() - t0;
      console.log(
        `[bench] decode + annotate + export ${ext} (${result.videoCodec}${result.audioCodec ? ` + ${result.audioCodec}` : ''}) ` +
          `${result.frames} frames 768x432 in ${ms.toFixed(0)} ms = ${((result.frames * 1000) / ms).toFixed(0)} fps ` +
          `(annotateFrame ${(annotateMs / result.frames).toFixed(1)} ms/frame)`,
      );
    });
  }
});
