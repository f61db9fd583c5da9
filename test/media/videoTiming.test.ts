// Pure parts of the video layer: showinfo parsing, timestamp arithmetic, frame-rate analysis, the
// constant-rate grid for export, feature parsing, range planning and ffmpeg argument building.
import { describe, expect, it } from 'vitest';
import { buildDecodeFilter, selectFrames } from '../../src/media/decodeFrames.js';
import { buildEncodeArgs, exportFps, type EncodePlan } from '../../src/media/encodeVideo.js';
import { helpHasOption, parseEncoders, passthroughArgs } from '../../src/media/ffmpegFeatures.js';
import { parseFfmpegInfo } from '../../src/media/ffmpegInfo.js';
import { fitBox } from '../../src/media/fit.js';
import { CfrGrid, analyseFrameTimes, bestRational, rationalString, toRational } from '../../src/media/frameTiming.js';
import { outputFormatFor } from '../../src/media/outputTarget.js';
import { buildVideoInfo, collectShowinfo, type TimestampPass, type VideoInfo } from '../../src/media/probeVideo.js';
import {
  frameTimeS,
  isShowinfoLine,
  parseShowinfoConfig,
  parseShowinfoFrame,
  secondsArg,
  timestampOffsetTicks,
  type Rational,
} from '../../src/media/showinfo.js';
import { isMediaError } from '../../src/media/errors.js';

const V4 = '[Parsed_showinfo_2 @ 0x11fc8500] n:   3 pts:  19500 pts_time:0.78    pos:   928696 fmt:rgb24 sar:0/1 s:224x224 i:P iskey:0 type:P checksum:5C7B1124 plane_checksum:[5C7B1124] mean:[167] stdev:[53.2]';
const V7 = '[Parsed_showinfo_0 @ 0x6000012c4000] n:  12 pts:  49152 pts_time:3.2     duration:   1024 fmt:yuv420p cl:left sar:1/1 s:1280x720 i:P iskey:1 type:I checksum:00000000 plane_checksum:[0 0 0]';

describe('showinfo parser', () => {
  it('reads frame lines of old and new ffmpeg', () => {
    expect(parseShowinfoFrame(V4)).toEqual({ n: 3, pts: 19500, ptsTime: 0.78, duration: null, key: false, width: 224, height: 224 });
    expect(parseShowinfoFrame(V7)).toEqual({ n: 12, pts: 49152, ptsTime: 3.2, duration: 1024, key: true, width: 1280, height: 720 });
  });

  it('finds a frame line glued to a stats line, reads NOPTS and negative pts', () => {
    const glued = 'frame=    1 fps=0.0 q=-0.0 size=N/A time=00:00:00.08 bitrate=N/A speed=28.3x    ' + V4;
    expect(parseShowinfoFrame(glued)?.n).toBe(3);
    const nopts = '[Parsed_showinfo_0 @ 0x1] n:   0 pts:NOPTS pts_time:NOPTS pos: 12 fmt:gray';
    expect(parseShowinfoFrame(nopts)).toMatchObject({ n: 0, pts: null, ptsTime: null });
    expect(parseShowinfoFrame('[Parsed_showinfo_0 @ 0x1] n:   0 pts:  -1024 pts_time:-0.08 pos: 1')?.pts).toBe(-1024);
  });

  it('reads the config line and ignores other lines', () => {
    expect(parseShowinfoConfig('[Parsed_showinfo_0 @ 0x358dfbc0] config in time_base: 1/1000, frame_rate: 15/1')).toEqual({
      timeBase: { num: 1, den: 1000 }, frameRate: { num: 15, den: 1 },
    });
    expect(parseShowinfoConfig('[Parsed_showinfo_0 @ 0x358dfbc0] config out time_base: 0/0, frame_rate: 0/0')).toBeNull();
    expect(parseShowinfoFrame('[h264 @ 0x21fef480] Error splitting the input into NAL units.')).toBeNull();
    expect(isShowinfoLine('[Parsed_showinfo_1 @ 0x2f6152c0] color_range:tv color_space:smpte170m')).toBe(true);
    expect(isShowinfoLine('[h264 @ 0x21fef480] error')).toBe(false);
  });
});

