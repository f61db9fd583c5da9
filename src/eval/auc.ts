// Area under a curve sampled at evenly spaced fractions 0, 1/k, ..., 1 (trapezoid rule), as in
// RISE's deletion/insertion metrics. Pure.
export function curveAuc(ys: ArrayLike<number>): number {
  const k = ys.length - 1;
  if (k < 1) throw new RangeError(`curveAuc: need at least 2 points, got ${ys.length}`);
  let s = 0;
  for (let i = 0; i < k; i++) s += (ys[i]! + ys[i + 1]!) / 2;
  return s / k;
}
