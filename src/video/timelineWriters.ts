// The timeline on disk: JSON (the Timeline object as documented in README "Video timeline JSON")
// and CSV (one row per analysed frame and map, the per-frame numbers without the map values).
// Both are written to a temporary name and renamed when complete.
import { writeFileAtomic } from '../fs/writeFileAtomic.js';
import type { Timeline } from './types.js';

/** JSON text: one line per frame, so a long timeline stays readable and diffable. */
export function timelineJson(t: Timeline): string {
  const { frames, ...rest } = t;
  const head = JSON.stringify(rest, null, 2);
  const body = frames.map((f) => '    ' + JSON.stringify(f)).join(',\n');
  // Re-insert frames as the last key of the object.
  return `${head.slice(0, -2)},\n  "frames": [\n${body}${frames.length ? '\n' : ''}  ]\n}\n`;
}

// snake_case like every CSV the CLI writes (eval, batch-report): one convention for pandas and R users
export const CSV_COLUMNS = [
  'frame', 'time_s', 'method', 'target_index', 'target_label', 'target_score', 'solver', 'iterations', 'loss',
  'warm_started', 'start', 'adam_passes', 'stop', 'centroid_x', 'centroid_y', 'entropy', 'flicker', 'top1_index', 'top1_label', 'top1_score',
  // with --eval (empty otherwise)
  'eval_score', 'deletion_auc', 'insertion_auc', 'drop', 'increase',
] as const;

/** RFC 4180 quoting where needed. */
function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function timelineCsv(t: Timeline): string {
  // A cancelled run's CSV says so like its JSON ("partial": true): a last column, true on every row.
  const partial = t.partial === true;
  const rows: string[] = [[...CSV_COLUMNS, ...(partial ? ['partial'] : [])].join(',')];
  for (const f of t.frames) {
    const top = f.predictions[0];
    for (const m of f.maps) {
      rows.push(
        [
          f.index, f.timeS, m.method, m.target?.index, m.target?.label, m.targetScore, m.solver, m.iterations, m.loss,
          m.warmStarted, m.start, m.adamPasses, m.stop, m.centroid.x, m.centroid.y, m.entropy, m.flicker, top?.index, top?.label, top?.score,
          m.eval?.score, m.eval?.deletionAuc, m.eval?.insertionAuc, m.eval?.drop, m.eval?.increase,
          ...(partial ? [true] : []),
        ]
          .map(cell)
          .join(','),
      );
    }
  }
  return rows.join('\n') + '\n';
}

async function write(file: string, text: string, what: string): Promise<void> {
  try {
    await writeFileAtomic(file, text);
  } catch (e) {
    throw new Error(`${file}: cannot write the ${what} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

export async function writeTimelineJson(file: string, t: Timeline): Promise<void> {
  if (file === '-') {
    process.stdout.write(timelineJson(t));
    return;
  }
  await write(file, timelineJson(t), 'timeline JSON');
}

export async function writeTimelineCsv(file: string, t: Timeline): Promise<void> {
  if (file === '-') {
    process.stdout.write(timelineCsv(t));
    return;
  }
  await write(file, timelineCsv(t), 'timeline CSV');
}
