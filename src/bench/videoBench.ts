// The video line of `npm run bench`, on car-detection.mp4 with darknet-tiny:
// 1. Throughput on the same frames (the first `seconds`, stride 1), steady state (first analysed
//    frame to last, so model loading and worker start-up are left out): a bare backbone pass
//    through the worker pool, Grad-CAM, and L2-CAF warm-started with the default preset and solver,
//    and their ratios to bare (goal: L2-CAF >= 0.85x); then the same for darknet-tiny-onnx (the
//    backbone in ONNX Runtime, issue 8's goal) through the same pipeline.
// 2. Warm vs cold start with the ITERATIVE solver on the same frames: mean iterations, mean flicker,
//    and the Pearson correlation of warm maps with cold-start maps (mean and minimum over frames).
// 3. Memory on a 1-minute 720p clip made with lavfi: RSS (workers included: they are threads of
//    this process) when the analysis reaches 20 s and 60 s, and the peak. It must not grow with the
//    clip's length, because frames stream and only the small per-frame numbers are kept.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pearson } from '../attention/index.js';
import type { Method } from '../attention/types.js';
import type { BackboneArrays } from '../engine/backboneRunner.js';
import { selectBackend } from '../engine/backend.js';
import { openModel } from '../engine/openModel.js';
import { decodeFrames } from '../media/decodeFrames.js';
import { probeVideo } from '../media/probeVideo.js';
import { runFfmpeg } from '../media/runFfmpeg.js';
import { createBackbonePool } from '../pool/backbonePool.js';
import { analyzeVideo } from '../video/analyzeVideo.js';
import type { Timeline, VideoJobOptions } from '../video/types.js';
import { round } from './stats.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLIP = path.resolve(root, '..', 'shared', 'fixtures', 'videos', 'car-detection.mp4');
const MODEL = 'darknet-tiny';
const ONNX_MODEL = 'darknet-tiny-onnx';

export interface VideoBenchOptions {
  /** seconds of car-detection.mp4 for throughput and the warm/cold study (default 10) */
  seconds?: number;
  /** length of the generated 720p clip for the memory figure (default 60) */
  memoryClipS?: number;
  workers?: number;
  /** throughput rounds (bare, Grad-CAM, L2-CAF interleaved; the best of each is kept, since other load only slows runs down) */
  rounds?: number;
  /** skip throughput and warm/cold (for a quick memory check) */
  memoryOnly?: boolean;
}

/** frames/s between the first and the last completion (steady state). */
function steadyFps(stamps: number[]): number {
  if (stamps.length < 2) return NaN;
  return ((stamps.length - 1) * 1000) / (stamps[stamps.length - 1]! - stamps[0]!);
}

/** Bare backbone passes over the frames, through the pool, with the same in-flight bound as analyzeVideo. */
async function bareFps(modelId: string, seconds: number, workers: number | undefined): Promise<{ fps: number; frames: number }> {
  const model = await openModel({ model: modelId });
  const [h, w] = model.inputSize;
  model.dispose();
  const pool = await createBackbonePool({ model: { model: modelId }, workers });
  const stamps: number[] = [];
  try {
    const info = await probeVideo(CLIP);
    const inflight: Promise<BackboneArrays>[] = [];
    const take = async (): Promise<void> => {
      await inflight.shift()!;
      stamps.push(performance.now());
    };
    for await (const fr of decodeFrames(CLIP, { width: w, height: h, toS: seconds, info })) {
      inflight.push(pool.run(fr.data, fr.width, fr.height));
      while (inflight.length >= pool.concurrency * 3) await take(); // as analyzeVideo
    }
    while (inflight.length) await take();
  } finally {
    await pool.close();
  }
  return { fps: steadyFps(stamps), frames: stamps.length };
}

async function timed(opts: VideoJobOptions): Promise<{ timeline: Timeline; fps: number; peakRss: number; rssAt: Map<number, number>; heapAt: Map<number, number> }> {
  const stamps: number[] = [];
  let peakRss = 0;
  const rssAt = new Map<number, number>();
  const heapAt = new Map<number, number>();
  const timeline = await analyzeVideo({
    cacheDir: null,
    ...opts,
    onFrame: (f) => {
      stamps.push(performance.now());
      const { rss, heapUsed } = process.memoryUsage();
      peakRss = Math.max(peakRss, rss);
      for (const mark of [20, 40]) {
        if (f.timeS >= mark && !rssAt.has(mark)) {
          rssAt.set(mark, rss);
          heapAt.set(mark, heapUsed);
        }
      }
      rssAt.set(-1, rss); // the last frame's
      heapAt.set(-1, heapUsed);
    },
  });
  return { timeline, fps: steadyFps(stamps), peakRss, rssAt, heapAt };
}

const mb = (b: number | undefined): string => (b === undefined ? '-' : `${Math.round(b / 2 ** 20)} MB`);

