// Per-method timings on one image: backbone forward, head-only solve, whole call, and each one's
// ratio to Grad-CAM measured in the same run on the same features.
import * as tf from '@tensorflow/tfjs-core';
import type { Method, SolveOptions } from '../attention/types.js';
import { defaultSolveOptions } from '../attention/index.js';
import { analyzeFeatures, argmax, type MapRequest } from '../engine/analyze.js';
import type { LoadedModel } from '../models/loadModel.js';
import { inputTensor } from '../models/preprocess.js';
import { decodeImage } from '../media/decodeImage.js';
import { median, round } from './stats.js';

export interface MethodFigures {
  name: string;
  method: Method;
  solver: string;
  iterations: number;
  backboneMs: number;
  solveMs: number;
  totalMs: number;
  /** totalMs / Grad-CAM's totalMs */
  ratioToGradcam: number;
}

interface Variant {
  name: string;
  method: Method;
  solve: Partial<SolveOptions>;
}

const VARIANTS: Variant[] = [
  { name: 'gradcam', method: 'gradcam', solve: {} },
  { name: 'cam', method: 'cam', solve: {} },
  { name: 'l2caf exact', method: 'l2caf', solve: { solver: 'exact' } },
  { name: 'l2caf-class exact', method: 'l2caf-class', solve: { solver: 'exact' } },
  { name: 'l2caf iterative (cold, paper rule)', method: 'l2caf', solve: { solver: 'iterative' } },
  { name: 'l2caf-class iterative (cold, paper rule)', method: 'l2caf-class', solve: { solver: 'iterative' } },
];

export async function benchImage(model: LoadedModel, image: string, repeats: number): Promise<{ backboneMs: number; methods: MethodFigures[] }> {
  const split = model.split();
  const [h, w] = model.inputSize;
  const img = await decodeImage(image, { width: w, height: h });
  const x = inputTensor(img.data, img.width, img.height, model.preprocessing);
  const backbone: number[] = [];
  const solves = new Map<string, { ms: number[]; iterations: number; solver: string }>();
  try {
    for (let r = 0; r < repeats + 1; r++) {
      const t0 = performance.now();
      const bb = await split.runBackbone(x);
      await bb.features.data();
      const bbMs = performance.now() - t0;
      if (r > 0) backbone.push(bbMs); // the first pass warms up kernels
      const head = split.head(bb);
      const target = argmax(tf.tidy(() => head.apply(bb.features).dataSync()));
      for (const v of VARIANTS) {
        const req: MapRequest = { method: v.method, target: v.method === 'l2caf' ? null : target };
        const t1 = performance.now();
        const { maps } = analyzeFeatures(head, bb.features, [req], { solve: { ...defaultSolveOptions('paper'), ...v.solve } });
        const ms = performance.now() - t1;
        const e = solves.get(v.name) ?? { ms: [], iterations: 0, solver: '' };
        if (r > 0) e.ms.push(ms);
        e.iterations = maps[0]!.iterations;
        e.solver = maps[0]!.solver;
        solves.set(v.name, e);
      }
      tf.dispose([bb.features, ...bb.side]);
    }
  } finally {
    x.dispose();
    split.dispose();
  }
  const backboneMs = median(backbone);
  const gradcamTotal = backboneMs + median(solves.get('gradcam')!.ms);
  const methods = VARIANTS.map((v) => {
    const s = solves.get(v.name)!;
    const solveMs = median(s.ms);
    const totalMs = backboneMs + solveMs;
    return {
      name: v.name,
      method: v.method,
      solver: s.solver,
      iterations: s.iterations,
      backboneMs: round(backboneMs),
      solveMs: round(solveMs),
      totalMs: round(totalMs),
      ratioToGradcam: round(totalMs / gradcamTotal, 3),
    };
  });
  return { backboneMs: round(backboneMs), methods };
}
