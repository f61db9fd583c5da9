// `l2caf volume SCAN`: attention volumes for a 3-D scan (NIfTI or a DICOM series folder), written
// as float32 NIfTI on the scan's grid (+ optional JSON). Thin: the work is src/slices.
import { Command, InvalidArgumentError } from 'commander';
import type { Constraint, Method, SolverChoice } from '../attention/types.js';
import os from 'node:os';
import { analyzeVolume } from '../slices/analyzeVolume.js';
import { parseWindow } from '../slices/parseWindow.js';
import type { Preset, VolumeAnalysis, VolumeJobProgress } from '../slices/types.js';
import { fourDNote, volumeJson } from '../slices/volumeJson.js';
import { writeAttentionVolumes } from '../slices/writeAttention.js';
import { readVolume } from '../volume/readVolume.js';
import type { Axis } from '../volume/types.js';
import type { WindowSpec } from '../volume/windowIntensity.js';
import { addModelOptions, loadFromFlags, modelFlagsOf, type ModelCliOptions } from './modelOptions.js';
import { checkSolverConstraint, CONSTRAINTS, METHODS, PRESETS, SOLVERS, intArg, oneOf, repeatable, SEED_HELP, MAX_ITERATIONS_HELP, maxIterationsArg } from './options.js';
import { presetLimit } from '../attention/solve.js';
import { writeJsonAtomic } from '../fs/writeJson.js';
import { checkOutputs, JSON_EXT } from './outputChecks.js';
import { outputNames, splitNiftiName } from '../slices/outputNames.js';
import { interruptedBy, onInterrupt } from './interrupt.js';
import { progressLine } from './progressLine.js';
import { printWritten } from './wrote.js';
import { paperPresetNotice } from './presetNotice.js';
import { budgetNote } from './budgetNote.js';
import { solveCountsWords } from '../contract/solveStop.js';

const AXES = ['x', 'y', 'z', 'all'] as const;

interface VolumeCliOptions extends ModelCliOptions {
  axis?: Axis | 'all';
  method?: Method[];
  class?: string[];
  window?: WindowSpec;
  t?: number;
  preset: Preset;
  maxIterations?: number;
  solver: SolverChoice;
  constraint: Constraint;
  seed?: number;
  warmStart: boolean;
  weight: boolean;
  out: string;
  json?: string;
  progress?: boolean;
  workers?: number;
}

