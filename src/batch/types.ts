// The data of a batch run: what an item is, what its status.json says, and the small summary the
// report reads (so `batch-report` never has to parse a whole timeline or load a NIfTI).
import type { SolveCounts } from '../engine/solveCounts.js';

export type ItemKind = 'video' | 'image' | 'volume';

/** One input of the run, as discovery found it. */
export interface BatchItem {
  /** stable folder name under --out: sanitised relative path + short hash (itemId.ts) */
  id: string;
  /** the path as the user reached it (input joined with the walked part, or the manifest's line) */
  rel: string;
  /** absolute path: a file, or a DICOM series folder */
  path: string;
  /** by extension or content; null when neither says (the item fails with that message) */
  kind: ItemKind | null;
}

/** DIR/<id>/status.json: written last, by atomic rename, so its presence means the item ended. */
export interface ItemStatus {
  status: 'done' | 'failed';
  /** one line; null when done */
  error: string | null;
  settingsHash: string;
  /** sha256 of the model's files; null when the model was never loaded (e.g. the item failed before) */
  modelSha: string | null;
  startedAt: string;
  seconds: number;
  /** what the report needs to name the item without the inputs */
  rel: string;
  kind: ItemKind | null;
}

/** A small grid of an attention map, 0..1, for the report's thumbnail. */
export interface Thumb {
  width: number;
  height: number;
  values: number[];
}

/** DIR/<id>/summary.json, written just before status.json for done items. */
export interface ItemSummary {
  kind: ItemKind;
  /** frames analysed (video), slices (volume), 1 (image) */
  units: number;
  /** analysed units per second */
  fps: number | null;
  meanIterations: number | null;
  /** the item's iterative L2-CAF maps: warm-started, cold, with the Adam phase (null: none; absent in older folders) */
  solves?: SolveCounts | null;
  meanFlicker: number | null;
  top: { label: string; score: number } | null;
  /** with --eval (videos): the first map series' clip means */
  eval: { deletionAuc: number | null; insertionAuc: number | null; drop: number | null } | null;
  /** the item's result files, relative to its folder */
  files: string[];
  thumb: Thumb | null;
  /** per analysed frame or slice: the top-1 score (the report's sparkline) */
  series: number[];
}