describe('timestamps', () => {
  it('undoes ffmpeg\'s start/seek shift exactly, rounding like av_rescale_q', () => {
    expect(timestampOffsetTicks(10_020_000, { num: 1, den: 25000 })).toBe(250500);
    expect(timestampOffsetTicks(-7000, { num: 1, den: 1000 })).toBe(-7);
    expect(timestampOffsetTicks(15, { num: 1, den: 100000 })).toBe(2); // 1.5 rounds away from zero
    expect(timestampOffsetTicks(-15, { num: 1, den: 100000 })).toBe(-2);
    // Beyond 2^53 in the intermediate product: still exact.
    expect(timestampOffsetTicks(36_000_000_000, { num: 1, den: 90000 })).toBe(3_240_000_000);
    const f = parseShowinfoFrame(V4)!;
    expect(frameTimeS(f, { num: 1, den: 25000 }, 10_020_000)).toBeCloseTo(10.8, 12);
    // Without the time base: the printed value plus the shift.
    expect(frameTimeS(f, null, 1_000_000)).toBeCloseTo(1.78, 12);
    expect(secondsArg(10.02)).toBe('10.020000');
  });
});

describe('frame-rate analysis', () => {
  it('recognises constant rates and their exact fractions', () => {
    const cfr = Array.from({ length: 377 }, (_, i) => (i * 2000) / 25000);
    const a = analyseFrameTimes(cfr, { tickS: 1 / 25000, preferredRate: { num: 25, den: 2 } });
    expect(a).toMatchObject({ frameCount: 377, fps: 12.5, fpsRational: { num: 25, den: 2 }, variableFrameRate: false });
    expect(a.durationS).toBeCloseTo(30.16, 9);
    // Millisecond ticks at 30000/1001: intervals of 33 and 34 ms are still constant.
    const ntsc = Array.from({ length: 300 }, (_, i) => Math.round((i * 1001) / 30) / 1000);
    const b = analyseFrameTimes(ntsc, { tickS: 0.001, preferredRate: { num: 30000, den: 1001 } });
    expect(b.variableFrameRate).toBe(false);
    expect(b.fpsRational).toEqual({ num: 30000, den: 1001 });
    // No usable preferred rate: the simplest fraction that fits.
    expect(analyseFrameTimes(ntsc, { tickS: 0.001, preferredRate: { num: 0, den: 1 } }).fpsRational).toEqual({ num: 30000, den: 1001 });
  });

  it('recognises variable rates', () => {
    const vfr = [...Array.from({ length: 10 }, (_, i) => i / 10), ...Array.from({ length: 25 }, (_, i) => 1 + i / 25)];
    const a = analyseFrameTimes(vfr, { tickS: 1 / 12800 });
    expect(a.variableFrameRate).toBe(true);
    expect(a.fpsRational).toBeNull();
    expect(a.minIntervalS).toBeCloseTo(0.04, 9);
    expect(a.maxIntervalS).toBeCloseTo(0.1, 9);
    expect(a.fps).toBeCloseTo(34 / 1.96, 9);
    expect(a.durationS).toBeCloseTo(2, 9); // last frame lasts like the one before it
  });

  it('handles one frame, none, and timestamps that go backwards', () => {
    expect(analyseFrameTimes([]).frameCount).toBe(0);
    expect(analyseFrameTimes([0.5], { preferredRate: { num: 10, den: 1 } })).toMatchObject({ frameCount: 1, startS: 0.5, durationS: 0.1, fps: 10 });
    const back = analyseFrameTimes([0, 0.1, 0.05, 0.2], { tickS: 0.001 });
    expect(back.nonMonotonic).toBe(1);
    expect(back.variableFrameRate).toBe(true);
  });

  it('finds simple fractions', () => {
    expect(bestRational(12.5)).toEqual({ num: 25, den: 2 });
    expect(bestRational(30000 / 1001)).toEqual({ num: 30000, den: 1001 });
    expect(bestRational(29.97, 1e-9)).toEqual({ num: 2997, den: 100 });
    expect(toRational(25)).toEqual({ num: 25, den: 1 });
    expect(toRational({ num: 50, den: 4 })).toEqual({ num: 25, den: 2 });
    expect(rationalString({ num: 25, den: 2 })).toBe('25/2');
    expect(rationalString({ num: 25, den: 1 })).toBe('25');
  });
});

