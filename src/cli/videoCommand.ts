// `l2caf video FILE`: per-frame attention for a clip (the timeline as JSON/CSV) and an annotated
// export. A progress line goes to stderr; Ctrl-C or SIGTERM stops any phase cleanly (no ffmpeg or
// worker left, no temporary file, the cache keeps the frames done so the same command resumes)
// and exits 130 or 143.
import { Command } from 'commander';
import path from 'node:path';
import type { Method, SolverChoice } from '../attention/types.js';
import { TINT_BLENDS, type TintBlend } from '../media/tint.js';
import { colormapNames } from '../media/colormaps.js';
import { formatTimestamp } from '../media/annotate.js';
import { analyzeVideo } from '../video/analyzeVideo.js';
import { exportAnnotated } from '../video/exportAnnotated.js';
import { identityNow, sameIdentity } from '../fs/openVerified.js';
import { writeTimelineSidecars } from '../video/sidecars.js';
import { writeTimelineCsv, writeTimelineJson } from '../video/timelineWriters.js';
import { printWritten } from './wrote.js';
import type { Timeline, TimelineEvalSummary } from '../video/types.js';
import { addModelOptions, modelFlagsOf, type ModelCliOptions } from './modelOptions.js';
import { checkOutputs, JSON_EXT, CSV_EXT } from './outputChecks.js';
import { progressLine } from './progressLine.js';
import { interruptedBy, onInterrupt } from './interrupt.js';
import { resolveClass, UsageError } from '../engine/targets.js';
import { modelLabels } from '../engine/openModel.js';
import { METHODS, PRESETS, SOLVERS, intArg, numberArg, oneOf, repeatable, type Preset, MAX_ITERATIONS_HELP, maxIterationsArg, colormapArg } from './options.js';
import { presetLimit } from '../attention/solve.js';
import { paperPresetNotice } from './presetNotice.js';
import { solveCountsWords } from '../contract/solveStop.js';
import { budgetNote } from './budgetNote.js';

interface VideoCliOptions extends ModelCliOptions {
  /** false with --no-progress */
  progress?: boolean;
  method?: Method[];
  class?: string[];
  stride: number;
  from?: number;
  to?: number;
  preset: Preset;
  maxIterations?: number;
  solver?: SolverChoice;
  warmStart: boolean;
  workers?: number;
  cache: boolean;
  cacheDir?: string;
  json?: string;
  csv?: string;
  out?: string;
  colormap: string;
  opacity: number;
  threshold: number;
  blend: TintBlend;
  mapScale: 'frame' | 'clip';
  sideBySide?: boolean;
  between: 'nearest' | 'blend';
  eval?: boolean;
  evalSteps: number;
  evalBaseline: 'blur' | 'mean' | 'zero';
}

const EXPORT_EXTENSIONS = ['.mp4', '.m4v', '.webm', '.gif'];

/** The timeline files beside a file export (sidecars.ts; inside the folder for a PNG sequence). */
function sidecarNames(out: string): string[] {
  return /[\\/]$/.test(out) || path.extname(out) === '' ? [] : [`${out}.timeline.json`, `${out}.timeline.csv`];
}

/** --class against the model's labels before any worker starts (a worker would fail seconds later). */
async function checkClasses(o: VideoCliOptions): Promise<void> {
  const { id, labels } = await modelLabels(modelFlagsOf(o));
  if (!labels) return;
  // (a UsageError naming the model)
  for (const c of o.class ?? []) resolveClass(c, labels, labels.length, id);
}

function eta(s: number | null): string {
  return s === null ? '--' : formatTimestamp(s).replace(/\.\d+$/, '');
}

const fmt = (v: number | null): string => (v === null ? '-' : v.toFixed(3));

/** One line per map series with --eval: the clip means and the flagged frames. */
function evalLine(e: TimelineEvalSummary): string {
  const who = e.target ? `${e.method} (${e.target.label})` : e.method;
  const flagged = (xs: number[]): string => (xs.length ? xs.slice(0, 10).join(' ') + (xs.length > 10 ? ' ...' : '') : 'none');
  return (
    `  ${who}: deletion AUC ${fmt(e.meanDeletionAuc)} (lower is better), insertion AUC ${fmt(e.meanInsertionAuc)} (higher is better), ` +
    `drop ${fmt(e.meanDrop)}, increase ${e.increaseRate === null ? '-' : (e.increaseRate * 100).toFixed(0) + '%'}; ` +
    `frames flagged: faithfulness ${flagged(e.flaggedFaithfulness)}, flicker ${flagged(e.flaggedFlicker)}`
  );
}

