import { describe, expect, it } from 'vitest';
import { parseProgress, type ProgressUpdate } from '../../src/media/progress.js';
import { runFfmpeg } from '../../src/media/runFfmpeg.js';
import { fixture, haveFixture } from '../helpers/fixtures.js';

describe('parseProgress', () => {
  it('reads -progress key=value lines', () => {
    expect(parseProgress('frame=13')).toEqual({ frame: 13 });
    expect(parseProgress('out_time_us=1040000')).toEqual({ outTimeUs: 1040000 });
    // out_time_ms is microseconds as well (an ffmpeg quirk), and the only one before ffmpeg 4.4.
    expect(parseProgress('out_time_ms=1040000')).toEqual({ outTimeUs: 1040000 });
    expect(parseProgress('out_time=00:00:01.040000')).toEqual({ outTimeUs: 1040000 });
    expect(parseProgress('speed=69.9x')).toEqual({ speed: 69.9 });
    expect(parseProgress('speed=N/A')).toEqual({ speed: null });
    expect(parseProgress('out_time_us=N/A')).toEqual({ outTimeUs: null });
    expect(parseProgress('out_time=-577014:32:22.775808')).toEqual({ outTimeUs: null });
    expect(parseProgress('total_size=N/A')).toEqual({ totalSize: null });
    expect(parseProgress('bitrate=  12.5kbits/s')).toEqual({ bitrateKbps: 12.5 });
    expect(parseProgress('progress=end')).toEqual({ progress: 'end' });
    expect(parseProgress('progress=continue\r')).toEqual({ progress: 'continue' });
  });

  it('ignores keys and lines it does not use', () => {
    expect(parseProgress('stream_0_0_q=-0.0')).toBeNull();
    expect(parseProgress('Input #0, mov,mp4, from x')).toBeNull();
    expect(parseProgress('')).toBeNull();
    expect(parseProgress('progress=maybe')).toBeNull();
  });

  it('reads the classic stats line', () => {
    expect(parseProgress('frame=   13 fps=0.0 q=-0.0 Lsize=N/A time=00:00:01.04 bitrate=N/A speed=70.4x    ')).toEqual({
      frame: 13, fps: 0, totalSize: null, outTimeUs: 1040000, bitrateKbps: null, speed: 70.4,
    });
    expect(parseProgress('size=     256kB time=00:00:02.00 bitrate=1048.6kbits/s speed=  50x')).toEqual({
      totalSize: 256 * 1024, outTimeUs: 2000000, bitrateKbps: 1048.6, speed: 50,
    });
  });
});

describe.skipIf(!haveFixture('videos/car-detection.mp4'))('parseProgress on a real run', () => {
  it('follows 2 s of car-detection.mp4 (12.5 fps) to the end', async () => {
    let state: ProgressUpdate = {};
    const blocks: ProgressUpdate[] = [];
    let pending = '';
    await runFfmpeg(
      ['-v', 'error', '-i', `file:${fixture('videos/car-detection.mp4')}`, '-t', '2', '-an', '-f', 'null', '-', '-progress', 'pipe:1'],
      {
        input: 'car-detection.mp4',
        onStdout: (chunk) => {
          const lines = (pending + chunk.toString('utf8')).split('\n');
          pending = lines.pop()!;
          for (const line of lines) {
            const u = parseProgress(line);
            if (!u) continue;
            state = { ...state, ...u };
            if (u.progress) blocks.push(state);
          }
        },
      },
    );
    const last = blocks[blocks.length - 1]!;
    expect(last.progress).toBe('end');
    expect(last.frame).toBeGreaterThanOrEqual(24);
    expect(last.frame).toBeLessThanOrEqual(26);
    expect(last.outTimeUs!).toBeGreaterThan(1.8e6);
    expect(last.outTimeUs!).toBeLessThan(2.2e6);
    expect(last.speed!).toBeGreaterThan(0);
  });
});
