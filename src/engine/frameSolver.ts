// One input's head-side work, split by what it depends on. Maps that need nothing but this input
// (Grad-CAM, CAM, exact L2-CAF solves, cold-started iterative solves) are solved wherever the
// backbone ran, so with worker threads they run in parallel like the backbone passes. Iterative
// L2-CAF solves warm-started from the previous frame's filter form a chain in frame order: they are
// left for the caller (completeChained), which gets the features back for them.
import type { AttentionMap, Head, Method, SolveOptions } from '../attention/types.js';
import { usesExactSolver } from '../attention/index.js';
import type { LoadedModel } from '../models/loadModel.js';
import type { BackboneOutput, SplitModel } from '../models/split.js';
import { analyzeFeatures, argmax, unfilteredLogits, type MapRequest } from './analyze.js';
import { backboneToArrays, type BackboneArrays } from './backboneRunner.js';
import { buildRequests } from './imageAnalysis.js';
import { resolveClass } from './targets.js';

/** What to compute per input: plain data, so it can be sent to a worker thread. */
export interface FramePlan {
  methods: Method[];
  /** --class values; empty = each input's top-1 for class-specific methods */
  classes: (string | number)[];
  /** without `init` (warm starts are the caller's) */
  solve: SolveOptions;
  /** iterative L2-CAF solves start from the previous input's filter: leave them to the caller */
  warmStart: boolean;
}

/** The result of FrameSolver: `maps[i]` is null where `requests[i]` is left to the caller. */
export interface FrameWork {
  logits: Float32Array;
  requests: MapRequest[];
  maps: (AttentionMap | null)[];
  /** the backbone output as arrays, only when some map is left to the caller */
  features: BackboneArrays | null;
}

const isL2caf = (m: Method): boolean => m === 'l2caf' || m === 'l2caf-class';

/** True when the request's map depends on the previous input (a warm-started iterative solve). */
export function isChained(r: MapRequest, head: Head, plan: FramePlan): boolean {
  return plan.warmStart && isL2caf(r.method) && !usesExactSolver(head, plan.solve);
}

export type FrameSolver = (bb: BackboneOutput, backboneMs: number) => Promise<FrameWork>;

/** Takes ownership of `bb` (disposes it). Classes are resolved against the model once. */
export function createFrameSolver(model: LoadedModel, split: SplitModel, plan: FramePlan): FrameSolver {
  let targets: number[] | null = null;
  return async (bb, backboneMs) => {
    let keep = false;
    try {
      const head = split.head(bb);
      if (plan.classes.length && !targets) targets = plan.classes.map((c) => resolveClass(c, model.labels, head.numOutputs));
      let requests: MapRequest[];
      if (targets) requests = buildRequests(plan.methods, targets);
      else {
        // Each input's top-1: Grad-CAM and CAM take it from analyzeFeatures' own head pass (target
        // null); class-specific L2-CAF needs it up front, which costs one more head pass (or a
        // read of the affine map the engine holds).
        const top1 = plan.methods.includes('l2caf-class') ? argmax(unfilteredLogits(head, bb.features)) : null;
        requests = plan.methods.map((method) => ({ method, target: method === 'l2caf-class' ? top1 : null }));
      }
      const chained = requests.map((r) => isChained(r, head, plan));
      const here = requests.filter((_, i) => !chained[i]);
      const { logits, maps: solved } = analyzeFeatures(head, bb.features, here, { solve: plan.solve });
      let j = 0;
      const maps = requests.map((_, i) => (chained[i] ? null : solved[j++]!));
      keep = chained.some(Boolean);
      const features = keep ? await backboneToArrays(bb, backboneMs) : null;
      return { logits, requests, maps, features };
    } finally {
      if (!keep) {
        bb.features.dispose();
        for (const s of bb.side) s.dispose();
      }
    }
  };
}
