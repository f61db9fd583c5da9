// The non-linear-head section of `npm run bench` (issue 15), at darknet-tiny's leaky_re_lu_13
// (head: 3x3 conv 512, 1x1 conv 128, 1x1 conv 1000, BN, leaky ReLU, GAP), on darknet-tiny (TF.js)
// and darknet-tiny-onnx (ONNX Runtime backbone); on both the solvers' head passes run on ONNX
// Runtime (the head written as an ONNX forward+backward graph, onnx/gradModel.ts):
// 1. ms per head pass (forward + backward with respect to the filter, what every L2-CAF iteration
//    costs; with the head's first conv factored as the solvers run it, and without) and per
//    backbone pass, per engine and model (TF.js and ONNX Runtime, same run);
// 2. one image (chelsea.png): Grad-CAM vs L2-CAF + class-specific L2-CAF together (default options),
//    each including the backbone pass: goal <= 10x;
// 3. car-detection.mp4 0-2 s through analyzeVideo, default options (warm chains on the workers):
//    Grad-CAM vs L2-CAF frames/s in the same run (goal >= 1/3, aim 1/2), with iterations (head
//    passes) per frame and flicker, warm vs cold, and class-specific L2-CAF;
// 4. the slices of a volume, warm chain vs cold (nonlinearVolumeBench.ts), on darknet-tiny.
// Frames/s are given two ways: steady (first to last finished frame) and whole call (model load and
// worker start included); the ratios are what to read, absolute times are noisy on shared machines.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { defaultSolveOptions } from '../attention/index.js';
import { headOracle } from '../attention/headOracle.js';
import { withPreparedFilter } from '../attention/preparedFilter.js';
import { makeObjective, disposeObjective } from '../attention/objectives.js';
import type { Method } from '../attention/types.js';
import { analyzeFeatures, argmax } from '../engine/analyze.js';
import { openModel } from '../engine/openModel.js';
import { decodeImage } from '../media/decodeImage.js';
import { inputTensor } from '../models/preprocess.js';
import { analyzeVideo } from '../video/analyzeVideo.js';
import type { Timeline, VideoJobOptions } from '../video/types.js';
import { nonlinearVolumeFigures } from './nonlinearVolumeBench.js';
import { median, round } from './stats.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIXTURES = path.resolve(root, '..', 'shared', 'fixtures');
const CLIP = path.join(FIXTURES, 'videos', 'car-detection.mp4');
const IMAGE = path.join(FIXTURES, 'images', 'chelsea.png');
export const NONLINEAR_LAYER = 'leaky_re_lu_13';
/** The model and its name for leaky_re_lu_13 (the ONNX export names tensors by module). */
const MODELS: [string, string][] = [
  ['darknet-tiny', NONLINEAR_LAYER],
  ['darknet-tiny-onnx', '/mods.42/LeakyRelu_output_0'],
];

export interface NonlinearBenchOptions {
  repeats?: number;
  /** seconds of car-detection.mp4 (default 2) */
  seconds?: number;
  /** video rounds; the best of each configuration is kept (other load only slows a run down) */
  rounds?: number;
  workers?: number;
}

/** Head passes timed per input (their mean; the median over inputs is printed). */
const PASSES = 5;

