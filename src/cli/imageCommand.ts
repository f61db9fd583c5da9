// `l2caf image FILE`: maps for one image, as JSON and/or overlay PNGs.
import { Command } from 'commander';
import type { Constraint, Method, SolverChoice } from '../attention/types.js';
import { iterationLimit, presetSolveOptions } from '../attention/index.js';
import { analyzeImageFile, type MapResult } from '../engine/imageAnalysis.js';
import { UsageError } from '../engine/targets.js';
import { decodeImage } from '../media/decodeImage.js';
import { renderOverlay, writePng } from '../media/overlay.js';
import { colormapNames } from '../media/colormaps.js';
import { TINT_BLENDS, type TintBlend } from '../media/tint.js';
import { addModelOptions, loadFromFlags, type ModelCliOptions } from './modelOptions.js';
import { checkSolverConstraint, CONSTRAINTS, METHODS, PRESETS, SOLVERS, intArg, numberArg, oneOf, repeatable, type Preset, SEED_HELP, MAX_ITERATIONS_HELP, maxIterationsArg, colormapArg } from './options.js';
import { writeJsonAtomic } from '../fs/writeJson.js';
import { overlayNames, overlayNamesBefore } from './overlayNames.js';
import { printWritten } from './wrote.js';
import { checkOutputs, JSON_EXT } from './outputChecks.js';
import { kindByName } from '../batch/classify.js';
import { interruptedBy, onInterrupt, signalsDelivered } from './interrupt.js';
import { largeSolveWarning } from './solveCost.js';
import { paperPresetNotice } from './presetNotice.js';
import { solveProgress } from './solveProgress.js';
import { stopClause } from '../contract/solveStop.js';
import { solveCounts } from '../engine/solveCounts.js';
import { budgetNote } from './budgetNote.js';

interface ImageCliOptions extends ModelCliOptions {
  method?: Method[];
  class?: string[];
  solver: SolverChoice;
  constraint: Constraint;
  preset: Preset;
  seed?: number;
  maxIterations?: number;
  lr?: number;
  trace?: number;
  json?: string;
  overlay?: string;
  /** the same as --overlay: `video` and `volume` name their output --out */
  out?: string;
  colormap: string;
  opacity: number;
  threshold: number;
  blend: TintBlend;
  sideBySide?: boolean;
}

