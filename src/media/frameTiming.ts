// What a list of frame timestamps says about a clip: average rate, whether the rate is constant,
// the exact rational rate when it is, the duration. And the reverse for export: how often each
// frame must be repeated to place timestamped frames on a constant-rate grid. Pure.
import type { Rational } from './showinfo.js';

export interface FrameTiming {
  frameCount: number;
  /** Timestamp of the first frame (seconds). */
  startS: number;
  /** First frame's start to the last frame's end. */
  durationS: number;
  /** Average frames per second: (n - 1) / (last - first); for one frame, the header's rate or 0. */
  fps: number;
  /** The exact rate when it is constant (12.5 -> 25/2, NTSC -> 30000/1001); null when variable. */
  fpsRational: Rational | null;
  /** Frame intervals differ by more than the timestamps' resolution (one time-base tick). */
  variableFrameRate: boolean;
  minIntervalS: number | null;
  maxIntervalS: number | null;
  /** Timestamps that do not increase: a broken file (or a decoder quirk); the rate is then reported as variable. */
  nonMonotonic: number;
}

export interface FrameTimingOptions {
  /** Timestamp resolution (seconds), i.e. one time-base tick. Default: derived from the magnitudes. */
  tickS?: number;
  /** The last frame's own duration, when ffmpeg printed it (6.x+). */
  lastDurationS?: number | null;
  /** A rate to prefer when it fits the timestamps (ffmpeg's r_frame_rate guess). */
  preferredRate?: Rational | null;
}

function gcd(a: number, b: number): number {
  a = Math.abs(a);
  b = Math.abs(b);
  while (b) [a, b] = [b, a % b];
  return a;
}

/** num/den in lowest terms with a positive denominator. */
export function reduceRational(num: number, den: number): Rational {
  if (!Number.isInteger(num) || !Number.isInteger(den) || den === 0) throw new RangeError(`reduceRational: bad ${num}/${den}`);
  const g = gcd(num, den) || 1;
  const s = den < 0 ? -1 : 1;
  return { num: (s * num) / g, den: (s * den) / g };
}

/**
 * The simplest fraction within `tolerance` of x (continued fractions, denominators up to maxDen):
 * 12.5 -> 25/2, 29.97002997 -> 30000/1001, 23.976 -> 2997/125 unless the tolerance admits 24000/1001.
 */
export function bestRational(x: number, tolerance = 1e-9, maxDen = 1_000_000): Rational {
  if (!Number.isFinite(x)) throw new RangeError(`bestRational: ${x} is not finite`);
  const sign = x < 0 ? -1 : 1;
  let v = Math.abs(x);
  // Convergents h/k of the continued fraction of |x|.
  let [h0, h1, k0, k1] = [0, 1, 1, 0];
  for (let i = 0; i < 64; i++) {
    const a = Math.floor(v);
    const h2 = a * h1 + h0;
    const k2 = a * k1 + k0;
    if (k2 > maxDen) break;
    [h0, h1, k0, k1] = [h1, h2, k1, k2];
    if (Math.abs(h1 / k1 - Math.abs(x)) <= tolerance) break;
    const frac = v - a;
    if (frac < 1e-15) break;
    v = 1 / frac;
  }
  return { num: sign * h1, den: k1 };
}

/** Frames per second as ffmpeg's option syntax wants it: "25/2", "30000/1001", "25". */
export function rationalString(r: Rational): string {
  return r.den === 1 ? String(r.num) : `${r.num}/${r.den}`;
}

/** A rate given as a number or rational, as a reduced rational (numbers via bestRational). */
export function toRational(rate: number | Rational): Rational {
  if (typeof rate === 'number') return bestRational(rate, 1e-7 * Math.max(1, rate), 100_000);
  return reduceRational(rate.num, rate.den);
}

/** The resolution of timestamps printed with 6 significant digits (ffmpeg's pts_time). */
function printedResolution(maxAbs: number): number {
  if (maxAbs <= 0) return 1e-6;
  return Math.max(1e-6, 10 ** (Math.floor(Math.log10(maxAbs)) - 5));
}

/** Rates cameras, encoders and GIF tools use, preferred when the timestamps fit them. */
const STANDARD_RATES: readonly Rational[] = [
  [24000, 1001], [24, 1], [25, 1], [30000, 1001], [30, 1], [48, 1], [50, 1], [60000, 1001], [60, 1],
  [120, 1], [10, 1], [12, 1], [25, 2], [15, 1], [20, 1], [5, 1], [1, 1],
].map(([num, den]) => ({ num: num!, den: den! }));

/** True when every time lies within `tol` of first + i / rate. */
function fitsGrid(times: ArrayLike<number>, rate: Rational, tol: number): boolean {
  if (!(rate.num > 0 && rate.den > 0)) return false;
  const t0 = times[0]!;
  for (let i = 1; i < times.length; i++) {
    if (Math.abs(times[i]! - (t0 + (i * rate.den) / rate.num)) > tol) return false;
  }
  return true;
}

/**
 * Describes a clip from its frame timestamps (seconds, in output order). Constant rate means every
 * interval is within one tick of the mean, which is what rounding exact times to the time base
 * produces (33, 34, 33 ms at 30 fps in WebM's millisecond ticks); anything else is variable.
 */
