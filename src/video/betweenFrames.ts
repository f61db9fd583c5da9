// Which analysed map to draw on a source frame when a stride leaves frames without one: the
// nearest analysed frame in time, or a blend of the two around it (linear in time). Pure.

export interface MapPick {
  /** index into the analysed frames */
  a: number;
  b: number;
  /** weight of b (0 = only a) */
  t: number;
}

/** First i with times[i] >= x (times ascending). */
function lowerBound(times: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The analysed frames (by their times, ascending) that give the map at time `timeS`. */
export function pickMaps(times: ArrayLike<number>, timeS: number, mode: 'nearest' | 'blend'): MapPick {
  const n = times.length;
  if (n === 0) throw new RangeError('pickMaps: no analysed frames');
  const j = lowerBound(times, timeS - 1e-9);
  if (j === 0) return { a: 0, b: 0, t: 0 };
  if (j >= n) return { a: n - 1, b: n - 1, t: 0 };
  const ta = times[j - 1]!;
  const tb = times[j]!;
  if (Math.abs(tb - timeS) <= 1e-9) return { a: j, b: j, t: 0 };
  const t = (timeS - ta) / (tb - ta);
  if (mode === 'nearest') return t < 0.5 ? { a: j - 1, b: j - 1, t: 0 } : { a: j, b: j, t: 0 };
  return { a: j - 1, b: j, t };
}

/** (1 - t) a + t b, elementwise. */
export function blendMaps(a: ArrayLike<number>, b: ArrayLike<number>, t: number): Float32Array {
  if (a.length !== b.length) throw new RangeError(`blendMaps: maps of ${a.length} and ${b.length} values`);
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (1 - t) * a[i]! + t * b[i]!;
  return out;
}
