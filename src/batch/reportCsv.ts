// The report as CSV: one row per item, the numbers only (no thumbnail or series). Pure.
import type { BatchReport, ReportItem } from './report.js';

export const REPORT_COLUMNS = [
  'id', 'path', 'kind', 'status', 'units', 'fps', 'mean_iterations', 'warm', 'cold', 'adam_phase', 'at_limit', 'mean_flicker', 'top_label', 'top_score',
  'deletion_auc', 'insertion_auc', 'drop', 'seconds', 'started_at', 'settings_hash', 'model_sha', 'error', 'note',
] as const;

export function csvCell(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function row(it: ReportItem): (string | number | null)[] {
  return [
    it.id, it.rel, it.kind, it.status, it.units, it.fps, it.meanIterations, it.solves?.warm ?? null, it.solves?.cold ?? null, it.solves?.adamPhase ?? null, it.solves ? (it.solves.atLimit ?? 0) : null, it.meanFlicker, it.top?.label ?? null, it.top?.score ?? null,
    it.eval?.deletionAuc ?? null, it.eval?.insertionAuc ?? null, it.eval?.drop ?? null, it.seconds, it.startedAt, it.settingsHash, it.modelSha, it.error, it.note,
  ];
}

export function reportCsv(r: BatchReport): string {
  return [REPORT_COLUMNS.join(','), ...r.items.map((it) => row(it).map(csvCell).join(','))].join('\n') + '\n';
}
