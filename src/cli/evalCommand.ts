// `l2caf eval IMAGES...`: how faithful (deletion/insertion, confidence drop/increase) and, with
// ground-truth boxes, how well localised (pointing game, mass in box, IoU) each method's maps are,
// as a table of means with 95% intervals; JSON and CSV on request.
import { Command } from 'commander';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Method, SolverChoice } from '../attention/types.js';
import { defaultSolveOptions } from '../attention/index.js';
import { UsageError } from '../engine/targets.js';
import { BASELINES } from '../eval/baselines.js';
import { DEFAULT_METRIC_OPTIONS } from '../eval/evaluateMap.js';
import { applicableMethods, evaluateImages } from '../eval/evaluateImages.js';
import { rowsCsv, textTable } from '../eval/formatReport.js';
import { headLinearity } from '../eval/headLinearity.js';
import { readBoxes } from '../eval/readBoxes.js';
import type { Baseline } from '../eval/types.js';
import { writeFileAtomic } from '../fs/writeFileAtomic.js';
import { addModelOptions, loadFromFlags, type ModelCliOptions } from './modelOptions.js';
import { METHODS, PRESETS, SOLVERS, intArg, numberArg, oneOf, repeatable, type Preset } from './options.js';
import { writeJsonAtomic } from '../fs/writeJson.js';
import { checkOutputs, JSON_EXT, CSV_EXT } from './outputChecks.js';
import { printWritten } from './wrote.js';

interface EvalCliOptions extends ModelCliOptions {
  method?: Method[];
  class?: string[];
  boxes?: string;
  steps: number;
  baseline: Baseline;
  batch: number;
  boxFraction: number;
  tolerance: number;
  curves: boolean;
  solver: SolverChoice;
  preset: Preset;
  json?: string;
  csv?: string;
}

const IMAGE_EXT = /\.(png|jpe?g|webp|bmp|tiff?|gif)$/i;

/** Files as given; a folder stands for the images in it (by extension, sorted). */
export async function expandImages(args: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const a of args) {
    const st = await stat(a).catch(() => null);
    if (!st) throw new Error(`${a}: no such file or folder`);
    if (!st.isDirectory()) out.push(a);
    else {
      const names = (await readdir(a)).filter((n) => IMAGE_EXT.test(n)).sort();
      if (names.length === 0) throw new Error(`${a}: no images in this folder`);
      out.push(...names.map((n) => path.join(a, n)));
    }
  }
  return out;
}

export function evalCommand(): Command {
  return addModelOptions(new Command('eval'))
    .description('score the maps: deletion/insertion AUC, confidence drop/increase; with --boxes, pointing game, mass in box and IoU')
    .argument('<images...>', 'image files or folders of images')
    .option('--method <m>', `method, repeatable: ${METHODS.join(', ')} (default: all that apply)`, repeatable(oneOf(METHODS, 'method')))
    .option('--class <c>', 'target class (label or index), repeatable (default: the boxes\' labels, else the top-1 class)', repeatable(String))
    .option('--boxes <file|dir>', 'ground truth: boxes.json, boxes.csv or a folder of Pascal VOC .xml files')
    .option('--steps <k>', 'deletion/insertion steps (k + 1 forward passes per curve)', intArg(1, 10000), DEFAULT_METRIC_OPTIONS.steps)
    .option('--baseline <b>', `what deleted pixels become: ${BASELINES.join(', ')}`, oneOf(BASELINES, 'baseline'), 'blur')
    .option('--batch <n>', 'forward passes per call', intArg(1, 1024), DEFAULT_METRIC_OPTIONS.batchSize)
    .option('--box-fraction <x>', 'box from map: threshold at this fraction of the maximum', numberArg(0, 1), DEFAULT_METRIC_OPTIONS.boxFraction)
    .option('--tolerance <px>', 'pointing game tolerance in model-input pixels', numberArg(0), 0)
    .option('--no-curves', 'skip deletion/insertion (localisation and confidence only; fast)')
    .option('--solver <s>', 'L2-CAF solver: auto, iterative or exact', oneOf(SOLVERS, 'solver'), 'auto')
    .option('--preset <p>', 'L2-CAF stopping rule: paper or converged', oneOf(PRESETS, 'preset'), 'paper')
    .option('--json <file>', 'write every map\'s metrics and the summary as JSON ("-" for stdout)')
    .option('--csv <file>', 'write one row per map (image x method x target) as CSV')
    .action(async (images: string[], o: EvalCliOptions) => {
      const files = await expandImages(images);
      await checkOutputs([...files, o.boxes, o.model], [{ file: o.json, what: 'JSON', extensions: JSON_EXT }, { file: o.csv, what: 'CSV', extensions: CSV_EXT }]);
      const boxes = o.boxes ? await readBoxes(o.boxes) : null;
      const { model } = await loadFromFlags(o);
      try {
        const split = model.split(o.layer);
        const gap = (await headLinearity(model, split)) === 'gap-affine';
        const methods = applicableMethods(o.method, gap);
        if (!o.method && !gap) process.stderr.write('l2caf: note: CAM left out (this head has no global average pooling)\n');
        const solve = { ...defaultSolveOptions(o.preset), solver: o.solver };
        const metrics = { ...DEFAULT_METRIC_OPTIONS, curves: o.curves, steps: o.steps, batchSize: o.batch, boxFraction: o.boxFraction, tolerance: o.tolerance };
        const quiet = o.json === '-';
        const report = await evaluateImages(model, split, files, { methods, classes: o.class ?? [], solve, metrics, baseline: o.baseline, boxes }, (f, i) => {
          if (!quiet) process.stderr.write(`[${i + 1}/${files.length}] ${f}\n`);
        });
        if (boxes && report.imagesWithoutBoxes.length === files.length) {
          throw new UsageError(`${boxes.source}: none of the ${files.length} images has boxes there (names are matched by path, file name, or name without extension)`);
        }
        for (const f of report.imagesWithoutBoxes) process.stderr.write(`l2caf: warning: ${boxes!.source} has no boxes for ${f}\n`);
        if (o.json) await writeJsonAtomic(o.json, report);
        if (o.csv) {
          await writeFileAtomic(o.csv, rowsCsv(report.rows)).catch((e: NodeJS.ErrnoException) => {
            throw new Error(`${o.csv}: cannot write (${e.code ?? e.message})`);
          });
        }
        printWritten([o.json, o.csv]);
        if (!quiet) {
          process.stdout.write(`${model.id} at ${split.layer} [${report.model.engines}], ${files.length} images, ${o.curves ? `${o.steps} steps, ${o.baseline} baseline, ` : ''}means with 95% t intervals\n`);
          process.stdout.write(textTable(report.summary) + '\n');
        }
      } finally {
        model.dispose();
      }
    });
}