function windowArg(v: string): WindowSpec {
  try {
    return parseWindow(v);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

/** The files `--axis all` writes for one kind of map: outputNames' rule with the axes alone. */
function perAxisNames(out: string): string[] {
  const { stem, ext } = splitNiftiName(out);
  return ['x', 'y', 'z'].map((a) => `${stem}-${a}${ext}`);
}

export function volumeCommand(): Command {
  return addModelOptions(new Command('volume'))
    .description('attention volumes for a 3-D scan (NIfTI .nii/.nii.gz or a DICOM series folder), slice by slice')
    .argument('<scan>', '.nii or .nii.gz file, or a folder holding one DICOM series')
    .requiredOption('--out <file.nii.gz>', 'attention volume(s): float32 NIfTI on the scan grid (-<axis> and -<method>-<class> added when several)')
    .option('--axis <a>', 'slicing axis x, y, z (voxel axes i, j, k) or all (one file per axis); default: the acquisition axis', oneOf(AXES, 'axis'))
    .option('--method <m>', `method, repeatable: ${METHODS.join(', ')} (default l2caf)`, repeatable(oneOf(METHODS, 'method')))
    .option('--class <c>', 'target class for class-specific methods: label or index; repeatable (default: each slice\'s top-1)', repeatable(String))
    .option('--window <w>', 'intensity window: percentiles pLO,pHI (default p0.5,p99.5) or width/level W/L (e.g. 400/40)', windowArg)
    .option('--t <n>', '4-D NIfTI: which volume (from 0; default 0, with a warning naming the count)', intArg(0))
    .option('--preset <p>', 'iterative solver: converged (L-BFGS, stops when the filter is optimal; default) or paper (Adam, every 50 iterations |dloss| < 1e-4)', oneOf(PRESETS, 'preset'), 'converged')
    .option('--solver <s>', 'auto (exact where the head is linear), iterative or exact', oneOf(SOLVERS, 'solver'), 'auto')
    .option('--max-iterations <n>', MAX_ITERATIONS_HELP, maxIterationsArg)
    .option('--constraint <c>', `filter constraint: ${CONSTRAINTS.join(', ')}`, oneOf(CONSTRAINTS, 'constraint'), 'l2')
    .option('--seed <n>', SEED_HELP, intArg(0, 2 ** 31 - 1))
    .option('--no-warm-start', 'start every slice\'s L2-CAF cold (the deterministic start, and --seed\'s random one) instead of from the previous slice\'s answer')
    .option('--no-weight', 'keep every slice\'s map at 0..1 instead of weighting it by the slice\'s class probability')
    .option('--json <file>', 'write the analysis as JSON ("-" for stdout)')
    .option('--workers <n>', 'backbone worker threads (default: the number of cores; 0 = none)', intArg(0, 64))
    .option('--no-progress', 'no progress line on stderr')
    .action(async (scan: string, o: VolumeCliOptions) => {
      checkSolverConstraint(o.solver, o.constraint);
      // Check the outputs before the model work, so a typo costs nothing.
      // With --axis all and one kind of map the per-axis names are known now (more kinds add
      // suffixes known only once the model has chosen: checked again before writing).
      const oneKind = (o.method?.length ?? 1) <= 1 && (o.class?.length ?? 0) <= 1;
      const axisNames = o.axis === 'all' && oneKind && /\.nii(\.gz)?$/i.test(o.out) ? perAxisNames(o.out) : undefined;
      await checkOutputs([scan, o.model], [
        { file: o.out, what: 'attention volume', extensions: ['.nii', '.nii.gz'], ...(axisNames ? { alsoWrites: axisNames } : {}) },
        { file: o.json, what: 'JSON', extensions: JSON_EXT },
      ]);
      const bar = o.progress !== false ? progressLine('analysing') : null;
      // SIGINT/SIGTERM stop every phase through one signal (interrupt.ts): the pool's workers are
      // closed, nothing is written, the exit code is 130/143.
      const scope = onInterrupt();
      try {
        // The scan first: a bad file is reported before the model is loaded.
        const volume = await readVolume(scan, { t: o.t ?? 0 });
        const warnings = [fourDNote(volume.frames, o.t !== undefined)].filter((w): w is string => w !== null);
        for (const w of warnings) process.stderr.write(`l2caf: warning: ${scan}: ${w}\n`);
        scope.check();
        const { model } = await loadFromFlags(o);
        let result: VolumeAnalysis;
        try {
          scope.check();
          result = await analyzeVolume({
            // worker threads for the slices' backbone and maps (none for a 3-D model), as `video` has
            workers: o.workers ?? os.availableParallelism(),
            workerModel: modelFlagsOf(o),
            volume,
            t: o.t ?? 0,
            model,
            layer: o.layer,
            methods: o.method,
            classes: o.class ?? [],
            axis: o.axis,
            window: o.window,
            preset: o.preset,
            solve: { solver: o.solver, constraint: o.constraint, ...(o.seed != null ? { seed: o.seed, start: 'also-random' as const } : {}), ...presetLimit(o.preset, o.maxIterations) },
            warmStart: o.warmStart,
            weighting: o.weight ? 'probability' : 'none',
            signal: scope.signal,
            onProgress: bar ? (p) => bar.update(sliceProgress(p)) : undefined,
          });
        } finally {
          bar?.done();
          model.dispose();
        }
        scope.check();
        if (result.partial) throw new Error(`${scan}: cancelled after ${result.slices.length} slices; nothing written`);
        const notice = paperPresetNotice(o.preset, o.solver, result.slices.flatMap((sl) => sl.maps.map((m) => m.solver)));
        if (notice) process.stderr.write(`l2caf: note: ${notice}\n`);
        const budget = budgetNote(result.summary.solves, 'slice', o.preset);
        if (budget) process.stderr.write(`l2caf: note: ${scan}: ${budget}\n`);
        // several volumes get suffixed names that depend on the maps (axis, method, class): none may
        // be an input or the JSON
        const names = outputNames(o.out, result.attention);
        if (names.length > 1) {
          await checkOutputs([scan, o.model], [
            { file: o.out, what: 'attention volume', extensions: ['.nii', '.nii.gz'], alsoWrites: names },
            { file: o.json, what: 'JSON', extensions: JSON_EXT },
          ]);
        }
        const files = await writeAttentionVolumes(o.out, result);
        if (o.json) await writeJsonAtomic(o.json, volumeJson(result, files, warnings));
        if (o.json !== '-') printSummary(result);
        printWritten([...files, o.json], [o.json]);
      } catch (e) {
        const why = interruptedBy(e, scope.signal);
        throw why ? why.saying(`${scan}: interrupted by ${why.signalName}; nothing written`) : e;
      } finally {
        scope.dispose();
      }
    });
}

export function sliceProgress(p: VolumeJobProgress): string {
  const eta = p.etaS == null ? '' : `, ${Math.ceil(p.etaS)} s left`;
  return `slice ${p.slicesDone}/${p.slicesTotal} (${p.fps.toFixed(1)}/s${eta})`;
}

function printSummary(r: VolumeAnalysis): void {
  const v = r.volume;
  process.stdout.write(`${v.source.path}: ${v.dims.join('x')} voxels, ${v.spacing.map((s) => +s.toFixed(3)).join('x')} mm\n`);
  const what = r.whole ? '1 whole volume (3-D layer)' : `${r.summary.slicesAnalyzed} slices along ${r.settings.axes.join(', ')}`;
  process.stdout.write(
    `${what}, mean ${r.summary.meanIterations.toFixed(1)} iterations${r.summary.solves ? ` (${solveCountsWords(r.summary.solves)})` : ''}, ${r.summary.fps.toFixed(2)}/s, ${r.summary.wallS.toFixed(1)} s [${r.model.engines}]\n`,
  );
}
