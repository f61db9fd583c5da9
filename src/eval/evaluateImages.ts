// Many images, one model: every image's rows plus the per-method summary, as `l2caf eval` writes
// them (JSON) and the comparison script prints them. Methods that do not apply to the model's head
// (CAM needs global average pooling) are dropped from the default set and refused when asked for.
import type { Method } from '../attention/types.js';
import { UsageError } from '../engine/targets.js';
import { currentBackend, enginesOf } from '../engine/backend.js';
import type { LoadedModel } from '../models/loadModel.js';
import type { SplitModel } from '../models/split.js';
import type { BoxTable } from './boxTable.js';
import { evaluateImageFile, type EvalImageOptions, type EvalRow } from './evaluateImage.js';
import { splitForward } from './forward.js';
import { summarize, type MethodSummary } from './summarize.js';

export const ALL_METHODS: readonly Method[] = ['l2caf', 'l2caf-class', 'gradcam', 'cam'];

export interface EvalReport {
  model: { id: string; layer: string; backend: string; engines: string; outputKind: string };
  settings: {
    methods: Method[];
    steps: number;
    baseline: string;
    batchSize: number;
    boxFraction: number;
    tolerance: number;
    boxes: string | null;
    interval: string;
  };
  summary: MethodSummary[];
  rows: EvalRow[];
  /** images the boxes file says nothing about (scored without localisation) */
  imagesWithoutBoxes: string[];
}

/** The methods to evaluate: the requested ones, or every method that applies to this head. */
export function applicableMethods(requested: readonly Method[] | undefined, gapHead: boolean): Method[] {
  if (!requested || requested.length === 0) return ALL_METHODS.filter((m) => m !== 'cam' || gapHead);
  if (requested.includes('cam') && !gapHead) {
    throw new UsageError('--method cam: CAM needs a head of global average pooling and affine layers; this layer\'s head is not (use gradcam)');
  }
  return [...new Set(requested)];
}

export async function evaluateImages(
  model: LoadedModel,
  split: SplitModel,
  files: readonly string[],
  opts: Omit<EvalImageOptions, 'boxes' | 'boxesSource'> & { boxes: BoxTable | null },
  onImage?: (file: string, i: number, rows: EvalRow[]) => void,
): Promise<EvalReport> {
  const forward = splitForward(split);
  const rows: EvalRow[] = [];
  const without: string[] = [];
  for (const [i, file] of files.entries()) {
    const boxes = opts.boxes ? opts.boxes.lookup(file) : null;
    if (opts.boxes && !boxes) without.push(file);
    const r = await evaluateImageFile(model, split, file, { ...opts, boxes, boxesSource: opts.boxes?.source }, forward);
    rows.push(...r);
    onImage?.(file, i, r);
  }
  return {
    model: { id: model.id, layer: split.layer, backend: currentBackend(), engines: enginesOf(model.format), outputKind: model.outputKind },
    settings: {
      methods: opts.methods,
      steps: opts.metrics.steps,
      baseline: opts.baseline,
      batchSize: opts.metrics.batchSize,
      boxFraction: opts.metrics.boxFraction,
      tolerance: opts.metrics.tolerance,
      boxes: opts.boxes?.source ?? null,
      interval: "95% Student t interval of the mean over maps (image x target)",
    },
    summary: summarize(rows),
    rows,
    imagesWithoutBoxes: without,
  };
}