describe('CfrGrid (timestamped frames onto a constant-rate output)', () => {
  function place(times: number[], rate: number | Rational, start?: number, end?: number): number[] {
    const g = new CfrGrid(rate, start);
    const copies = times.map((t) => g.push(t)).slice(1);
    copies.push(g.finish(end));
    return copies;
  }

  it('writes a constant-rate source at its own rate once per frame', () => {
    const t = Array.from({ length: 10 }, (_, i) => i * 0.08);
    expect(place(t, 12.5)).toEqual(Array(10).fill(1));
  });

  it('keeps a range with frames between slots the right length', () => {
    // 12.5 fps read from 5.00 s: frames at 5.04, 5.12, ... 8.96; 4 s = 50 output frames.
    const t = Array.from({ length: 50 }, (_, i) => (126000 + 2000 * i) / 25000);
    const c = place(t, { num: 25, den: 2 }, 5, 9);
    expect(c.reduce((a, b) => a + b, 0)).toBe(50);
    expect(c.every((n) => n === 1)).toBe(true);
  });

  it('repeats slow frames and drops ones shorter than a slot', () => {
    // 10 fps then 25 fps, written at 25 fps: the first ten last 2.5 slots each (2 or 3 copies).
    const t = [...Array.from({ length: 10 }, (_, i) => i / 10), ...Array.from({ length: 25 }, (_, i) => 1 + i / 25)];
    const c = place(t, 25, 0, 2);
    expect(c.reduce((a, b) => a + b, 0)).toBe(50);
    expect(c.slice(0, 10).reduce((a, b) => a + b, 0)).toBe(25);
    expect(c.slice(10).every((n) => n === 1)).toBe(true);
    // Written at 10 fps, the fast part loses frames but keeps its duration; the last frame (1.96 s)
    // would fall in the slot at 2 s, but is kept: the last analysed frame is never dropped.
    const d = place(t, 10, 0, 2);
    expect(d.reduce((a, b) => a + b, 0)).toBe(21);
    expect(d.filter((n) => n === 0).length).toBeGreaterThan(10);
  });

  it('fills a stride\'s gaps and rejects time going backwards', () => {
    const t = Array.from({ length: 5 }, (_, i) => i * 0.24); // every 3rd frame of 12.5 fps
    expect(place(t, 12.5)).toEqual([3, 3, 3, 3, 3]);
    const g = new CfrGrid(25);
    g.push(1);
    expect(() => g.push(0.5)).toThrow(/increase/);
  });
});

describe('ffmpeg features', () => {
  it('parses -encoders and -h long', () => {
    const enc = `Encoders:
 V..... = Video
 A..... = Audio
 ------
 V....D libx264              libx264 H.264 / AVC / MPEG-4 AVC / MPEG-4 part 10 (codec h264)
 V.S... mpeg4                MPEG-4 part 2
 A..... aac                  AAC (Advanced Audio Coding)
`;
    expect([...parseEncoders(enc)]).toEqual(['libx264', 'mpeg4', 'aac']);
    expect(helpHasOption('-vsync              video sync method\n-fps_mode           set framerate mode\n', '-fps_mode')).toBe(true);
    expect(helpHasOption('-vsync              video sync method\n', '-fps_mode')).toBe(false);
    expect(passthroughArgs({ fpsMode: true })).toEqual(['-fps_mode', 'passthrough']);
    expect(passthroughArgs({ fpsMode: false })).toEqual(['-vsync', 'passthrough']);
  });
});

function fakeInfo(times: number[], extra: Partial<VideoInfo> = {}): VideoInfo {
  const a = analyseFrameTimes(times, { tickS: 1 / 25000 });
  return {
    path: 'clip.mp4', width: 768, height: 432, codedWidth: 768, codedHeight: 432, rotation: 0, fps: a.fps, fpsRational: a.fpsRational,
    variableFrameRate: a.variableFrameRate, durationS: a.durationS, frameCount: times.length, startTimeS: times[0]!, containerStartS: 0,
    headerDurationS: a.durationS, hasAudio: false, audioCodec: null, videoCodec: 'h264', streamIndex: 0, container: 'mov', frameTimesS: Float64Array.from(times),
    timeBase: { num: 1, den: 25000 }, truncated: false, warnings: [], ...extra,
  };
}