export function imageCommand(): Command {
  return addModelOptions(new Command('image'))
    .description('attention maps for one image (L2-CAF, class-specific L2-CAF, Grad-CAM, CAM)')
    .argument('<file>', 'image file (PNG, JPEG, WebP, BMP, ... anything ffmpeg reads)')
    .option('--method <m>', `method, repeatable: ${METHODS.join(', ')} (default l2caf)`, repeatable(oneOf(METHODS, 'method')))
    .option('--class <c>', 'target class for class-specific methods: label (case-insensitive) or index; repeatable (default: top-1)', repeatable(String))
    .option('--solver <s>', `auto (exact where the head is linear), iterative or exact`, oneOf(SOLVERS, 'solver'), 'auto')
    .option('--constraint <c>', `filter constraint: ${CONSTRAINTS.join(', ')}`, oneOf(CONSTRAINTS, 'constraint'), 'l2')
    .option('--preset <p>', 'iterative solver: converged (L-BFGS, stops when the filter is optimal) or paper (Adam, every 50 iterations |dloss| < 1e-4)', oneOf(PRESETS, 'preset'), 'converged')
    .option('--seed <n>', SEED_HELP, intArg(0, 2 ** 31 - 1))
    .option('--max-iterations <n>', MAX_ITERATIONS_HELP, maxIterationsArg)
    .option('--lr <x>', 'initial learning rate (Adam)', numberArg(0))
    .option('--trace <k>', 'record the filter every K iterations', intArg(1))
    .option('--json <file>', 'write the result as JSON ("-" for stdout)')
    .option('--overlay <file.png>', 'write the image with the map tinted over it; with several maps, one file each named F-<method>.png (L2-CAF) or F-<method>-<class index>.png (class-specific), e.g. cat-l2caf.png, cat-gradcam-285.png')
    .option('--out <file.png>', 'the same as --overlay (the name video and volume give their output)')
    .option('--colormap <name>', `overlay colour map: ${colormapNames.join(', ')}`, colormapArg, 'jet')
    .option('--opacity <x>', 'overlay tint weight where attention is highest, 0..1', numberArg(0, 1), 0.5)
    .option('--threshold <x>', 'overlay: attention below this (0..1) is not tinted', numberArg(0, 1), 0)
    .option('--blend <b>', 'overlay tint: attention (weight opacity x attention, low attention clear) or uniform (opacity everywhere)', oneOf(TINT_BLENDS, 'blend'), 'attention')
    .option('--side-by-side', 'overlay next to the original')
    .action(async (file: string, o: ImageCliOptions) => {
      checkSolverConstraint(o.solver, o.constraint);
      if (o.out !== undefined) {
        if (o.overlay !== undefined && o.overlay !== o.out) throw new UsageError(`--out ${o.out} and --overlay ${o.overlay} name two files for the one overlay: give one`);
        o.overlay = o.out;
      }
      // (it shapes a file that would not be written: the run would look as if it had been honoured)
      if (o.sideBySide && o.overlay === undefined) throw new UsageError('--side-by-side lays out the overlay: give --overlay F.png (or --out F.png) too');
      await checkOutputs([file, o.model], [
        { file: o.json, what: 'JSON', extensions: JSON_EXT },
        { file: o.overlay, what: 'overlay', extensions: ['.png'], alsoWrites: o.overlay ? overlayNamesBefore(o.overlay, o.method ?? ['l2caf'], o.class ?? []) : [] },
      ]);
      // ffmpeg decodes a clip as readily as a picture: a clip named here was most likely meant for
      // `video` (a GIF may well be a still picture: no warning)
      if (kindByName(file) === 'video' && !/\.gif$/i.test(file)) {
        process.stderr.write(`l2caf: warning: ${file}: a video: only its first frame is analysed (l2caf video analyses every frame)\n`);
      }
      // SIGINT/SIGTERM stop the decoder (ffmpeg) and the work between phases; nothing is written
      // after a signal, and the exit code is 130/143 (interrupt.ts)
      const scope = onInterrupt();
      try {
        const { model } = await loadFromFlags(o, file);
        try {
          scope.check();
          const split = model.split(o.layer);
          // the limit of either solver: Adam's steps, L-BFGS's head passes
          const solve = { ...presetSolveOptions(o.preset, o.maxIterations), solver: o.solver, constraint: o.constraint };
          if (o.seed != null) {
            solve.seed = o.seed;
            solve.start = 'also-random';
          }
          if (o.lr != null) solve.learningRate = o.lr;
          if (o.trace != null) solve.traceEvery = o.trace;
          solve.onIteration = solveProgress(process.stderr);
          const methods = o.method ?? ['l2caf'];
          const { result } = await analyzeImageFile(model, split, file, {
            methods, classes: o.class ?? [], solve, signal: scope.signal,
            onBeforeSolve: ({ linearity, headMs }) => {
              const w = largeSolveWarning({ layer: split.layer, shape: split.layerShape, linearity, headMs, maxIterations: iterationLimit(solve), solver: solve.solver, methods });
              if (w) process.stderr.write(`l2caf: warning: ${w}\n`);
            },
          });
          for (const w of result.warnings) process.stderr.write(`l2caf: warning: ${file}: ${w}\n`);
          const notice = paperPresetNotice(o.preset, solve.solver, result.maps.map((m) => m.solver));
          if (notice) process.stderr.write(`l2caf: note: ${notice}\n`);
          const budget = budgetNote(solveCounts(result.maps), null, o.preset);
          if (budget) process.stderr.write(`l2caf: note: ${file}: ${budget}\n`);
          // A signal that came during the synchronous solve is delivered at the next turn of the
          // event loop: take it before anything is written.
          await signalsDelivered();
          scope.check();
          // the overlay names depend on the classes the model chose: none may be an input
          if (o.overlay && result.maps.length > 1) {
            await checkOutputs([file, o.model], [{ file: o.overlay, what: 'overlay', extensions: ['.png'], alsoWrites: overlayNames(o.overlay, result.maps) }]);
          }
          const written: string[] = [];
          if (o.json) {
            await writeJsonAtomic(o.json, result);
            if (o.json !== '-') written.push(o.json);
          }
          if (o.overlay) written.push(...(await writeOverlays(file, o, result.maps, scope.signal)));
          if (o.json !== '-') printSummary(result.predictions, result.maps, result.model.engines);
          printWritten(written, [o.json]);
        } finally {
          model.dispose();
        }
      } catch (e) {
        const why = interruptedBy(e, scope.signal);
        throw why ? why.saying(`${file}: interrupted by ${why.signalName}`) : e;
      } finally {
        scope.dispose();
      }
    });
}

/** Writes one PNG per map and returns their names, in map order. */
async function writeOverlays(file: string, o: ImageCliOptions, maps: MapResult[], signal: AbortSignal): Promise<string[]> {
  const image = await decodeImage(file, { signal });
  const names = overlayNames(o.overlay!, maps);
  for (const [i, m] of maps.entries()) {
    if (m.depth !== undefined) throw new Error(`${file}: overlays of 3-D maps are written by \`l2caf volume\``);
    const out = names[i];
    const img = renderOverlay({
      image,
      map: { width: m.width, height: m.height, values: Float32Array.from(m.values) },
      colormap: o.colormap,
      opacity: o.opacity,
      threshold: o.threshold,
      blend: o.blend,
      sideBySide: o.sideBySide,
    });
    signal.throwIfAborted();
    await writePng(out, img);
  }
  return names;
}

/** " (L-BFGS: optimality test passed)" after an iterative map's iterations; '' for the others. */
function ended(m: MapResult): string {
  const clause = stopClause(m);
  return clause ? ` (${clause})` : '';
}

function printSummary(preds: { index: number; label: string; score: number }[], maps: MapResult[], engines: string): void {
  for (const p of preds) process.stdout.write(`${p.score.toFixed(4)}  ${p.label} (${p.index})\n`);
  for (const m of maps) {
    const target = m.target ? ` ${m.target.label}` : '';
    const loss = m.loss == null ? '' : ` loss ${m.loss.toPrecision(5)}`;
    process.stdout.write(`${m.method}${target}: ${m.solver}, ${m.iterations} iterations${ended(m)},${loss} ${m.ms.toFixed(1)} ms [${engines}]\n`);
  }
}
