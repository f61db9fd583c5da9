// `l2caf eval-video CLIP --track track.csv`: the maps of every frame scored against the clip's
// ground-truth track (pointing game, IoU, mass in box) over time, with confidence drop per frame
// (and deletion/insertion with --curves), the clip means with 95% intervals, and the frames where
// faithfulness falls or the map jumps.
import { Command } from 'commander';
import type { Method, SolverChoice } from '../attention/types.js';
import { defaultSolveOptions } from '../attention/index.js';
import { UsageError } from '../engine/targets.js';
import { BASELINES } from '../eval/baselines.js';
import { evaluateClip } from '../eval/evaluateClip.js';
import { DEFAULT_METRIC_OPTIONS } from '../eval/evaluateMap.js';
import { applicableMethods } from '../eval/evaluateImages.js';
import { clipCsv, METHOD_NAMES, textTable } from '../eval/formatReport.js';
import { headLinearity } from '../eval/headLinearity.js';
import { readTrack } from '../eval/readTrack.js';
import type { Baseline } from '../eval/types.js';
import { writeFileAtomic } from '../fs/writeFileAtomic.js';
import { addModelOptions, loadFromFlags, type ModelCliOptions } from './modelOptions.js';
import { METHODS, PRESETS, SOLVERS, intArg, numberArg, oneOf, repeatable, type Preset } from './options.js';
import { writeJsonAtomic } from '../fs/writeJson.js';
import { checkOutputs, JSON_EXT, CSV_EXT } from './outputChecks.js';
import { printWritten } from './wrote.js';

interface EvalVideoCliOptions extends ModelCliOptions {
  track: string;
  method?: Method[];
  class?: string[];
  stride: number;
  from?: number;
  to?: number;
  curves?: boolean;
  confidence: boolean;
  steps: number;
  baseline: Baseline;
  batch: number;
  boxFraction: number;
  tolerance: number;
  solver: SolverChoice;
  preset: Preset;
  json?: string;
  csv?: string;
}

export function evalVideoCommand(): Command {
  return addModelOptions(new Command('eval-video'))
    .description('score the maps of a clip against a ground-truth track: pointing game and IoU over time')
    .argument('<clip>', 'video file (anything ffmpeg reads)')
    .requiredOption('--track <track.csv>', 'ground truth: frame (or time),x,y,width,height[,label] per row, in the video\'s pixels')
    .option('--method <m>', `method, repeatable: ${METHODS.join(', ')} (default: all that apply)`, repeatable(oneOf(METHODS, 'method')))
    .option('--class <c>', 'target class (label or index), repeatable (default: the track\'s labels, else each frame\'s top-1 class)', repeatable(String))
    .option('--stride <n>', 'analyse every Nth frame', intArg(1), 1)
    .option('--from <s>', 'start time (seconds)', numberArg(0))
    .option('--to <s>', 'end time (seconds)', numberArg(0))
    .option('--curves', 'also deletion/insertion per frame (2(k+1) forward passes per map and frame)')
    .option('--no-confidence', 'skip the per-frame confidence drop (one forward pass per map and frame)')
    .option('--steps <k>', 'deletion/insertion steps with --curves', intArg(1, 10000), 20)
    .option('--baseline <b>', `deletion baseline: ${BASELINES.join(', ')}`, oneOf(BASELINES, 'baseline'), 'blur')
    .option('--batch <n>', 'forward passes per call', intArg(1, 1024), DEFAULT_METRIC_OPTIONS.batchSize)
    .option('--box-fraction <x>', 'box from map: threshold at this fraction of the maximum', numberArg(0, 1), DEFAULT_METRIC_OPTIONS.boxFraction)
    .option('--tolerance <px>', 'pointing game tolerance in model-input pixels', numberArg(0), 0)
    .option('--solver <s>', 'L2-CAF solver: auto, iterative or exact', oneOf(SOLVERS, 'solver'), 'auto')
    .option('--preset <p>', 'L2-CAF stopping rule: paper or converged', oneOf(PRESETS, 'preset'), 'paper')
    .option('--json <file>', 'write the per-frame metrics, summary and flags as JSON ("-" for stdout)')
    .option('--csv <file>', 'write one row per frame and map as CSV')
    .action(async (clip: string, o: EvalVideoCliOptions) => {
      await checkOutputs([clip, o.track, o.model], [{ file: o.json, what: 'JSON', extensions: JSON_EXT }, { file: o.csv, what: 'CSV', extensions: CSV_EXT }]);
      const track = await readTrack(o.track);
      const { model } = await loadFromFlags(o);
      try {
        const split = model.split(o.layer);
        const methods = applicableMethods(o.method, (await headLinearity(model, split)) === 'gap-affine');
        const solve = { ...defaultSolveOptions(o.preset), solver: o.solver };
        const metrics = {
          ...DEFAULT_METRIC_OPTIONS,
          curves: !!o.curves,
          confidence: o.confidence,
          steps: o.steps,
          batchSize: o.batch,
          boxFraction: o.boxFraction,
          tolerance: o.tolerance,
        };
        const quiet = o.json === '-';
        const ac = new AbortController();
        const onSigint = () => ac.abort();
        process.once('SIGINT', onSigint);
        let report;
        try {
          report = await evaluateClip(model, split, clip, {
            methods, classes: o.class ?? [], solve, metrics, baseline: o.baseline, track, stride: o.stride, fromS: o.from, toS: o.to, signal: ac.signal,
            onFrame: (f) => {
              if (quiet) return;
              const parts = f.maps.map((m) => {
                const x = m.metrics;
                const loc = f.boxes ? ` ${x.pointingHit ? 'hit' : 'miss'} IoU ${x.iou!.toFixed(2)}` : '';
                return `${m.method}${m.target ? ` ${m.target.label}` : ''}:${loc}${x.drop !== undefined ? ` drop ${(x.drop * 100).toFixed(0)}%` : ''}`;
              });
              process.stdout.write(`frame ${f.index} ${f.timeS.toFixed(3)} s${f.boxes ? '' : ' (no box)'}  ${parts.join(' | ')}\n`);
            },
          });
        } finally {
          process.off('SIGINT', onSigint);
        }
        if (!report.frames.some((f) => f.boxes > 0)) {
          throw new UsageError(`${o.track}: no box for any analysed frame (${report.frames.length} frames; the track is keyed by ${track.key})`);
        }
        if (o.json) await writeJsonAtomic(o.json, report);
        if (o.csv) {
          await writeFileAtomic(o.csv, clipCsv(report.frames)).catch((e: NodeJS.ErrnoException) => {
            throw new Error(`${o.csv}: cannot write (${e.code ?? e.message})`);
          });
        }
        printWritten([o.json, o.csv]);
        if (!quiet) {
          const scored = report.frames.filter((f) => f.boxes > 0).length;
          process.stdout.write(`${report.frames.length} frames analysed, ${scored} with ground truth; means over frames with 95% t intervals\n`);
          process.stdout.write(textTable(report.summary) + '\n');
          for (const fl of report.flags) {
            const name = `${METHOD_NAMES[fl.method] ?? fl.method}${fl.target ? ` (${fl.target.label})` : ''}`;
            if (fl.faithfulness.length) process.stdout.write(`${name}: faithfulness falls (${fl.faithfulnessBy}) at frames ${fl.faithfulness.join(', ')}\n`);
            if (fl.flicker.length) process.stdout.write(`${name}: the map jumps at frames ${fl.flicker.join(', ')}\n`);
          }
        }
      } finally {
        model.dispose();
      }
    });
}
