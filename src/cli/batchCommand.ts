// `l2caf batch INPUT... --out DIR`: many files (or a manifest of them) through one loaded model,
// one folder per item, resumable and shardable (src/batch has the logic; this file reads flags).
// Exit: 0 when every item of the shard ended done (or was done before, or is being done by another
// run on the same folder), 1 when any failed, 2 bad usage or an output folder that cannot be
// written (full, read-only), 143/130 when SIGTERM/SIGINT stopped it (the item then running gets no
// status.json).
import { Command, InvalidArgumentError } from 'commander';
import { readdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import type { Constraint, Method, SolverChoice } from '../attention/types.js';
import { discoverItems } from '../batch/discover.js';
import { modelSha } from '../batch/modelSha.js';
import { isBatchOutput, OUTPUT_MARKER, writeOutputMarker } from '../batch/outputMarker.js';
import { formatEnd, formatItem, formatStart, IGNORED_EXAMPLES, ignoredWords, type ProgressMode } from '../batch/progress.js';
import { runBatch } from '../batch/runBatch.js';
import type { BatchSettings, ExportFormat } from '../batch/settings.js';
import { itemsOfShard, resolveShard } from '../batch/shard.js';
import { resolveClass, UsageError } from '../engine/targets.js';
import { TINT_BLENDS, type TintBlend } from '../media/tint.js';
import { resolveModel } from '../models/resolve.js';
import type { LoadedModel } from '../models/loadModel.js';
import { colormapNames } from '../media/colormaps.js';
import { parseWindow } from '../slices/parseWindow.js';
import type { Axis } from '../volume/types.js';
import type { WindowSpec } from '../volume/windowIntensity.js';
import { batchBudgetNote } from './budgetNote.js';
import { EXIT_FAILURE, EXIT_OK } from './exitCodes.js';
import { interruptedBy, onInterrupt } from './interrupt.js';
import { addModelOptions, loadFromFlags, modelFlagsOf, type ModelCliOptions } from './modelOptions.js';
import { checkSolverConstraint, CONSTRAINTS, METHODS, PRESETS, SOLVERS, intArg, numberArg, oneOf, repeatable, type Preset, SEED_HELP, MAX_ITERATIONS_HELP, maxIterationsArg, colormapArg } from './options.js';
import { makeDirs } from '../fs/makeDirs.js';

interface BatchCliOptions extends ModelCliOptions {
  out: string;
  shard?: string;
  shards?: number;
  progress: ProgressMode;
  method?: Method[];
  class?: string[];
  preset: Preset;
  maxIterations?: number;
  solver: SolverChoice;
  constraint: Constraint;
  seed?: number;
  warmStart: boolean;
  stride: number;
  from?: number;
  to?: number;
  eval?: boolean;
  evalSteps: number;
  evalBaseline: 'blur' | 'mean' | 'zero';
  export?: ExportFormat;
  colormap: string;
  opacity: number;
  threshold: number;
  blend: TintBlend;
  workers: number;
  axis?: Axis | 'all';
  window?: WindowSpec;
  weight: boolean;
}

/** Set by the action: the shard's exit code (a failed item is not an exception). */
let lastExitCode = EXIT_OK;
export const batchExitCode = (): number => lastExitCode;

/** Termination must come within 10 s (Kubernetes' and Slurm's grace is often that short). */
const STOP_GRACE_MS = 8_000;

function windowArg(v: string): WindowSpec {
  try {
    return parseWindow(v);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

function settingsOf(o: BatchCliOptions): BatchSettings {
  const { onProgress: _p, signal: _s, log: _l, ...model } = modelFlagsOf(o);
  if (o.from !== undefined && o.to !== undefined && !(o.from < o.to)) throw new UsageError(`--from ${o.from} must be before --to ${o.to}`);
  // (the defaults are left out, so that the settings hash of runs made before these flags holds)
  const tint = { ...(o.threshold ? { threshold: o.threshold } : {}), ...(o.blend !== 'attention' ? { blend: o.blend } : {}) };
  return {
    model,
    layer: o.layer,
    methods: o.method ?? ['l2caf'],
    classes: o.class ?? [],
    preset: o.preset,
    solver: o.solver,
    constraint: o.constraint,
    seed: o.seed,
    maxIterations: o.maxIterations,
    warmStart: o.warmStart,
    video: {
      stride: o.stride,
      fromS: o.from,
      toS: o.to,
      eval: o.eval ? { steps: o.evalSteps, baseline: o.evalBaseline } : null,
      export: o.export ?? null,
      colormap: o.colormap,
      opacity: o.opacity,
      ...tint,
      workers: o.workers,
    },
    volume: { axis: o.axis, window: o.window, weight: o.weight },
    image: { colormap: o.colormap, opacity: o.opacity, ...tint },
  };
}

/**
 * --layer and --class against the model, once, when it is loaded for the first item: every item
 * would fail alike on them (a run of 7 items said "no layer named" 7 times and exited 1), so the
 * run stops with one line and exit 2 as for a bad --model.
 */
export function checkLayerAndClasses(model: LoadedModel, layer: string | undefined, classes: readonly string[]): void {
  if (layer && !model.layers.some((l) => l.name === layer)) {
    // (not in the list: a name the split may still take, e.g. an ONNX node for its output tensor)
    try {
      // (only to ask: its weights and, for ONNX, its sessions go now; dispose is idempotent, and the model's own dispose repeats it)
      model.split(layer).dispose();
    } catch (e) {
      // (the split's message names the model's file)
      throw new UsageError((e as Error).message);
    }
  }
  if (!model.labels) return;
  // (a UsageError naming the model)
  for (const c of classes) resolveClass(c, model.labels, model.labels.length, model.id);
}

export function batchCommand(): Command {
  return addModelOptions(new Command('batch'))
    .description('many videos, images and scans: one folder of results per item, resumable, shardable (Kubernetes Indexed Jobs, Slurm arrays)')
    .argument('<input...>', 'files, folders (walked recursively; a folder of DICOM files is one scan) or manifests (.txt one path a line, .csv with a "path" column)')
    .requiredOption('--out <dir>', 'results: one folder per item, DIR/<id>/ with status.json written last')
    .option('--shard <i/n>', 'take the items whose index in the sorted list is i mod n (default: JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID, else all)')
    .option('--shards <n>', 'shard count with JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID (default: env L2CAF_SHARDS, then SLURM_ARRAY_TASK_COUNT)', intArg(1, 100000))
    .option('--progress <mode>', 'progress on stderr: text (one line per item) or json (JSON lines)', oneOf(['text', 'json'] as const, 'progress mode'), 'text')
    .option('--method <m>', `method, repeatable: ${METHODS.join(', ')} (default l2caf)`, repeatable(oneOf(METHODS, 'method')))
    .option('--class <c>', 'target class for class-specific methods: label or index; repeatable (default: top-1)', repeatable(String))
    .option('--preset <p>', 'iterative solver: converged (default) or paper', oneOf(PRESETS, 'preset'), 'converged')
    .option('--solver <s>', 'auto (exact where the head is linear), iterative or exact', oneOf(SOLVERS, 'solver'), 'auto')
    .option('--max-iterations <n>', MAX_ITERATIONS_HELP, maxIterationsArg)
    .option('--constraint <c>', `filter constraint: ${CONSTRAINTS.join(', ')}`, oneOf(CONSTRAINTS, 'constraint'), 'l2')
    .option('--seed <n>', SEED_HELP, intArg(0, 2 ** 31 - 1))
    .option('--no-warm-start', 'videos and scans: start every frame/slice cold (the deterministic start, and --seed\'s random one) instead of from the previous one\'s answer')
    .option('--stride <n>', 'videos: analyse every Nth frame', intArg(1), 1)
    .option('--from <s>', 'videos: start time in seconds', numberArg(0))
    .option('--to <s>', 'videos: end time in seconds (exclusive)', numberArg(0))
    .option('--eval', 'videos: score every analysed frame\'s maps (deletion/insertion AUC, confidence drop)')
    .option('--eval-steps <n>', 'deletion/insertion steps with --eval', intArg(2, 1000), 20)
    .option('--eval-baseline <b>', 'what deleted pixels become with --eval: blur, mean or zero', oneOf(['blur', 'mean', 'zero'] as const, 'baseline'), 'blur')
    .option('--export <format>', 'videos: also write the annotated clip (mp4, webm or gif)', oneOf(['mp4', 'webm', 'gif'] as const, 'export format'))
    .option('--colormap <name>', `overlay/export colour map: ${colormapNames.join(', ')}`, colormapArg, 'jet')
    .option('--opacity <x>', 'overlay/export map opacity 0..1', numberArg(0, 1), 0.5)
    .option('--threshold <x>', 'overlay/export: attention below this (0..1) is not tinted', numberArg(0, 1), 0)
    .option('--blend <b>', 'overlay/export tint: attention (weight opacity x attention) or uniform (opacity everywhere)', oneOf(TINT_BLENDS, 'blend'), 'attention')
    .option('--workers <n>', 'worker threads: one pool of N for the run, on which each video\'s frames and each scan\'s slices run, and images N at once (2 queued per worker) (0: everything in this thread; shards give the parallelism)', intArg(0, 64), 0)
    .option('--axis <a>', 'scans: slicing axis x, y, z or all (default: the acquisition axis)', oneOf(['x', 'y', 'z', 'all'] as const, 'axis'))
    .option('--window <w>', 'scans: intensity window pLO,pHI or W/L', windowArg)
    .option('--no-weight', 'scans: keep every slice\'s map at 0..1 instead of weighting it by the slice\'s class probability')
    .action(async (inputs: string[], o: BatchCliOptions) => {
      checkSolverConstraint(o.solver, o.constraint);
      lastExitCode = EXIT_OK;
      const settings = settingsOf(o);
      const shard = resolveShard({ shard: o.shard, shards: o.shards }, process.env);
      const out = path.resolve(o.out);
      // (the walk skips the output folder: as the input itself, it would find nothing to do)
      const realOut = await realpath(out).catch(() => out);
      for (const input of inputs) {
        if ((await realpath(input).catch(() => path.resolve(input))) === realOut) {
          throw new UsageError(`${o.out}: the output folder is the input folder ${input}: choose another (a folder inside it is fine)`);
        }
      }
      const ignored = { files: 0, examples: [] as string[] };
      const outputs: string[] = [];
      const all = await discoverItems(inputs, {
        skip: [out],
        onIgnored: (rel) => {
          if (ignored.files++ < IGNORED_EXAMPLES) ignored.examples.push(rel);
        },
        onOutputSkipped: (rel) => void outputs.push(rel),
      });
      if (all.length === 0) throw new UsageError(`${inputs.join(' ')}: no video, image or scan found${ignored.files ? ` (${ignoredWords(ignored)})` : ''}`);
      const items = itemsOfShard(all, shard);
      try {
        await makeDirs(out);
      } catch (e) {
        throw new UsageError(`${o.out}: cannot create the output folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      }
      // before any item: a later run over a parent folder recognises this one as output, not input
      await writeOutputMarker(out).catch((e: NodeJS.ErrnoException) => {
        throw new UsageError(`${path.join(out, OUTPUT_MARKER)}: cannot write (${e.code ?? e.message}): the output folder is full or read-only`);
      });
      const say = (line: string): void => void process.stderr.write(line + '\n');
      // A folder named as input is walked even when an earlier run wrote it (discover.ts: what was
      // asked for); its overlays and maps then become items, which is rarely what was meant.
      for (const input of inputs) {
        const entries = await readdir(input, { withFileTypes: true }).catch(() => null);
        if (!entries || !(await isBatchOutput(input, entries))) continue;
        const message = `${input} is the output of an earlier batch run (${OUTPUT_MARKER}): its results are analysed as inputs; to redo that run, name the folder it analysed`;
        say(o.progress === 'json' ? JSON.stringify({ event: 'warning', message }) : `batch: warning: ${message}`);
      }
      say(formatStart({ shard, items: items.length, allItems: all.length, out, ...(ignored.files ? { ignored } : {}), ...(outputs.length ? { outputs } : {}) }, o.progress));
      const scope = onInterrupt(STOP_GRACE_MS);
      let loaded: Promise<{ model: LoadedModel; sha: string | null }> | null = null;
      // The weights' sha decides whether a done item may be skipped. It needs only the model's
      // files, as loadFromFlags would find them (openModel: resolved.modelFile ?? resolved.dir,
      // the loaded model's location), so a shard whose items are all done loads nothing.
      let sha: Promise<string | null> | null = null;
      const t0 = performance.now();
      try {
        const r = await runBatch({
          items,
          out,
          settings,
          signal: scope.signal,
          // one load per process serves every item; none when the shard has nothing left to do
          model: () =>
            (loaded ??= loadFromFlags(o).then(async ({ model }) => {
              try {
                checkLayerAndClasses(model, o.layer, o.class ?? []);
              } catch (e) {
                model.dispose();
                throw e;
              }
              return { model, sha: await (sha ??= modelSha(model.location)) };
            })),
          modelSha: () =>
            (sha ??= resolveModel(o.model, { allowUnverified: o.allowUnverified }).then((r) => modelSha(r.modelFile ?? r.dir))),
          onItem: (e) => say(formatItem(e, o.progress)),
        });
        say(formatEnd({ ...r, seconds: (performance.now() - t0) / 1000 }, o.progress));
        // (JSON progress carries the counts in its end event: log collectors read JSON lines only)
        const budget = o.progress === 'text' ? batchBudgetNote(r.solves, o.preset) : null;
        if (budget) say(`batch: note: ${budget}`);
        scope.check();
        lastExitCode = r.failed > 0 ? EXIT_FAILURE : EXIT_OK;
      } catch (e) {
        const why = interruptedBy(e, scope.signal);
        throw why ? why.saying(`batch: interrupted by ${why.signalName}; finished items are kept, run the same command again to do the rest`) : e;
      } finally {
        if (loaded) await (loaded as Promise<{ model: LoadedModel }>).then((m) => m.model.dispose(), () => {});
        scope.dispose();
      }
    });
}