/** Section 1 and 2 for one model. */
async function imageFigures(modelId: string, layer: string, repeats: number): Promise<void> {
  const model = await openModel({ model: modelId });
  try {
    const split = model.split(layer);
    const [h, w] = model.inputSize;
    const img = await decodeImage(IMAGE, { width: w, height: h });
    const x = inputTensor(img.data, img.width, img.height, model.preprocessing);
    const solve = defaultSolveOptions('converged');
    const bbMs: number[] = [];
    const passMs: number[] = [];
    const plainMs: number[] = [];
    const prepMs: number[] = [];
    const ortMs: number[] = [];
    const grad: number[] = [];
    const both: number[] = [];
    let passes = { l2caf: 0, class: 0 };
    for (let r = 0; r <= repeats; r++) {
      let t0 = performance.now();
      const bb = await split.runBackbone(x);
      await bb.features.data();
      const backbone = performance.now() - t0;
      const head = split.head(bb);
      try {
        const logits = tf.tidy(() => head.apply(bb.features).dataSync() as Float32Array);
        const target = argmax(logits);
        // One head pass, as the solvers run it (the first convolution factored, prepared once per
        // input), and without that preparation (as Grad-CAM's pass runs).
        const obj = makeObjective(head, bb.features, target);
        const S = head.filterShape.reduce((a, b) => a * b, 1);
        const x0 = new Float64Array(S).fill(1 / Math.sqrt(S));
        // A solve runs several passes on one input: PASSES of each, the mean.
        // TF.js passes: the head without its other engine (Head.gradOracle), as on darknet-tiny
        const tfHead = { ...head, gradOracle: undefined };
        const plainOracle = headOracle(tfHead, bb.features, obj);
        t0 = performance.now();
        for (let i = 0; i < PASSES; i++) plainOracle(x0);
        const plainPass = (performance.now() - t0) / PASSES;
        t0 = performance.now();
        const prepared = withPreparedFilter(tfHead, bb.features);
        const prep = performance.now() - t0;
        const preparedOracle = headOracle(prepared.head, bb.features, obj);
        t0 = performance.now();
        for (let i = 0; i < PASSES; i++) preparedOracle(x0);
        const pass = (performance.now() - t0) / PASSES;
        prepared.dispose();
        // ONNX models: the same pass as one ONNX Runtime run of the head's forward+backward graph
        let ortPass = NaN;
        if (head.gradOracle) {
          const ortOracle = headOracle(head, bb.features, obj);
          ortOracle(x0);
          t0 = performance.now();
          for (let i = 0; i < PASSES; i++) ortOracle(x0);
          ortPass = (performance.now() - t0) / PASSES;
        }
        disposeObjective(obj);
        t0 = performance.now();
        analyzeFeatures(head, bb.features, [{ method: 'gradcam', target: null }], { solve });
        const g = performance.now() - t0;
        t0 = performance.now();
        const { maps } = analyzeFeatures(head, bb.features, [{ method: 'l2caf', target: null }, { method: 'l2caf-class', target }], { solve });
        const b = performance.now() - t0;
        if (r > 0) {
          // the first round warms up kernels
          bbMs.push(backbone);
          passMs.push(pass);
          plainMs.push(plainPass);
          prepMs.push(prep);
          ortMs.push(ortPass);
          grad.push(backbone + g);
          both.push(backbone + b);
          passes = { l2caf: maps[0]!.iterations, class: maps[1]!.iterations };
        }
      } finally {
        bb.features.dispose();
        for (const s of bb.side) s.dispose();
      }
    }
    x.dispose();
    const onOrt = ortMs.every(Number.isFinite);
    const bbEngine = modelId.endsWith('-onnx') ? 'ONNX Runtime backbone' : 'TF.js backbone';
    const engine = `${bbEngine}, solver head passes on ${onOrt ? 'ONNX Runtime' : 'TF.js'}`;
    console.log(
      `${modelId} (${engine}) at ${layer}: backbone pass ${round(median(bbMs))} ms, head pass (forward + backward) on TF.js ${round(median(passMs))} ms ` +
        `(first conv factored, prepared once per input in ${round(median(prepMs))} ms; unfactored ${round(median(plainMs))} ms, ${round(median(plainMs) / median(passMs))}x)` +
        (onOrt ? `, on ONNX Runtime ${round(median(ortMs))} ms (${round(median(passMs) / median(ortMs))}x faster than TF.js factored; the solvers' engine)` : ''),
    );
    const ratio = median(both) / median(grad);
    console.log(
      `  one image (chelsea.png), default options, backbone included: Grad-CAM ${round(median(grad))} ms | L2-CAF + class-specific L2-CAF ` +
        `${round(median(both))} ms (${passes.l2caf} + ${passes.class} head passes), ${round(ratio)}x Grad-CAM; goal <= 10x: ${ratio <= 10 ? 'met' : 'NOT met'}`,
    );
  } finally {
    model.dispose();
  }
}

