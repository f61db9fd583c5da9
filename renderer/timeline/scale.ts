// Pure helpers for drawing the timeline: time <-> x, track value scaling.

export function timeToX(t: number, duration: number, width: number): number {
  return duration > 0 ? (Math.min(Math.max(t, 0), duration) / duration) * width : 0;
}

export function xToTime(x: number, duration: number, width: number): number {
  return width > 0 ? Math.min(Math.max(x / width, 0), 1) * duration : 0;
}

/** [min, max] of the finite values, widened when flat so that a line is drawn mid-track. */
export function extent(values: readonly (number | null)[]): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v === null || !Number.isFinite(v)) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (lo === Infinity) return null;
  if (hi - lo < 1e-12) return [lo - 1, hi + 1];
  return [lo, hi];
}

/** y of a value in a track from top y0 of height hgt (max at the top). */
export function valueToY(v: number, ext: [number, number], y0: number, hgt: number): number {
  return y0 + hgt - ((v - ext[0]) / (ext[1] - ext[0])) * hgt;
}
