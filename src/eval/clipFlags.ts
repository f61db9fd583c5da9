// For clips: how much a map jumps between analysed frames (flicker), and which frames stand out,
// either because faithfulness falls or because the map jumps. Outliers are judged against the clip
// itself with a robust rule (median and MAD, so the outliers do not hide themselves by inflating
// the spread): a frame is flagged when it lies more than `k` scaled MADs beyond the median in the
// bad direction, and by at least `minDelta` (so a near-constant clip does not flag noise). Pure.

/** Mean |a - b| of two maps of equal size (0..1 maps: 0 = identical, 1 = opposite). */
export function mapFlicker(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`mapFlicker: maps of ${a.length} and ${b.length} values`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
  return a.length ? s / a.length : 0;
}

/** Thresholds below which a change is noise whatever the clip's spread (scores are 0..1). */
export const MIN_FAITHFULNESS_DROP = 0.05;
export const MIN_FLICKER_JUMP = 0.05;

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export interface OutlierRule {
  /** 'low': small values are bad (faithfulness); 'high': large values are bad (flicker, deletion AUC) */
  bad: 'low' | 'high';
  k?: number;
  minDelta?: number;
}

/** Indices (into `series`) of the flagged values; null entries (not measured) are never flagged. */
export function flagOutliers(series: readonly (number | null)[], rule: OutlierRule): number[] {
  const k = rule.k ?? 3;
  const minDelta = rule.minDelta ?? 0;
  const vals = series.filter((v): v is number => v != null && Number.isFinite(v));
  if (vals.length < 3) return [];
  const med = median(vals);
  // 1.4826 * MAD estimates the standard deviation for normal data.
  const scale = 1.4826 * median(vals.map((v) => Math.abs(v - med)));
  const out: number[] = [];
  series.forEach((v, i) => {
    if (v == null || !Number.isFinite(v)) return;
    const excess = rule.bad === 'low' ? med - v : v - med;
    if (excess > k * scale && excess >= minDelta) out.push(i);
  });
  return out;
}