interface Run {
  timeline: Timeline;
  steadyFps: number;
  wallFps: number;
}

async function run(opts: VideoJobOptions): Promise<Run> {
  const stamps: number[] = [];
  const t0 = performance.now();
  const timeline = await analyzeVideo({ cacheDir: null, ...opts, onFrame: () => stamps.push(performance.now()) });
  const wall = performance.now() - t0;
  const n = stamps.length;
  return { timeline, steadyFps: n > 1 ? ((n - 1) * 1000) / (stamps[n - 1]! - stamps[0]!) : NaN, wallFps: (n * 1000) / wall };
}

/** Section 3 for one model. */
async function videoFigures(modelId: string, layer: string, seconds: number, rounds: number, workers: number | undefined): Promise<void> {
  const base = { file: CLIP, model: { model: modelId }, layer, classes: [], toS: seconds, workers };
  const configs: [string, Partial<VideoJobOptions> & { methods: Method[] }][] = [
    ['gradcam', { methods: ['gradcam'] }],
    ['l2caf', { methods: ['l2caf'] }],
    ['l2caf cold', { methods: ['l2caf'], warmStart: false }],
    ['l2caf-class', { methods: ['l2caf-class'] }],
    ['l2caf-class cold', { methods: ['l2caf-class'], warmStart: false }],
  ];
  const best = new Map<string, Run>();
  for (let r = 0; r < rounds; r++) {
    for (const [name, o] of configs) {
      const x = await run({ ...base, ...o });
      const b = best.get(name);
      if (!b || x.steadyFps > b.steadyFps) best.set(name, x);
    }
  }
  const g = best.get('gradcam')!;
  const line = (name: string): string => {
    const x = best.get(name)!;
    const s = x.timeline.summary;
    return `${name} ${round(x.steadyFps)} frames/s (${round(x.steadyFps / g.steadyFps)}x; whole call ${round(x.wallFps)}, ${round(x.wallFps / g.wallFps)}x), ${round(s.meanIterations, 2)} passes/frame, flicker ${round(s.meanFlicker ?? NaN, 4)}`;
  };
  const l2 = best.get('l2caf')!;
  const ratio = l2.steadyFps / g.steadyFps;
  const warmIt = best.get('l2caf')!.timeline.summary.meanIterations;
  const coldIt = best.get('l2caf cold')!.timeline.summary.meanIterations;
  console.log(
    `  car-detection.mp4 0-${seconds} s (${l2.timeline.frames.length} frames, best of ${rounds}), default options: Grad-CAM ${round(g.steadyFps)} frames/s (whole call ${round(g.wallFps)})\n` +
      `    ${line('l2caf')}; goal >= 1/3 of Grad-CAM: ${ratio >= 1 / 3 ? 'met' : 'NOT met'} (aim 1/2: ${ratio >= 0.5 ? 'met' : 'not met'})\n` +
      `    ${line('l2caf cold')}; warm/cold passes ${round(warmIt / coldIt)}\n` +
      `    ${line('l2caf-class')}\n` +
      `    ${line('l2caf-class cold')}`,
  );
}

export async function nonlinearBench(opts: NonlinearBenchOptions = {}): Promise<void> {
  for (const f of [CLIP, IMAGE]) if (!existsSync(f)) throw new Error(`${f}: fixture missing (the non-linear head benchmark needs ../shared/fixtures)`);
  console.log(`\nnon-linear head: darknet-tiny at ${NONLINEAR_LAYER}, L2-CAF default options (L-BFGS on the sphere, deterministic start, warm chains)`);
  for (const [m, layer] of MODELS) {
    await imageFigures(m, layer, opts.repeats ?? 5);
    await videoFigures(m, layer, opts.seconds ?? 2, opts.rounds ?? 2, opts.workers);
  }
  await nonlinearVolumeFigures(NONLINEAR_LAYER);
}
