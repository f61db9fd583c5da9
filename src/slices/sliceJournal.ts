// A volume job's progress on disk, so that an interrupted scan resumes at the slice it stopped at
// instead of its first (batch runs: a SIGTERM from the scheduler, a node lost). One JSON line per
// finished slice, appended as slices finish: the slice's record, each map at the layer's
// resolution (small: 14 x 14 values where the voxel grid would be 256 x 256) and the L2-CAF
// filters the next slice warm-starts from. The first line names the job (settings and scan); a
// journal of another job, a torn last line or a line out of order ends what is trusted.
import { appendFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../fs/writeFileAtomic.js';
import type { JournalSlice, SliceResume } from './types.js';
import { makeDirs } from '../fs/makeDirs.js';

export type { JournalMap, JournalSlice, SliceResume } from './types.js';

/** Complete, in-order slices of the job named `key` (pure). */
export function parseJournal(text: string, key: string): JournalSlice[] {
  const lines = text.split('\n');
  // The last element is '' after a final newline, or a torn line: either way not complete.
  const complete = lines.slice(0, -1);
  let header: unknown;
  try {
    header = JSON.parse(complete[0] ?? '');
  } catch {
    return [];
  }
  if ((header as { key?: unknown })?.key !== key) return [];
  const out: JournalSlice[] = [];
  for (const line of complete.slice(1)) {
    let e: JournalSlice;
    try {
      e = JSON.parse(line) as JournalSlice;
    } catch {
      break;
    }
    if (!e || typeof e.index !== 'number' || typeof e.axis !== 'string' || !e.record || !Array.isArray(e.record.maps)) break;
    if (!Array.isArray(e.maps) || e.maps.length !== e.record.maps.length || typeof e.params !== 'object' || e.params === null) break;
    out.push(e);
  }
  return out;
}

/**
 * Opens the journal at `file` for the job `key`: what it holds for that job, and an appender. A
 * journal of another job is started again.
 */
export async function openSliceJournal(file: string, key: string): Promise<SliceResume> {
  const text = await readFile(file, 'utf8').catch(() => null);
  const done = text === null ? [] : parseJournal(text, key);
  await makeDirs(path.dirname(file));
  // Rewritten with only the trusted part, so a torn line is not followed by good ones.
  const kept = [JSON.stringify({ key }), ...done.map((d) => JSON.stringify(d))].join('\n') + '\n';
  await writeFileAtomic(file, kept);
  // Best effort: a journal that cannot be written (disk full) costs the resume, not the job.
  let writable = true;
  return {
    done,
    append: async (entry) => {
      if (!writable) return;
      await appendFile(file, JSON.stringify(entry) + '\n').catch(() => (writable = false));
    },
  };
}
