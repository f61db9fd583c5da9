// Per-method summaries of evaluation rows: mean and 95% t interval of every metric. Pure.
import type { Method } from '../attention/types.js';
import { meanInterval, type MeanInterval } from './interval.js';
import type { MapMetrics } from './evaluateMap.js';

export interface MethodSummary {
  method: Method;
  /** maps evaluated (image x target) */
  n: number;
  deletionAuc: MeanInterval;
  insertionAuc: MeanInterval;
  /** average drop, as a fraction (x100 = the paper's %) */
  drop: MeanInterval;
  /** share of maps whose masked input scored higher */
  increase: MeanInterval;
  pointing: MeanInterval;
  relevanceMass: MeanInterval;
  iou: MeanInterval;
  /** share with IoU >= 0.5 (localisation accuracy in CAM's protocol, given the right class) */
  localised: MeanInterval;
}

export const METRIC_KEYS = ['deletionAuc', 'insertionAuc', 'drop', 'increase', 'pointing', 'relevanceMass', 'iou', 'localised'] as const;
export type MetricKey = (typeof METRIC_KEYS)[number];

function pick(m: MapMetrics, k: MetricKey): number | undefined {
  switch (k) {
    case 'pointing':
      return m.pointingHit === undefined ? undefined : Number(m.pointingHit);
    case 'increase':
      return m.increase === undefined ? undefined : Number(m.increase);
    case 'localised':
      return m.iou === undefined ? undefined : Number(m.iou >= 0.5);
    default:
      return m[k];
  }
}

/** Summaries in the order methods first appear in `rows`. */
export function summarize(rows: readonly { method: Method; metrics: MapMetrics }[]): MethodSummary[] {
  const methods = [...new Set(rows.map((r) => r.method))];
  return methods.map((method) => {
    const mine = rows.filter((r) => r.method === method);
    const s = { method, n: mine.length } as MethodSummary;
    for (const k of METRIC_KEYS) {
      const values = mine.map((r) => pick(r.metrics, k)).filter((v): v is number => v !== undefined);
      // Every metric is a probability, share or IoU in 0..1, except the curves of an embedding
      // model (cosine similarity, -1..1).
      s[k] = meanInterval(values, 0.95, [values.some((v) => v < 0) ? -1 : 0, 1]);
    }
    return s;
  });
}
