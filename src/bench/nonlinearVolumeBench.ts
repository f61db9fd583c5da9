// The volume part of the non-linear-head section of `npm run bench` (issue 15, item 4: warm starts
// that pay, "same for slices of a volume"): someones_anatomy.nii.gz slice by slice along its
// acquisition axis at darknet-tiny's leaky_re_lu_13, default options, backbone in this thread.
// For each L2-CAF variant, warm chain against --no-warm-start in the same run: slices/s (and the
// ratio to Grad-CAM's), head passes a slice, their warm/cold ratio (goal <= 1/3), and the mean loss
// of both (lower is better: the warm chain must not buy its speed with worse optima). Variants:
// class-oblivious, class-specific for each slice's top-1 (the class changes from slice to slice,
// and a slice whose class changed starts cold), and class-specific for one class that is no
// slice's top-1, so that every slice after the first is warm-started. Then the last of these again
// with backbone and solves on worker threads (every core; warm chains in contiguous chunks, one per
// worker), against Grad-CAM on the same workers.
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Method } from '../attention/types.js';
import { openModel } from '../engine/openModel.js';
import type { LoadedModel } from '../models/loadModel.js';
import { analyzeVolume } from '../slices/analyzeVolume.js';
import type { VolumeAnalysis } from '../slices/types.js';
import { readVolume } from '../volume/readVolume.js';
import type { Volume } from '../volume/types.js';
import { round } from './stats.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SCAN = path.join(root, '..', 'shared', 'fixtures', 'volumes', 'someones_anatomy.nii.gz');
/** A class no slice of the scan ranks first (checked below): 746, "shower curtain". */
const FIXED_CLASS = 746;

interface Variant {
  name: string;
  methods: Method[];
  classes: number[];
}

const VARIANTS: Variant[] = [
  { name: 'l2caf', methods: ['l2caf'], classes: [] },
  { name: 'l2caf-class, each slice\'s top-1', methods: ['l2caf-class'], classes: [] },
  { name: `l2caf-class, class ${FIXED_CLASS}`, methods: ['l2caf-class'], classes: [FIXED_CLASS] },
];

/** Passes a slice over the slices the warm run warm-started, in both runs (same slice order); null when none was. */
function warmStartedOnly(warm: VolumeAnalysis, cold: VolumeAnalysis): { warm: number; cold: number; n: number } | null {
  const idx = warm.slices.map((s, i) => (s.warmStarted ? i : -1)).filter((i) => i >= 0);
  if (idx.length === 0) return null;
  const mean = (a: VolumeAnalysis): number => idx.reduce((t, i) => t + a.slices[i]!.iterations, 0) / idx.length;
  return { warm: mean(warm), cold: mean(cold), n: idx.length };
}

function meanLoss(a: VolumeAnalysis): number {
  const ls = a.slices.flatMap((s) => s.maps.map((m) => m.loss)).filter((l): l is number => typeof l === 'number');
  return ls.reduce((s, l) => s + l, 0) / ls.length;
}

async function run(model: LoadedModel, volume: Volume, layer: string, methods: Method[], classes: number[], warmStart: boolean, workers = 0): Promise<VolumeAnalysis> {
  return analyzeVolume({ volume, model, layer, methods, classes, warmStart, workers, workerModel: { model: 'darknet-tiny' } });
}

/** Prints the lines; returns nothing (the section's figures are read, not asserted). */
export async function nonlinearVolumeFigures(layer: string): Promise<void> {
  if (!existsSync(SCAN)) {
    console.log(`  volume: skipped (${SCAN} missing)`);
    return;
  }
  const volume = await readVolume(SCAN);
  const model = await openModel({ model: 'darknet-tiny' });
  try {
    const g = await run(model, volume, layer, ['gradcam'], [], true);
    const tops = new Set(g.slices.map((s) => s.predictions[0]?.index));
    const fixedOk = !tops.has(FIXED_CLASS);
    console.log(
      `  ${path.basename(SCAN)} (${g.slices.length} slices along ${g.slices[0]?.axis}, darknet-tiny, backbone in this thread): Grad-CAM ${round(g.summary.fps)} slices/s` +
        (fixedOk ? '' : ` (class ${FIXED_CLASS} is some slice's top-1 here: its line below is not the all-warm case)`),
    );
    for (const v of VARIANTS) {
      const warm = await run(model, volume, layer, v.methods, v.classes, true);
      const cold = await run(model, volume, layer, v.methods, v.classes, false);
      const w = warm.summary;
      const c = cold.summary;
      const ratio = w.meanIterations / c.meanIterations;
      const only = warmStartedOnly(warm, cold);
      const counts = (s: typeof w): string => (s.solves ? `${s.solves.warm} warm, ${s.solves.cold} cold, the Adam phase on ${s.solves.adamPhase}` : 'no iterative maps');
      console.log(
        `    ${v.name}: warm ${round(w.fps)} slices/s (${round(w.fps / g.summary.fps)}x Grad-CAM), ${round(w.meanIterations, 1)} passes/slice (${counts(w)}), mean loss ${meanLoss(warm).toPrecision(6)} | ` +
          `cold ${round(c.fps)} slices/s (${round(c.fps / g.summary.fps)}x), ${round(c.meanIterations, 1)} passes/slice (${counts(c)}), mean loss ${meanLoss(cold).toPrecision(6)} | ` +
          `warm/cold passes ${round(ratio)}; goal <= 1/3: ${ratio <= 1 / 3 ? 'met' : 'NOT met'}` +
          (only && only.n < warm.slices.length ? ` (the ${only.n} warm-started slices alone: ${round(only.warm, 1)} vs ${round(only.cold, 1)} cold, ${round(only.warm / only.cold)})` : ''),
      );
    }
    const n = os.availableParallelism();
    const gw = await run(model, volume, layer, ['gradcam'], [], true, n);
    const lw = await run(model, volume, layer, ['l2caf-class'], [FIXED_CLASS], true, n);
    console.log(
      `    on ${n} workers: Grad-CAM ${round(gw.summary.fps)} slices/s, l2caf-class, class ${FIXED_CLASS}, warm chains ${round(lw.summary.fps)} slices/s ` +
        `(${round(lw.summary.fps / gw.summary.fps)}x Grad-CAM), ${round(lw.summary.meanIterations, 1)} passes/slice (${lw.summary.solves?.warm ?? 0} warm, ${lw.summary.solves?.cold ?? 0} cold), mean loss ${meanLoss(lw).toPrecision(6)}`,
    );
  } finally {
    model.dispose();
  }
}
