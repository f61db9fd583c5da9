// Features, logits, losses and maps must be numbers (src/models/nonFinite.ts): else the run fails
// naming the model and where, instead of going on with NaN scores and all-zero maps. Shared by the
// image, video frame and volume slice paths.
import type { AttentionMap } from '../attention/types.js';
import { ModelFileError } from '../models/fileHandler.js';
import { nonFiniteProblem } from '../models/nonFinite.js';

export function failIfNonFinite(model: string, what: string, values: ArrayLike<number>): void {
  const problem = nonFiniteProblem(model, what, values);
  if (problem) throw new ModelFileError(problem);
}

export function failIfNonFiniteMaps(model: string, maps: readonly AttentionMap[]): void {
  for (const m of maps) {
    // Grad-CAM and CAM have no loss (NaN by design)
    if (m.method === 'l2caf' || m.method === 'l2caf-class') failIfNonFinite(model, `the ${m.method} loss`, [m.loss]);
    failIfNonFinite(model, `the ${m.method} map`, m.raw);
  }
}
