// Preprocessing given by the user (flags, or the same fields from the app/API) rather than the
// catalogue: either input = pixel * scale + offset, or torchvision's per-channel normalisation
// input = (pixel/255 - mean[c]) / std[c]. Validated here, once, so the CLI and openModel give the
// same error for the same mistake.
import type { ChannelOrder } from './catalogue.js';
import type { Preprocessing } from './preprocess.js';

export interface PreprocessingFlags {
  scale?: number;
  offset?: number;
  /** per channel, in 0..1 pixel units (torchvision's Normalize(mean, std) values) */
  mean?: readonly number[];
  std?: readonly number[];
}

export class PreprocessingFlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PreprocessingFlagError';
  }
}

/** Checks one per-channel triple (any source); `flag` names it in errors, e.g. "--std". */
export function checkChannelTriple(v: readonly unknown[], flag: string, positive = false): [number, number, number] {
  if (v.length !== 3) throw new PreprocessingFlagError(`${flag} needs 3 numbers (one per channel, r,g,b), got ${v.length}`);
  const t = v.map((x, i) => {
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new PreprocessingFlagError(`${flag}: value ${i + 1} is not a number (${JSON.stringify(x)})`);
    // std divides: 0 gives infinities, a negative value flips the channel (never what torchvision means)
    if (positive && x <= 0) throw new PreprocessingFlagError(`${flag}: value ${i + 1} must be greater than 0, got ${x}`);
    return x;
  });
  return t as [number, number, number];
}

/** Parses "r,g,b" as typed on the command line (spaces allowed around the commas). */
export function parseChannelTriple(text: string, flag: string, positive = false): [number, number, number] {
  const parts = text.split(',').map((s) => s.trim());
  const nums = parts.map((s) => (s === '' ? NaN : Number(s)));
  if (parts.length === 3) {
    const bad = nums.findIndex((n) => !Number.isFinite(n));
    if (bad >= 0) throw new PreprocessingFlagError(`${flag}: "${parts[bad]}" is not a number (expected r,g,b such as 0.485,0.456,0.406)`);
  }
  return checkChannelTriple(nums, flag, positive);
}

/**
 * The Preprocessing the flags ask for, or null when they ask for none (the catalogue's or the
 * loader's default then applies). mean alone means std 1,1,1; std alone means mean 0,0,0.
 */
export function preprocessingFromFlags(f: PreprocessingFlags, channelOrder: ChannelOrder = 'rgb'): Preprocessing | null {
  const affine = f.scale != null || f.offset != null;
  const normalise = f.mean != null || f.std != null;
  if (affine && normalise) {
    throw new PreprocessingFlagError('--mean/--std cannot be combined with --scale/--offset: --mean/--std already mean input = (pixel/255 - mean) / std');
  }
  if (normalise) {
    return {
      scale: 1 / 255,
      offset: 0,
      channelOrder,
      mean: f.mean ? checkChannelTriple(f.mean, '--mean') : [0, 0, 0],
      std: f.std ? checkChannelTriple(f.std, '--std', true) : [1, 1, 1],
    };
  }
  if (affine) {
    const scale = f.scale ?? 1;
    const offset = f.offset ?? 0;
    if (!Number.isFinite(scale) || scale === 0) throw new PreprocessingFlagError(`--scale must be a non-zero number, got ${scale}`);
    if (!Number.isFinite(offset)) throw new PreprocessingFlagError(`--offset must be a number, got ${offset}`);
    return { scale, offset, channelOrder };
  }
  return null;
}