describe('range planning', () => {
  const info = fakeInfo(Array.from({ length: 377 }, (_, i) => i * 0.08));

  it('selects the first frame at or after fromS, every Nth, before toS', () => {
    const s = selectFrames(info, 10.02, 11.02, 3);
    expect(s.indices).toEqual([126, 129, 132, 135]); // 10.08, 10.32, 10.56, 10.80
    expect(s.seekS).toBeCloseTo(10.02, 9);
    expect(s.offsetUs).toBe(10_020_000);
    expect(selectFrames(info, 10.08, 10.16).indices).toEqual([126]); // from inclusive, to exclusive
    const all = selectFrames(info);
    expect(all.indices.length).toBe(377);
    expect(all.seekS).toBeNull();
    expect(all.durationS).toBeNull();
  });

  it('rejects ranges outside the clip, empty ranges and bad strides', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return isMediaError(e) ? `${e.code}: ${e.message}` : String(e);
      }
      return 'no error';
    };
    expect(code(() => selectFrames(info, 40, 45))).toMatch(/^out-of-range: Range 40-45 s is outside "clip.mp4", which spans 0.000-30.160 s/);
    // one end given: said as given, not as a reversed range with the clip's other end
    expect(code(() => selectFrames(info, 31))).toMatch(/^out-of-range: Range from 31 s is outside "clip.mp4"/);
    expect(code(() => selectFrames(info, undefined, -1))).toMatch(/^out-of-range: Range to -1 s is outside/);
    expect(code(() => selectFrames(info, -5, 0))).toMatch(/^out-of-range/);
    expect(code(() => selectFrames(info, 5, 5))).toMatch(/^out-of-range: Empty range/);
    expect(code(() => selectFrames(info, 10.01, 10.05))).toMatch(/^out-of-range: No frame/);
    expect(code(() => selectFrames(info, 0, 1, 0))).toMatch(/^invalid-argument/);
    expect(code(() => selectFrames(info, NaN))).toMatch(/^invalid-argument/);
  });

  it('builds the decode filter: select before the resize, showinfo last', () => {
    const fit = fitBox(768, 432, { width: 224, height: 224 });
    expect(buildDecodeFilter(3, 768, 432, fit)).toBe('select=not(mod(n\\,3)),format=rgb24,scale=224:224:flags=area+accurate_rnd,showinfo');
    expect(buildDecodeFilter(1, 224, 224, fitBox(224, 224, {}))).toBe('format=rgb24,showinfo');
  });
});

