// track.csv: the ground-truth box of a clip over time, one row per frame:
//   frame,x,y,width,height[,label]   or   time,x,y,width,height[,label]
// (also xmin,ymin,xmax,ymax; w/h; seconds for time), in the video's own pixels. Several rows for
// one frame give several boxes. Frames without a row have no ground truth and are not scored.
import { NotRegularFileError, readRegularFile } from '../fs/regularFile.js';
import { boxFromFields } from './boxFields.js';
import { parseCsvFile } from './csv.js';
import { BOX_COLUMNS, headerOf, rowFields } from './readBoxesCsv.js';
import type { EvalBox } from './types.js';

export interface TrackEntry {
  /** frame index in the clip (0 = first frame), when the file is keyed by frame */
  frame: number | null;
  /** seconds, when keyed by time */
  timeS: number | null;
  boxes: EvalBox[];
}

export interface Track {
  file: string;
  key: 'frame' | 'time';
  entries: TrackEntry[];
}

export function parseTrackCsv(text: string, file: string): Track {
  const rows = parseCsvFile(text, file);
  if (rows.length < 2) throw new Error(`${file}: expected a header row (frame or time, x, y, width, height) and at least one box`);
  const names = headerOf(rows[0]!.fields, file, [['frame', 'time'], ...BOX_COLUMNS]);
  const key = names.includes('frame') ? 'frame' : 'time';
  const byKey = new Map<number, TrackEntry>();
  for (const r of rows.slice(1)) {
    const f = rowFields(names, r.fields);
    const where = `${file}, line ${r.line}`;
    const k = Number(f[key]);
    if (!Number.isFinite(k) || k < 0 || (key === 'frame' && !Number.isInteger(k))) {
      throw new Error(`${where}: "${key}" must be a ${key === 'frame' ? 'frame index (0, 1, ...)' : 'time in seconds'}, got "${String(f[key] ?? '')}"`);
    }
    const e = byKey.get(k) ?? { frame: key === 'frame' ? k : null, timeS: key === 'time' ? k : null, boxes: [] };
    e.boxes.push(boxFromFields(f, where));
    byKey.set(k, e);
  }
  const entries = [...byKey.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]);
  return { file, key, entries };
}

export async function readTrack(file: string): Promise<Track> {
  // readRegularFile, not readFile: a FIFO given as --track would block the read for good.
  const bytes = await readRegularFile(file).catch((e: NodeJS.ErrnoException) => {
    if (e instanceof NotRegularFileError) throw new Error(`${file}: ${e.message}`);
    throw new Error(`${file}: cannot read the track (${e.code === 'ENOENT' ? 'no such file' : e.code ?? e.message})`);
  });
  return parseTrackCsv(bytes.toString('utf8'), file);
}

/**
 * The boxes of a decoded frame: by index, or (time-keyed tracks) the row nearest in time within
 * half a frame interval. Null when the track says nothing about that frame.
 */
export function boxesAt(track: Track, frame: { index: number; timeS: number }, frameIntervalS: number): EvalBox[] | null {
  if (track.key === 'frame') return track.entries.find((e) => e.frame === frame.index)?.boxes ?? null;
  let best: TrackEntry | null = null;
  for (const e of track.entries) if (!best || Math.abs(e.timeS! - frame.timeS) < Math.abs(best.timeS! - frame.timeS)) best = e;
  return best && Math.abs(best.timeS! - frame.timeS) <= frameIntervalS / 2 + 1e-6 ? best.boxes : null;
}
