// One input's head-side work, wherever the backbone ran: every requested map, from the head alone.
// Warm-started iterative L2-CAF solves form chains: each frame starts from the previous frame's
// filter and solver curvature, which this solver keeps between calls. The caller says where a chain
// starts (ChainStep): a video is cut into contiguous chunks, one chain each, and every chunk's
// frames go to the same worker in order, so warm chains run in parallel on every worker like the
// cold solves do (src/video/analyzeVideo.ts).
import type { AttentionMap, Method, SolveOptions } from '../attention/types.js';
import type { LoadedModel } from '../models/loadModel.js';
import type { BackboneOutput, SplitModel } from '../models/split.js';
import { analyzeFeatures, argmax, carryWarmStarts, unfilteredLogits, warmStartsOf, type MapRequest, type WarmStart } from './analyze.js';
import { failIfNonFinite, failIfNonFiniteMaps } from './finiteChecks.js';
import { buildRequests } from './imageAnalysis.js';
import { resolveClass } from './targets.js';

/** What to compute per input: plain data, so it can be sent to a worker thread. */
export interface FramePlan {
  methods: Method[];
  /** --class values; empty = each input's top-1 for class-specific methods */
  classes: (string | number)[];
  /** without `init` (warm starts come from the chain) */
  solve: SolveOptions;
  /** iterative L2-CAF solves start from the previous input of the same chain */
  warmStart: boolean;
}

/** Where this input stands in its warm chain (plain data: it crosses the worker boundary). */
export interface ChainStep {
  /** the first input of a chain: forget the previous input's filters */
  start: boolean;
  /** with start: the filters to start from (a resumed job's last cached frame), by request key */
  init?: Record<string, number[]>;
}

/** The result of FrameSolver. */
export interface FrameWork {
  logits: Float32Array;
  requests: MapRequest[];
  maps: AttentionMap[];
  /** where a worker did it: its backbone pass and the maps, ms (a volume's slice records keep them) */
  ms?: { backbone: number; solve: number };
}

export type FrameSolver = (bb: BackboneOutput, chain?: ChainStep) => Promise<FrameWork>;

/** Warm starts from their plain-data form (a cache entry's params). */
export function warmStartsFrom(params: Record<string, number[]>): Map<string, WarmStart> {
  return new Map(Object.entries(params).map(([k, v]) => [k, { param: Float32Array.from(v) }]));
}

/**
 * Takes ownership of `bb` (disposes it). Classes are resolved against the model once. Without a
 * ChainStep, an input continues the chain of the previous call.
 */
export function createFrameSolver(model: LoadedModel, split: SplitModel, plan: FramePlan): FrameSolver {
  let targets: number[] | null = null;
  let warm = new Map<string, WarmStart>();
  return async (bb, chain) => {
    try {
      const head = split.head(bb);
      if (plan.classes.length && !targets) targets = plan.classes.map((c) => resolveClass(c, model.labels, head.numOutputs, model.id));
      let requests: MapRequest[];
      let known: Float32Array | undefined;
      if (targets) requests = buildRequests(plan.methods, targets);
      else {
        // Each input's top-1: Grad-CAM and CAM take it from analyzeFeatures' own head pass (target
        // null); class-specific L2-CAF needs it up front, so the logits are computed here (and
        // handed on, not computed twice).
        known = plan.methods.includes('l2caf-class') ? unfilteredLogits(head, bb.features) : undefined;
        const top1 = known ? argmax(known) : null;
        requests = plan.methods.map((method) => ({ method, target: method === 'l2caf-class' ? top1 : null }));
      }
      if (chain?.start) warm = chain.init ? warmStartsFrom(chain.init) : new Map();
      const { logits, maps } = analyzeFeatures(head, bb.features, requests, { solve: plan.solve, ...(plan.warmStart ? { init: warm } : {}), ...(known ? { logits: known } : {}) });
      try {
        failIfNonFinite(model.id, `the outputs of the head after ${split.layer}`, logits);
        failIfNonFiniteMaps(model.id, maps);
      } catch (e) {
        // As an image in this thread is checked (imageAnalysis.ts): features that overflowed name
        // the layer, not the outputs they turn to NaN. Read only then: every frame's features
        // read and scanned cost 3-7% of the ONNX backbone's frame rate at the default layer.
        failIfNonFinite(model.id, `the features of layer ${split.layer}`, bb.features.dataSync());
        throw e;
      }
      // This input's filters, and the chain's recent ones of classes it did not target (a top-1
      // that comes back starts warm): carryWarmStarts.
      if (plan.warmStart) warm = carryWarmStarts(warm, warmStartsOf(maps));
      return { logits, requests, maps };
    } finally {
      bb.features.dispose();
      for (const s of bb.side) s.dispose();
    }
  };
}
