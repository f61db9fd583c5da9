// Mean and 95% confidence interval of a metric over images (or frames): Student's t interval,
// mean +- t_{0.975, n-1} * s / sqrt(n), with s the sample standard deviation. t rather than a
// bootstrap: it is deterministic (the same table every run) and exact for normal data; for the
// bounded 0/1 pointing-game hits it is the usual Wald-type approximation. Pure.
import { studentTQuantile } from './studentT.js';

export interface MeanInterval {
  n: number;
  mean: number;
  /** null when n < 2 (no spread to estimate) */
  low: number | null;
  high: number | null;
}

/**
 * `bounds`: the metric's possible range (e.g. [0, 1] for shares); the interval is clipped to it, as a
 * t interval of a bounded quantity can otherwise reach impossible values for small n.
 */
export function meanInterval(xs: readonly number[], level = 0.95, bounds: [number, number] = [-Infinity, Infinity]): MeanInterval {
  const v = xs.filter((x) => Number.isFinite(x));
  const n = v.length;
  if (n === 0) return { n: 0, mean: NaN, low: null, high: null };
  const mean = v.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { n, mean, low: null, high: null };
  const s2 = v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
  const half = studentTQuantile(1 - (1 - level) / 2, n - 1) * Math.sqrt(s2 / n);
  return { n, mean, low: Math.max(bounds[0], mean - half), high: Math.min(bounds[1], mean + half) };
}
