// Map raw intensities (Hounsfield units, MR arbitrary units...) to 0..1 for a CNN input.
// Two ways: robust percentiles (good default for MR, whose scale means nothing) or an explicit
// window level/width (CT, or the WindowCenter/WindowWidth a DICOM file suggests).

export type WindowSpec =
  | { kind: 'percentile'; lo: number; hi: number }
  | { kind: 'level'; center: number; width: number };

/** Percentile window 0.5..99.5: ignores a few extreme voxels (metal, noise) without a threshold. */
export const DEFAULT_WINDOW: WindowSpec = { kind: 'percentile', lo: 0.5, hi: 99.5 };

/**
 * What a window maps values with, found once for a scan: the W/L's bounds, or the percentiles'
 * values ('empty': no finite value to take percentiles of). Values are then mapped slice by slice
 * with applyWindow, so a one-slice replay does not select percentiles over the whole scan again.
 */
export type WindowBounds =
  | { kind: 'level'; center: number; width: number }
  | { kind: 'linear'; lo: number; hi: number }
  | { kind: 'empty' };

/** Values mapped to 0..1 (NaN -> 0). */
export function windowIntensity(values: ArrayLike<number>, spec: WindowSpec = DEFAULT_WINDOW): Float32Array {
  return applyWindow(values, windowBounds(values, spec));
}

/** The bounds of `spec` over `values` (the whole scan: percentiles are the scan's); throws on a bad spec. */
export function windowBounds(values: ArrayLike<number>, spec: WindowSpec = DEFAULT_WINDOW): WindowBounds {
  if (spec.kind === 'level') {
    const { center: c, width: w } = spec;
    if (!Number.isFinite(c) || !Number.isFinite(w) || w < 1) {
      throw new Error(`window level needs a finite center and a width >= 1 (got center ${c}, width ${w})`);
    }
    return { kind: 'level', center: c, width: w };
  }
  if (spec.kind !== 'percentile') throw new Error(`unknown window kind ${JSON.stringify((spec as { kind: unknown }).kind)}`);
  const { lo, hi } = spec;
  if (!(lo >= 0 && hi <= 100 && lo < hi)) {
    throw new Error(`percentile window needs 0 <= lo < hi <= 100 (got lo ${lo}, hi ${hi})`);
  }
  // Only two order statistics are needed, so select them (O(n)) rather than sort a whole volume.
  // Float32 input (every Volume) is selected in float32: exact, and half the memory of float64.
  const n = values.length;
  const finite = values instanceof Float32Array ? new Float32Array(n) : new Float64Array(n);
  let m = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (Number.isFinite(v)) finite[m++] = v;
  }
  if (m === 0) return { kind: 'empty' };
  const work = finite.subarray(0, m);
  return { kind: 'linear', lo: percentileBySelection(work, lo), hi: percentileBySelection(work, hi) };
}

/** Values mapped to 0..1 with bounds from windowBounds (NaN -> 0). */
export function applyWindow(values: ArrayLike<number>, b: WindowBounds): Float32Array {
  const n = values.length;
  const out = new Float32Array(n);
  if (b.kind === 'empty') return out;
  if (b.kind === 'level') {
    const { center: c, width: w } = b;
    // DICOM PS3.3 C.11.2.1.2.1 (linear VOI LUT), so a window from the file displays as the
    // scanner's viewer would show it.
    const lower = c - 0.5 - (w - 1) / 2;
    const upper = c - 0.5 + (w - 1) / 2;
    for (let i = 0; i < n; i++) {
      const x = values[i];
      if (x <= lower) out[i] = 0;
      else if (x > upper) out[i] = 1;
      else if (x > lower) out[i] = (x - (c - 0.5)) / (w - 1) + 0.5;
      // NaN falls through all comparisons and stays 0
    }
    return out;
  }
  const { lo: vlo, hi: vhi } = b;
  if (vhi <= vlo) {
    // Flat window (a constant or mostly-constant image): anything above it is foreground.
    for (let i = 0; i < n; i++) out[i] = values[i] > vlo ? 1 : 0;
    return out;
  }
  const scale = 1 / (vhi - vlo);
  for (let i = 0; i < n; i++) {
    const t = (values[i] - vlo) * scale;
    out[i] = t <= 0 ? 0 : t >= 1 ? 1 : t > 0 ? t : 0;
  }
  return out;
}

/** numpy.percentile's default ("linear") interpolation on ascending-sorted values. */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  const pos = (p / 100) * (sorted.length - 1);
  const i = Math.floor(pos);
  const frac = pos - i;
  if (i + 1 >= sorted.length) return sorted[sorted.length - 1];
  return sorted[i] + (sorted[i + 1] - sorted[i]) * frac;
}

/**
 * Same value as percentileOfSorted(sorted copy of `a`, p), found by quickselect; reorders `a`
 * (any order is fine for later calls).
 */
export function percentileBySelection(a: Float32Array | Float64Array, p: number): number {
  const pos = (p / 100) * (a.length - 1);
  const i = Math.floor(pos);
  const frac = pos - i;
  const lower = select(a, i);
  if (frac === 0 || i + 1 >= a.length) return lower;
  // After selection everything right of i is >= a[i]; the next order statistic is their minimum.
  let upper = Infinity;
  for (let j = i + 1; j < a.length; j++) if (a[j] < upper) upper = a[j];
  return lower + (upper - lower) * frac;
}

/** k-th smallest (0-based) of `a`, partially reordering `a` around it (Hoare quickselect). */
function select(a: Float32Array | Float64Array, k: number): number {
  let left = 0;
  let right = a.length - 1;
  while (right > left) {
    // median of three as pivot avoids the quadratic case on sorted input (common in images)
    const mid = (left + right) >> 1;
    const x = a[left], y = a[mid], z = a[right];
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = left;
    let j = right;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else return a[k];
  }
  return a[k];
}
