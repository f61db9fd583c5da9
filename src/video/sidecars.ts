// The timeline beside an exported clip: `<clip>.timeline.json` and `<clip>.timeline.csv`, so a
// shared clip keeps its per-frame numbers (iterations, flicker and, with --eval, faithfulness).
// For a PNG-sequence export (a folder) they go inside the folder as timeline.json/.csv.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { writeTimelineCsv, writeTimelineJson } from './timelineWriters.js';
import type { Timeline } from './types.js';

export interface SidecarPaths {
  json: string;
  csv: string;
}

export async function sidecarPaths(out: string): Promise<SidecarPaths> {
  const isDir = await stat(out).then((s) => s.isDirectory(), () => false);
  if (isDir) return { json: path.join(out, 'timeline.json'), csv: path.join(out, 'timeline.csv') };
  return { json: `${out}.timeline.json`, csv: `${out}.timeline.csv` };
}

/** Writes both sidecars (each to a temporary name, then renamed) and returns their paths. */
export async function writeTimelineSidecars(out: string, timeline: Timeline): Promise<SidecarPaths> {
  const p = await sidecarPaths(out);
  await writeTimelineJson(p.json, timeline);
  await writeTimelineCsv(p.csv, timeline);
  return p;
}
