// The report as one self-contained HTML page: no script, no external file, so it works opened
// from disk and attached to a mail. Each item's attention thumbnail is an inline PNG (data URI,
// colour-mapped), its timeline an inline SVG sparkline. Pure.
import { solveCountsWords } from '../contract/solveStop.js';
import { getColormap } from '../media/colormaps.js';
import { encodePng } from '../media/png.js';
import type { BatchReport, ReportItem, ReportSummary } from './report.js';
import type { Thumb } from './types.js';

const PIXELS = 4; // each thumbnail cell drawn as PIXELS x PIXELS, so the PNG stays crisp where pixelated scaling is not supported
const SHOWN = 96; // displayed width in CSS pixels

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The thumbnail as a data: URI of a jet-coloured PNG. */
export function thumbDataUri(t: Thumb): string {
  const lut = getColormap('jet');
  const w = t.width * PIXELS;
  const h = t.height * PIXELS;
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = t.values[Math.floor(y / PIXELS) * t.width + Math.floor(x / PIXELS)] ?? 0;
      const k = Math.max(0, Math.min(255, Math.round(v * 255))) * 3;
      data.set([lut[k]!, lut[k + 1]!, lut[k + 2]!], (y * w + x) * 3);
    }
  }
  return `data:image/png;base64,${encodePng({ width: w, height: h, data }).toString('base64')}`;
}

/** An inline SVG polyline of the series (min-max scaled); empty for fewer than two points. */
export function sparkline(series: readonly number[], width = 160, height = 32): string {
  if (series.length < 2) return '';
  let lo = Math.min(...series);
  let hi = Math.max(...series);
  if (hi - lo < 1e-9) {
    lo -= 0.5;
    hi += 0.5;
  }
  const pts = series.map((v, i) => `${((i / (series.length - 1)) * (width - 2) + 1).toFixed(1)},${(height - 1 - ((v - lo) / (hi - lo)) * (height - 2)).toFixed(1)}`);
  return `<svg class="spark" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="top-1 score per ${series.length} steps"><polyline fill="none" stroke="#2563eb" stroke-width="1.5" points="${pts.join(' ')}"/></svg>`;
}

const num = (v: number | null, d = 3): string => (v === null ? '–' : v.toFixed(d));

/** the L2-CAF maps solved iteratively: how many started warm, cold, ran the Adam phase (L-BFGS could not certify) */
const solvesText = (c: ReportSummary['solves']): string => (c ? ` (L2-CAF maps: ${solveCountsWords(c)})` : '');

function itemRow(it: ReportItem): string {
  // shown at one width whatever the grid (a 14x14 map and a 32x32 projection side by side)
  const img = it.thumb
    ? `<img alt="attention of ${escapeHtml(it.rel ?? it.id)}" src="${thumbDataUri(it.thumb)}" width="${SHOWN}" height="${Math.round((SHOWN * it.thumb.height) / it.thumb.width)}">`
    : '';
  const top = it.top ? `${escapeHtml(it.top.label)} (${it.top.score.toFixed(3)})` : '–';
  const evalText = it.eval ? `del ${num(it.eval.deletionAuc)} / ins ${num(it.eval.insertionAuc)}` : '';
  const detail = it.status === 'failed' || it.note ? `<span class="err">${escapeHtml(it.error ?? it.note ?? '')}</span>` : evalText;
  return (
    `<tr class="${it.status}"><td>${img}</td><td><b>${escapeHtml(it.rel ?? it.id)}</b><br><small>${escapeHtml(it.id)}</small></td>` +
    `<td>${it.kind ?? '?'}</td><td>${it.status}</td><td>${it.units ?? '–'}</td><td>${num(it.fps, 1)}</td><td>${num(it.meanIterations, 1)}</td>` +
    `<td>${num(it.meanFlicker, 4)}</td><td>${top}</td><td>${sparkline(it.series)}</td><td>${detail}</td></tr>`
  );
}

export function reportHtml(r: BatchReport, title = 'l2caf batch report'): string {
  const s = r.summary;
  const head =
    `<p>${s.items} item(s): <b>${s.done} done</b>, <b class="err">${s.failed} failed</b>, ${s.pending} pending${s.damaged ? ` (${s.damaged} damaged)` : ''}; ` +
    `${s.frames} frames, ${s.slices} slices, ${s.images} images; mean iterations ${num(s.meanIterations, 1)}${solvesText(s.solves)}, mean flicker ${num(s.meanFlicker, 4)}; ${s.seconds.toFixed(1)} s of work.</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
body{font:14px system-ui,sans-serif;margin:1.5em;color:#111}
table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:middle}
tr.failed{background:#fef2f2}tr.pending{background:#fffbeb}.err{color:#b91c1c}img{image-rendering:pixelated;display:block}
</style></head><body>
<h1>${escapeHtml(title)}</h1>
${head}
<table><thead><tr><th>attention</th><th>item</th><th>kind</th><th>status</th><th>frames/slices</th><th>fps</th><th>mean iterations</th><th>mean flicker</th><th>top prediction</th><th>timeline (top-1 score)</th><th>eval / error</th></tr></thead>
<tbody>
${r.items.map(itemRow).join('\n')}
</tbody></table>
</body></html>
`;
}