export function videoCommand(): Command {
  return addModelOptions(new Command('video'))
    .description('attention for every frame (or every Nth) of a video: timeline JSON/CSV and an annotated export')
    .argument('<file>', 'video file (MP4, WebM, MOV, AVI, animated GIF, ... anything ffmpeg reads)')
    .option('--method <m>', `method, repeatable: ${METHODS.join(', ')} (default l2caf)`, repeatable(oneOf(METHODS, 'method')))
    .option('--class <c>', 'target class for class-specific methods: label or index; repeatable (default: each frame\'s top-1)', repeatable(String))
    .option('--stride <n>', 'analyse every Nth frame', intArg(1), 1)
    .option('--from <s>', 'start time in seconds', numberArg(0))
    .option('--to <s>', 'end time in seconds (exclusive)', numberArg(0))
    .option('--preset <p>', 'iterative solver: converged (L-BFGS, stops when the filter is optimal; default) or paper (Adam, every 50 iterations |dloss| < 1e-4)', oneOf(PRESETS, 'preset'), 'converged')
    .option('--solver <s>', 'auto (exact where the head is linear), iterative or exact (default: auto)', oneOf(SOLVERS, 'solver'))
    .option('--max-iterations <n>', MAX_ITERATIONS_HELP, maxIterationsArg)
    .option('--no-warm-start', 'start every frame cold (from the deterministic start) instead of from the previous frame\'s answer')
    .option('--workers <n>', 'backbone worker threads (default: the number of cores; 0 = none)', intArg(0, 64))
    .option('--no-cache', 'neither read nor write the result cache')
    .option('--no-progress', 'no progress line on stderr')
    .option('--cache-dir <dir>', 'result cache folder (default: the user cache, next to the models)')
    .option('--json <file>', 'write the timeline as JSON ("-" for stdout)')
    .option('--csv <file>', 'write the per-frame numbers as CSV ("-" for stdout)')
    .option('--out <file>', 'annotated export: clip.mp4, clip.webm, clip.gif, or a folder for PNGs')
    .option('--colormap <name>', `export colour map: ${colormapNames.join(', ')}`, colormapArg, 'jet')
    .option('--opacity <x>', 'export tint weight where attention is highest, 0..1 (as the app\'s opacity)', numberArg(0, 1), 0.5)
    .option('--threshold <x>', 'export: attention below this (0..1) is not tinted (as the app\'s threshold)', numberArg(0, 1), 0)
    .option('--blend <b>', 'export tint: attention (weight opacity x attention, low attention clear) or uniform (opacity everywhere)', oneOf(TINT_BLENDS, 'blend'), 'attention')
    .option('--map-scale <mode>', 'export colour scale (--scale is the preprocessing flag): frame (per-frame min-max) or clip (one scale for the clip)', oneOf(['frame', 'clip'] as const, 'scale'), 'frame')
    .option('--side-by-side', 'export the original and the tinted frame side by side')
    .option('--between <mode>', 'frames between analysed ones (stride): nearest or blend', oneOf(['nearest', 'blend'] as const, 'mode'), 'nearest')
    .option('--eval', 'score every analysed frame\'s maps: deletion/insertion AUC, confidence drop/increase (2(steps+1)+1 forward passes per map and frame)')
    .option('--eval-steps <n>', 'deletion/insertion steps with --eval', intArg(2, 1000), 20)
    .option('--eval-baseline <b>', 'what deleted pixels become with --eval: blur, mean or zero', oneOf(['blur', 'mean', 'zero'] as const, 'baseline'), 'blur')
    .action(async (file: string, o: VideoCliOptions) => {
      if (o.from !== undefined && o.to !== undefined && !(o.from < o.to)) throw new UsageError(`${file}: --from ${o.from} must be before --to ${o.to}`);
      await checkOutputs([file, o.model], [
        { file: o.json, what: 'timeline JSON', extensions: JSON_EXT },
        { file: o.csv, what: 'timeline CSV', extensions: CSV_EXT },
        { file: o.out, what: 'export', extensions: EXPORT_EXTENSIONS, folderOk: true, alsoWrites: o.out ? sidecarNames(o.out) : [] },
      ]);
      if (o.class?.length) await checkClasses(o);
      // From here on SIGINT/SIGTERM stop every phase through one signal (interrupt.ts).
      const scope = onInterrupt();
      const stopped = (e: unknown, what: string): unknown => {
        const why = interruptedBy(e, scope.signal);
        return why ? why.saying(`${file}: ${what} interrupted by ${why.signalName}`) : e;
      };
      try {
        // the clip as analysed: an export draws the maps on its frames only while it is unchanged
        const analysed = o.out ? await identityNow(file) : null;
        const bar = progressLine('analysing', o.progress !== false);
        let timeline: Timeline;
        try {
          timeline = await analyzeVideo({
            file,
            model: modelFlagsOf(o),
            layer: o.layer,
            backend: o.backend,
            methods: o.method ?? ['l2caf'],
            classes: o.class ?? [],
            stride: o.stride,
            fromS: o.from,
            toS: o.to,
            preset: o.preset,
            solve: { ...(o.solver ? { solver: o.solver } : {}), ...presetLimit(o.preset, o.maxIterations) },
            warmStart: o.warmStart,
            ...(o.eval ? { eval: { steps: o.evalSteps, baseline: o.evalBaseline } } : {}),
            workers: o.workers,
            cacheDir: o.cache ? (o.cacheDir ?? undefined) : null,
            signal: scope.signal,
            onProgress: (p) => bar.update(`${p.framesDone}/${p.framesTotal} frames, ${p.fps.toFixed(1)} frames/s, ${eta(p.etaS)} left`),
          });
        } catch (e) {
          throw stopped(e, 'the analysis was');
        } finally {
          bar.done();
        }
        for (const w of timeline.warnings ?? []) process.stderr.write(`l2caf: warning: ${file}: ${w}\n`);
        const notice = paperPresetNotice(o.preset, o.solver ?? 'auto', timeline.frames.flatMap((f) => f.maps.map((m) => m.solver)));
        if (notice) process.stderr.write(`l2caf: note: ${notice}\n`);
        const budget = budgetNote(timeline.summary.solves, 'frame', o.preset);
        if (budget) process.stderr.write(`l2caf: note: ${file}: ${budget}\n`);
        // a cancelled run still writes what it has, marked partial (JSON and CSV alike)
        if (o.json) await writeTimelineJson(o.json, timeline);
        if (o.csv) await writeTimelineCsv(o.csv, timeline);
        const s = timeline.summary;
        if (timeline.partial) {
          const kept = `after ${s.framesAnalyzed} frame(s)${o.cache ? '; the cache keeps them: run the same command again to resume' : ''}`;
          const why = interruptedBy(null, scope.signal);
          throw why ? why.saying(`${file}: interrupted by ${why.signalName} ${kept}`) : new Error(`${file}: cancelled ${kept}`);
        }
        if (o.json !== '-' && o.csv !== '-') {
          const from = timeline.cache?.hit === 'finished' ? ' (from the cache)' : '';
          process.stdout.write(
            `${s.framesAnalyzed} frames${from}, mean iterations ${s.meanIterations.toFixed(1)}${s.solves ? ` (${solveCountsWords(s.solves)})` : ''}, mean flicker ${s.meanFlicker?.toFixed(4) ?? '-'}, ` +
              `${s.fps.toFixed(1)} frames/s, ${s.wallS.toFixed(1)} s [${timeline.model.id} ${timeline.model.layer} ${timeline.model.engines ?? timeline.model.backend}]\n`,
          );
          for (const e of s.eval ?? []) process.stdout.write(evalLine(e) + '\n');
        }
        printWritten([o.json, o.csv]);
        if (o.out) {
          const now = await identityNow(file);
          if (!(analysed && now && sameIdentity(analysed, now))) {
            throw new Error(`${file}: changed while it was analysed: not exported (its maps are of the frames before; run the command again)`);
          }
          const ex = progressLine('exporting', o.progress !== false);
          try {
            const r = await exportAnnotated({
              file,
              timeline,
              out: o.out,
              colormap: o.colormap,
              opacity: o.opacity,
              threshold: o.threshold,
              blend: o.blend,
              scale: o.mapScale,
              sideBySide: o.sideBySide,
              between: o.between,
              signal: scope.signal,
              onProgress: (p) => ex.update(`${p.framesDone}/${p.framesTotal} frames`),
            });
            for (const n of r.notes) process.stderr.write(`l2caf: note: ${n}\n`);
            // The clip carries its numbers: the timeline beside it (JSON and CSV).
            scope.check();
            const side = await writeTimelineSidecars(r.path, timeline);
            if (o.json !== '-' && o.csv !== '-') process.stdout.write(`wrote ${r.path} (${r.frames} frames), ${side.json}, ${side.csv}\n`);
          } catch (e) {
            throw stopped(e, `the export to ${o.out} (nothing written there${o.cache ? '; the analysis is in the cache' : ''}) was`);
          } finally {
            ex.done();
          }
        }
      } finally {
        scope.dispose();
      }
    });
}