describe('probe assembly', () => {
  const header = parseFfmpegInfo(`Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'x.mp4':
  Duration: 00:00:30.21, start: 0.000000, bitrate: 744 kb/s
    Stream #0:0(eng): Video: h264 (Baseline) (avc1 / 0x31637661), yuv420p(tv, smpte170m), 768x432, 614 kb/s, 12.50 fps, 12.50 tbr, 25k tbn, 25 tbc (default)
    Stream #0:1(eng): Audio: aac (LC) (mp4a / 0x6134706D), 48000 Hz, stereo, fltp, 125 kb/s (default)
`)!;

  function pass(lines: string[]): TimestampPass {
    const p: TimestampPass = { config: null, frames: [], problems: [] };
    for (const l of lines) collectShowinfo(p, l);
    return p;
  }
  const frameLine = (n: number) => `[Parsed_showinfo_1 @ 0x1] n:${String(n).padStart(4)} pts:${String(n * 2000).padStart(7)} pts_time:${(n * 0.08).toFixed(2)} pos: 1 fmt:yuv420p s:2x2`;

  it('describes a complete clip', () => {
    const lines = ['[Parsed_showinfo_1 @ 0x1] config in time_base: 1/25000, frame_rate: 25/2', ...Array.from({ length: 377 }, (_, i) => frameLine(i))];
    const v = buildVideoInfo('x.mp4', header, pass(lines));
    expect(v).toMatchObject({ width: 768, height: 432, frameCount: 377, fps: 12.5, fpsRational: { num: 25, den: 2 }, hasAudio: true, audioCodec: 'aac', truncated: false, warnings: [] });
  });

  it('warns about a truncated clip and about decode errors, but keeps the frames', () => {
    const lines = [
      '[Parsed_showinfo_1 @ 0x1] config in time_base: 1/25000, frame_rate: 25/2',
      ...Array.from({ length: 170 }, (_, i) => frameLine(i)),
      '[h264 @ 0x21fef480] error while decoding MB 12 3, bytestream -5',
    ];
    const v = buildVideoInfo('x.mp4', header, pass(lines));
    expect(v.frameCount).toBe(170);
    expect(v.truncated).toBe(true);
    expect(v.warnings[0]).toMatch(/looks truncated: frames stop at 13.60 s but its header says 30.21 s/);
    expect(v.warnings).toContain('[h264] error while decoding MB 12 3, bytestream -5');
  });

  it('fails with no-frames when nothing decodes', () => {
    expect(() => buildVideoInfo('x.mp4', header, pass([]), 'Cannot determine format of input stream 0:0 after EOF')).toThrow(
      /^No frames: "x.mp4" has a h264 video stream but not one frame decodes: the file is damaged or cut short \(Cannot determine format/,
    );
  });
});

describe('export planning', () => {
  const base: EncodePlan = {
    format: 'mp4', width: 384, height: 216, rate: { num: 25, den: 2 }, output: '/out/.a.part.mp4', audio: null,
    encoders: new Set(['libx264', 'mpeg4', 'aac', 'libvpx-vp9', 'libopus', 'gif', 'png']),
  };

  it('keeps the source rate: exact when constant, the fastest rate reached when variable', () => {
    expect(exportFps({ fps: 12.5, fpsRational: { num: 25, den: 2 }, variableFrameRate: false, frameTimesS: new Float64Array() })).toEqual({ num: 25, den: 2 });
    const vfr = Float64Array.from([...Array.from({ length: 10 }, (_, i) => i / 10), ...Array.from({ length: 25 }, (_, i) => 1 + i / 25)]);
    expect(exportFps({ fps: 17.3, fpsRational: null, variableFrameRate: true, frameTimesS: vfr })).toEqual({ num: 25, den: 1 });
    const fast = Float64Array.from([0, 0.005, 0.1, 0.2]);
    expect(exportFps({ fps: 15, fpsRational: null, variableFrameRate: true, frameTimesS: fast })).toEqual({ num: 60, den: 1 });
  });

  it('chooses formats from the output name', () => {
    expect(outputFormatFor('a.mp4')).toBe('mp4');
    expect(outputFormatFor('a.WEBM')).toBe('webm');
    expect(outputFormatFor('a.gif')).toBe('gif');
    expect(outputFormatFor('frames/')).toBe('png');
    expect(outputFormatFor('frames')).toBe('png');
    expect(() => outputFormatFor('a.avi')).toThrow(/unknown extension ".avi"/);
  });

  it('uses H.264 + AAC for MP4, and falls back to mpeg4 with a note', () => {
    const a = buildEncodeArgs({ ...base, audio: { file: '/in/src.mp4', seekS: 5, durationS: 4 } });
    expect(a.videoCodec).toBe('libx264');
    expect(a.audioCodec).toBe('aac');
    expect(a.args.join(' ')).toContain('-framerate 25/2 -i pipe:0 -ss 5.000000 -t 4.000000 -i file:/in/src.mp4 -map 0:v:0 -map 1:a:0');
    expect(a.args).toContain('+faststart');
    const b = buildEncodeArgs({ ...base, encoders: new Set(['mpeg4', 'aac']) });
    expect(b.videoCodec).toBe('mpeg4');
    expect(b.notes.join()).toMatch(/no libx264/);
  });

  it('pads odd sizes for MP4, uses VP9/Opus for WebM, palettes for GIF, numbered PNGs', () => {
    expect(buildEncodeArgs({ ...base, width: 385 }).args.join(' ')).toContain('pad=ceil(iw/2)*2:ceil(ih/2)*2');
    const w = buildEncodeArgs({ ...base, format: 'webm', audio: { file: 'a', seekS: 0, durationS: 1 } });
    expect([w.videoCodec, w.audioCodec]).toEqual(['libvpx-vp9', 'libopus']);
    expect(w.args.join(' ')).toContain('-deadline realtime -cpu-used 8');
    const g = buildEncodeArgs({ ...base, format: 'gif', audio: { file: 'a', seekS: 0, durationS: 1 } });
    expect(g.args.join(' ')).toContain('palettegen=stats_mode=single');
    expect(g.audioCodec).toBeNull();
    expect(g.args).not.toContain('1:a:0');
    expect(buildEncodeArgs({ ...base, format: 'gif', rate: { num: 60, den: 1 } }).args.join(' ')).toContain('fps=50,');
    const p = buildEncodeArgs({ ...base, format: 'png', output: '/out/.seq.part-x' });
    expect(p.args[p.args.length - 1]).toBe('/out/.seq.part-x/frame_%06d.png');
  });
});
