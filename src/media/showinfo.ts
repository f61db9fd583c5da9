// Parses the per-frame lines of ffmpeg's `showinfo` filter. Pure: text in, data out.
// showinfo is how this layer learns each decoded frame's timestamp: it runs inside the decode's
// own filter graph, so every line belongs to exactly one frame that reaches the output (with the
// passthrough frame-rate mode, which neither duplicates nor drops frames), on every ffmpeg from
// 3.x to 7.x, and without ffprobe. Lines look like (4.x; 6.x+ drop `pos:` and add `duration:`):
//   [Parsed_showinfo_2 @ 0x11fc8500] config in time_base: 1/25000, frame_rate: 25/2
//   [Parsed_showinfo_2 @ 0x11fc8500] n:   0 pts:   1500 pts_time:0.06    pos:   887808 fmt:rgb24 ...
// `pts` is an integer in the time base, so times are computed from it (exact); `pts_time` is
// printed with 6 significant digits only (1234.57 for 1234.5678) and is the fallback.

export interface Rational {
  num: number;
  den: number;
}

export interface ShowinfoConfig {
  /** The time base of the frames entering showinfo: `pts` counts these units. */
  timeBase: Rational;
  /** ffmpeg's idea of the frame rate (r_frame_rate); 0/1 when unknown (VFR sources often say 1/0 or 0/0). */
  frameRate: Rational;
}

export interface ShowinfoFrame {
  /** Frame number as counted by this showinfo instance, from 0. */
  n: number;
  /** Integer timestamp in the time base; null when ffmpeg printed NOPTS. */
  pts: number | null;
  /** The printed seconds (6 significant digits); null for NOPTS. */
  ptsTime: number | null;
  /** Frame duration in the time base, printed by ffmpeg 6+ only. */
  duration: number | null;
  /** Keyframe flag, when printed. */
  key: boolean | null;
  /** The frame size, when printed ("s:224x224"). */
  width: number | null;
  height: number | null;
}

// Not anchored at the start: with stats enabled, ffmpeg can print a '\r'-less stats line and the
// showinfo line on one physical line.
const FRAME_RE = /\[Parsed_showinfo_\d+ @ [^\]]+\]\s+n:\s*(\d+)\s+pts:\s*(-?\d+|NOPTS)\s+pts_time:\s*(\S+)(.*)$/;
const CONFIG_RE = /\[Parsed_showinfo_\d+ @ [^\]]+\]\s+config in time_base:\s*(\d+)\/(\d+),\s*frame_rate:\s*(\d+)\/(\d+)/;

/** One frame line, or null for any other line. */
export function parseShowinfoFrame(line: string): ShowinfoFrame | null {
  const m = FRAME_RE.exec(line);
  if (!m) return null;
  const rest = m[4]!;
  const pts = m[2] === 'NOPTS' ? null : Number(m[2]);
  const t = Number(m[3]);
  const dur = /\bduration:\s*(-?\d+)/.exec(rest);
  const key = /\biskey:\s*([01])/.exec(rest);
  const size = /\bs:(\d+)x(\d+)/.exec(rest);
  return {
    n: Number(m[1]),
    pts,
    ptsTime: pts === null || !Number.isFinite(t) ? null : t,
    duration: dur ? Number(dur[1]) : null,
    key: key ? key[1] === '1' : null,
    width: size ? Number(size[1]) : null,
    height: size ? Number(size[2]) : null,
  };
}

/** The "config in" line printed when the filter is configured, or null for any other line. */
export function parseShowinfoConfig(line: string): ShowinfoConfig | null {
  const m = CONFIG_RE.exec(line);
  if (!m) return null;
  return {
    timeBase: { num: Number(m[1]), den: Number(m[2]) },
    frameRate: { num: Number(m[3]), den: Number(m[4]) },
  };
}

/** True for any line showinfo printed (frame, config, and the extra side-data lines of newer versions). */
export function isShowinfoLine(line: string): boolean {
  return /\[Parsed_showinfo_\d+ @ [^\]]+\]/.test(line);
}

/**
 * ffmpeg (without -copyts) shifts every input timestamp by -(container start + seek position)
 * before filtering, so that output starts at zero; showinfo sees the shifted value. This is the
 * shift in time-base units, computed as ffmpeg does (av_rescale_q of microseconds, rounding half
 * away from zero), so adding it back gives the stream's own pts, as ffprobe prints it, exactly.
 * BigInt because microseconds times a large time-base denominator exceed 2^53.
 */
export function timestampOffsetTicks(offsetUs: number, timeBase: Rational): number {
  if (!Number.isInteger(offsetUs)) throw new RangeError(`timestampOffsetTicks: offset must be whole microseconds, got ${offsetUs}`);
  const num = BigInt(offsetUs) * BigInt(timeBase.den);
  const den = 1_000_000n * BigInt(timeBase.num);
  const neg = num < 0n;
  const a = neg ? -num : num;
  const q = (a + den / 2n) / den;
  return Number(neg ? -q : q);
}

/** Whole microseconds in `s` seconds, as ffmpeg parses a time given with 6 decimals. */
export function toMicroseconds(s: number): number {
  return Math.round(s * 1e6);
}

/** Seconds as the string handed to ffmpeg (-ss, -t): 6 decimals, so it parses to exactly toMicroseconds(s). */
export function secondsArg(s: number): string {
  return (toMicroseconds(s) / 1e6).toFixed(6);
}

/**
 * The stream time (seconds, as ffprobe reports pts_time) of a showinfo frame, given the shift
 * ffmpeg applied (offsetUs = container start + seek position, in microseconds). Without a time
 * base (no config line seen) the printed pts_time is used, to its 6 significant digits.
 */
export function frameTimeS(frame: ShowinfoFrame, timeBase: Rational | null, offsetUs: number): number | null {
  if (frame.pts !== null && timeBase && timeBase.num > 0 && timeBase.den > 0) {
    return ((frame.pts + timestampOffsetTicks(offsetUs, timeBase)) * timeBase.num) / timeBase.den;
  }
  if (frame.ptsTime !== null) return frame.ptsTime + offsetUs / 1e6;
  return null;
}