/** Section 1 for one model: bare backbone, Grad-CAM and L2-CAF on the same frames; returns the L2-CAF run. */
async function throughput(modelId: string, base: Omit<VideoJobOptions, 'methods'>, seconds: number, rounds: number, workers: number | undefined): Promise<Awaited<ReturnType<typeof timed>>> {
  let bare = { fps: 0, frames: 0 };
  let grad: Awaited<ReturnType<typeof timed>> | null = null;
  let l2: Awaited<ReturnType<typeof timed>> | null = null;
  for (let r = 0; r < rounds; r++) {
    const b = await bareFps(modelId, seconds, workers);
    if (b.fps > bare.fps) bare = b;
    const g = await timed({ ...base, methods: ['gradcam'] });
    if (!grad || g.fps > grad.fps) grad = g;
    const l = await timed({ ...base, methods: ['l2caf'] });
    if (!l2 || l.fps > l2.fps) l2 = l;
  }
  if (!grad || !l2) throw new Error('video bench: rounds must be >= 1');
  const l2Solver = l2.timeline.frames[0]?.maps[0]?.solver ?? '?';
  console.log(
    `${modelId} (${modelId.endsWith('-onnx') ? 'ONNX Runtime backbone, TF.js head' : 'TF.js ' + l2.timeline.model.backend}) ` +
      `throughput (${bare.frames} frames, steady state, best of ${rounds}): bare backbone ${round(bare.fps)} frames/s | ` +
      `Grad-CAM ${round(grad.fps)} (${round(grad.fps / bare.fps)}x) | L2-CAF warm, preset converged, solver auto->${l2Solver} ${round(l2.fps)} ` +
      `(${round(l2.fps / bare.fps)}x); goal L2-CAF >= 0.85x: ${l2.fps / bare.fps >= 0.85 ? 'met' : 'NOT met'}`,
  );
  return l2;
}

/** Section 2 (see the top of this file); `l2` is the default-solver L2-CAF run of section 1. */
async function warmCold(base: Omit<VideoJobOptions, 'methods'>, l2: Awaited<ReturnType<typeof timed>>): Promise<void> {
  const l2Solver = l2.timeline.frames[0]?.maps[0]?.solver ?? '?';

  // Warm vs cold with the iterative solver.
  const iterative = { ...base, methods: ['l2caf' as Method], solve: { solver: 'iterative' as const } };
  const warm = await timed({ ...iterative, warmStart: true });
  const cold = await timed({ ...iterative, warmStart: false });
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const rs = warm.timeline.frames.map((f, i) => pearson(f.values, cold.timeline.frames[i]!.values));
  // The exact solver's maps (the L2-CAF run above) are the fully converged optimum on this head.
  const exact = l2.timeline;
  const exactOk = l2Solver === 'exact' && exact.frames.length === warm.timeline.frames.length;
  const vsExact = (t: Timeline): string => (exactOk ? String(round(mean(t.frames.map((f, i) => pearson(f.values, exact.frames[i]!.values))), 4)) : '-');
  const w = warm.timeline.summary;
  const c = cold.timeline.summary;
  console.log(
    `warm vs cold (iterative solver, preset converged, ${w.framesAnalyzed} frames): mean iterations ${round(w.meanIterations, 1)} vs ${round(c.meanIterations, 1)}, ` +
      `mean flicker ${round(w.meanFlicker ?? NaN, 4)} vs ${round(c.meanFlicker ?? NaN, 4)}, Pearson(warm, cold) mean ${round(mean(rs), 4)} min ${round(Math.min(...rs), 4)}, ` +
      `Pearson with the exact optimum warm ${vsExact(warm.timeline)} cold ${vsExact(cold.timeline)}, frames/s ${round(warm.fps)} vs ${round(cold.fps)}`,
  );
}

/** Section 3: RSS while analysing a generated 720p clip. */
async function memoryFigure(lengthS: number, workers: number | undefined): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'l2caf-vbench-'));
  try {
    const long = path.join(dir, 'long720p.mp4');
    await runFfmpeg(['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=1280x720:rate=30:duration=${lengthS}`, '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', long], { timeoutMs: 300_000 });
    const rssStart = process.memoryUsage().rss;
    // Stride 3 keeps the run short; every frame is still decoded by ffmpeg.
    const mem = await timed({ file: long, model: { model: MODEL }, classes: [], methods: ['l2caf'], stride: 3, workers });
    console.log(
      `memory, ${lengthS} s 1280x720 30 fps clip (stride 3, ${mem.timeline.summary.framesAnalyzed} frames analysed, ${round(mem.fps)} frames/s): ` +
        `RSS before ${mb(rssStart)}, at 20 s ${mb(mem.rssAt.get(20))}, at 40 s ${mb(mem.rssAt.get(40))}, at the end (${lengthS} s) ${mb(mem.rssAt.get(-1))}, peak ${mb(mem.peakRss)}; ` +
        `main-thread JS heap at 20 s ${mb(mem.heapAt.get(20))}, 40 s ${mb(mem.heapAt.get(40))}, end ${mb(mem.heapAt.get(-1))} (RSS includes the workers' wasm memory)`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function videoBench(opts: VideoBenchOptions = {}): Promise<void> {
  if (!existsSync(CLIP)) throw new Error(`${CLIP}: fixture video missing (the video benchmark needs ../shared/fixtures)`);
  const seconds = opts.seconds ?? 10;
  const workers = opts.workers;
  const backend = await selectBackend();
  console.log(
    `\nvideo: car-detection.mp4 first ${seconds} s (stride 1), darknet-tiny, backend ${backend}, ${workers ?? os.availableParallelism()} backbone workers, ` +
      `${os.availableParallelism()} cores (shared with other work: figures are indicative)`,
  );
  if (!opts.memoryOnly) {
    const base = { file: CLIP, model: { model: MODEL }, classes: [], toS: seconds, workers };
    const l2 = await throughput(MODEL, base, seconds, opts.rounds ?? 2, workers);
    await warmCold(base, l2);
    // The same clip through ONNX Runtime (the fixture darknet-tiny converted to ONNX), same pipeline.
    await throughput(ONNX_MODEL, { ...base, model: { model: ONNX_MODEL } }, seconds, opts.rounds ?? 2, workers);
  }
  await memoryFigure(opts.memoryClipS ?? 60, workers);
}