export function analyseFrameTimes(times: ArrayLike<number>, opts: FrameTimingOptions = {}): FrameTiming {
  const n = times.length;
  const preferred = opts.preferredRate && opts.preferredRate.num > 0 && opts.preferredRate.den > 0 ? opts.preferredRate : null;
  if (n === 0) {
    return { frameCount: 0, startS: 0, durationS: 0, fps: 0, fpsRational: null, variableFrameRate: false, minIntervalS: null, maxIntervalS: null, nonMonotonic: 0 };
  }
  const first = times[0]!;
  const last = times[n - 1]!;
  if (n === 1) {
    const fps = preferred ? preferred.num / preferred.den : 0;
    const lastDur = opts.lastDurationS ?? (fps > 0 ? 1 / fps : 0);
    return {
      frameCount: 1, startS: first, durationS: lastDur, fps, fpsRational: preferred ? reduceRational(preferred.num, preferred.den) : null,
      variableFrameRate: false, minIntervalS: null, maxIntervalS: null, nonMonotonic: 0,
    };
  }

  const tick = opts.tickS ?? printedResolution(Math.max(Math.abs(first), Math.abs(last)));
  const tol = tick * (1 + 1e-6) + 1e-9;
  const mean = (last - first) / (n - 1);
  let min = Infinity;
  let max = -Infinity;
  let nonMonotonic = 0;
  let variable = false;
  for (let i = 1; i < n; i++) {
    const d = times[i]! - times[i - 1]!;
    if (d <= 0) nonMonotonic++;
    if (d < min) min = d;
    if (d > max) max = d;
    if (Math.abs(d - mean) > tol) variable = true;
  }
  if (nonMonotonic > 0 || !(mean > 0)) variable = true;
  const fps = mean > 0 ? 1 / mean : 0;

  let fpsRational: Rational | null = null;
  if (!variable) {
    if (preferred && fitsGrid(times, preferred, tol)) {
      fpsRational = reduceRational(preferred.num, preferred.den);
    } else {
      // A standard rate whose grid the timestamps fit, else the simplest fraction that fits
      // (widening the tolerance until one does). Standard rates first: with millisecond ticks a
      // short NTSC clip also fits 959/32, which no camera records at.
      fpsRational = STANDARD_RATES.find((r) => Math.abs(r.num / r.den - fps) < 0.01 * fps && fitsGrid(times, r, tol)) ?? null;
      for (const relTol of [1e-9, 1e-7, 1e-5, 1e-4]) {
        if (fpsRational) break;
        const r = bestRational(fps, fps * relTol, 100_000);
        if (r.den > 0 && fitsGrid(times, r, tol)) fpsRational = r;
      }
      fpsRational ??= bestRational(fps, 1e-9 * fps, 1_000_000);
    }
  }

  // Without a printed duration the last frame lasts like the others (constant rate) or like the
  // one before it (variable rate): the container's duration cannot be used, audio may be longer.
  const lastInterval = times[n - 1]! - times[n - 2]!;
  const lastDur = opts.lastDurationS ?? (variable ? (lastInterval > 0 ? lastInterval : Math.max(0, mean)) : mean);
  return {
    frameCount: n, startS: first, durationS: last - first + Math.max(0, lastDur), fps, fpsRational, variableFrameRate: variable,
    minIntervalS: min, maxIntervalS: max, nonMonotonic,
  };
}

/**
 * Places timestamped frames on a constant-rate output grid (what players and the MP4/WebM/GIF
 * encoders here expect): each frame is shown from its slot (see slot()) until the
 * next frame's slot, so it is written that many times; a frame whose slot the next one already
 * takes is dropped (written 0 times). Feed times in order with push(); each call returns how many
 * times the PREVIOUS frame is to be written. finish() returns the count for the last frame.
 * This is ffmpeg's own `-vsync cfr` rule, done here because raw frames through a pipe carry no
 * timestamps.
 */
export class CfrGrid {
  private readonly rate: Rational;
  private readonly start: number | null;
  private origin: number | null = null;
  private prevTime: number | null = null;
  private prevInterval: number | null = null;
  private written = 0;

  /** `startS`: the time of output slot 0 (e.g. the range start); default the first frame's time. */
  constructor(rate: number | Rational, startS?: number) {
    this.rate = toRational(rate);
    if (!(this.rate.num > 0 && this.rate.den > 0)) throw new RangeError(`CfrGrid: rate must be positive`);
    this.start = startS ?? null;
  }

  /**
   * The first output slot a frame at time t is shown in: slot j shows the frame on screen at the
   * slot's midpoint, start + (j + 0.5) / rate, so a frame starts at ceil((t - start) * rate - 0.5).
   * (Plain rounding would give a source whose frames fall exactly between slots, 12.5 fps read
   * from 5.00 s with frames at 5.04, 5.12..., one slot too many.)
   */
  slot(t: number): number {
    return Math.ceil(((t - this.origin!) * this.rate.num) / this.rate.den - 0.5 - 1e-9);
  }

  /** Slots filled so far. */
  get slots(): number {
    return this.written;
  }

  /** Registers a frame at `t`; returns how many times to write the previous frame (0 for the first call). */
  push(t: number): number {
    if (!Number.isFinite(t)) throw new RangeError(`CfrGrid: frame time must be finite, got ${t}`);
    if (this.prevTime === null) {
      this.origin = this.start ?? t;
      this.prevTime = t;
      return 0;
    }
    if (t <= this.prevTime) throw new RangeError(`CfrGrid: frame times must increase (${t} after ${this.prevTime})`);
    // The first frame also fills any slots before it (a range starting between frames).
    const copies = Math.max(0, this.slot(t) - this.written);
    this.written += copies;
    this.prevInterval = t - this.prevTime;
    this.prevTime = t;
    return copies;
  }

  /**
   * How many times to write the last frame: until endS's slot when given (the end of the source
   * range), else for as long as the interval before it. At least once, so no frame is lost.
   */
  finish(endS?: number): number {
    if (this.prevTime === null) return 0;
    const end = endS ?? this.prevTime + (this.prevInterval ?? this.rate.den / this.rate.num);
    const copies = Math.max(1, this.slot(end) - this.written);
    this.written += copies;
    return copies;
  }
}
