// The evaluation table (plain text for the terminal, Markdown for the README) and the per-map CSV.
// Pure.
import type { MeanInterval } from './interval.js';
import type { MetricKey, MethodSummary } from './summarize.js';
import type { EvalRow } from './evaluateImage.js';

export const METHOD_NAMES: Record<string, string> = {
  l2caf: 'L2-CAF class-oblivious',
  'l2caf-class': 'L2-CAF class-specific',
  gradcam: 'Grad-CAM',
  cam: 'CAM',
};

const COLUMNS: { key: MetricKey; title: string; percent: boolean }[] = [
  { key: 'deletionAuc', title: 'deletion AUC (lower better)', percent: false },
  { key: 'insertionAuc', title: 'insertion AUC (higher better)', percent: false },
  { key: 'drop', title: 'avg drop % (lower better)', percent: true },
  { key: 'increase', title: 'increase % (higher better)', percent: true },
  { key: 'pointing', title: 'pointing game % (higher better)', percent: true },
  { key: 'relevanceMass', title: 'mass in box % (higher better)', percent: true },
  { key: 'iou', title: 'IoU (higher better)', percent: false },
  { key: 'localised', title: 'IoU >= 0.5 % (higher better)', percent: true },
];

export function formatInterval(m: MeanInterval, percent: boolean): string {
  if (m.n === 0) return '-';
  const f = (v: number) => (percent ? (v * 100).toFixed(1) : v.toFixed(3));
  return m.low == null ? f(m.mean) : `${f(m.mean)} [${f(m.low)}, ${f(m.high!)}]`;
}

/** Columns that have at least one value (no boxes: no localisation columns). */
function present(summaries: readonly MethodSummary[]) {
  return COLUMNS.filter((c) => summaries.some((s) => s[c.key].n > 0));
}

export function markdownTable(summaries: readonly MethodSummary[]): string {
  const cols = present(summaries);
  const head = `| method | n | ${cols.map((c) => c.title).join(' | ')} |`;
  const rule = `|---|---|${cols.map(() => '---').join('|')}|`;
  const body = summaries.map((s) => `| ${METHOD_NAMES[s.method] ?? s.method} | ${s.n} | ${cols.map((c) => formatInterval(s[c.key], c.percent)).join(' | ')} |`);
  return [head, rule, ...body].join('\n');
}

/** Aligned text: one block per method, one line per metric (the intervals do not fit in columns). */
export function textTable(summaries: readonly MethodSummary[]): string {
  const cols = present(summaries);
  const width = Math.max(...cols.map((c) => c.title.length));
  const out: string[] = [];
  for (const s of summaries) {
    out.push(`${METHOD_NAMES[s.method] ?? s.method} (${s.n} maps)`);
    for (const c of cols) out.push(`  ${c.title.padEnd(width)}  ${formatInterval(s[c.key], c.percent)}`);
  }
  return out.join('\n');
}

function csvField(v: unknown): string {
  const s = v === undefined || v === null ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function rowsCsv(rows: readonly EvalRow[]): string {
  const header = ['image', 'method', 'target_index', 'target_label', 'boxes', 'score', 'deletion_auc', 'insertion_auc', 'masked_score', 'drop', 'increase', 'pointing_hit', 'relevance_mass', 'iou', 'box_x', 'box_y', 'box_width', 'box_height'];
  const lines = rows.map((r) => {
    const m = r.metrics;
    const b = m.box ?? null;
    return [r.image, r.method, r.target?.index, r.target?.label, r.boxes, m.score, m.deletionAuc, m.insertionAuc, m.maskedScore, m.drop, m.increase, m.pointingHit, m.relevanceMass, m.iou, b?.x, b?.y, b?.width, b?.height]
      .map(csvField)
      .join(',');
  });
  return [header.join(','), ...lines].join('\n') + '\n';
}

/** One row per frame and map: the numbers over time (the clip's timeline tracks). */
export function clipCsv(frames: readonly { index: number; timeS: number; boxes: number; maps: { method: string; target: { index: number; label: string } | null; metrics: import('./evaluateMap.js').MapMetrics; flicker: number | null }[] }[]): string {
  const header = ['frame', 'time_s', 'method', 'target_index', 'target_label', 'boxes', 'pointing_hit', 'iou', 'relevance_mass', 'score', 'drop', 'deletion_auc', 'insertion_auc', 'flicker'];
  const lines: string[] = [];
  for (const f of frames)
    for (const m of f.maps) {
      const x = m.metrics;
      lines.push([f.index, f.timeS, m.method, m.target?.index, m.target?.label, f.boxes, x.pointingHit, x.iou, x.relevanceMass, x.score, x.drop, x.deletionAuc, x.insertionAuc, m.flicker].map(csvField).join(','));
    }
  return [header.join(','), ...lines].join('\n') + '\n';
}
