// The head of an ONNX model: the nodes from the chosen tensor to the output, translated to TF.js
// ops (onnxOps.ts). Shape arithmetic that does not depend on pixel values (Constant, Shape, and any
// node whose inputs are all constants) is folded once here; tensors computed before the chosen one
// that the head also reads become side outputs of the backbone. The head is classified like a
// TF.js head (layersSplit.ts): gap-affine, affine or nonlinear.
import * as tf from '@tensorflow/tfjs-core';
import type { HeadLinearity, PreparedFilter } from '../../attention/types.js';
import type { OnnxGraph } from './onnxGraph.js';
import type { TensorFacts } from './onnxShapes.js';
import { nodeLabel, tensorFromProto, toNum, type NodeProto } from './onnxProto.js';
import { translateOp, type TranslatedOp } from './onnxOps.js';
import { channelsLastGlobalAveragePool, featuresToModelLayout, type OnnxLayout } from './onnxLayout.js';
import { poolBeforeGap } from '../poolBeforeGap.js';
import { prepareHeadFilter } from '../filteredConv.js';
import type { Owned } from '../owned.js';

export type Ref = { k: 'f' } | { k: 'step'; i: number } | { k: 'side'; i: number } | { k: 'const'; t: tf.Tensor } | { k: 'none' };

export interface HeadStep {
  node: NodeProto;
  op: TranslatedOp;
  inputs: Ref[];
}

export interface HeadPlan {
  steps: HeadStep[];
  /** which step (or the features) gives the head's output */
  output: Ref;
  /** tensors the backbone must also return, in order */
  side: string[];
  linearity: HeadLinearity;
  softmaxRemoved: boolean;
  numOutputs: number;
  owned: Owned[];
  /** the first step is a GlobalAveragePool, the only one that reads the features */
  startsWithGap: boolean;
  /** steps whose varying input is averaged over space first (poolBeforeGap.ts) */
  pooled: Set<number>;
}

/** What planning reads of a graph (the conformance runner builds one from a test case). */
export type HeadGraph = Pick<OnnxGraph, 'where' | 'nodes' | 'producer' | 'initializers' | 'model'>;

/** The model's default-domain opset (ops whose meaning changed between opsets read it). */
export function onnxOpset(g: Pick<OnnxGraph, 'model'>): number {
  const o = (g.model.opsetImport ?? []).find((x) => !x.domain || x.domain === 'ai.onnx');
  return o ? toNum(o.version as number) : 1;
}

export interface PlanOptions {
  /** keep a final Softmax (the conformance runner checks the op itself, not logits) */
  keepFinalSoftmax?: boolean;
}

export function planHead(g: HeadGraph, facts: Map<string, TensorFacts>, chosen: string, output: string, options: PlanOptions = {}): HeadPlan {
  // a refused head frees the constants and weights translated before the refusal
  const owned: Owned[] = [];
  try {
    return buildPlan(g, facts, chosen, output, options, owned);
  } catch (e) {
    for (const t of owned) t.dispose();
    throw e;
  }
}

function buildPlan(g: HeadGraph, facts: Map<string, TensorFacts>, chosen: string, output: string, options: PlanOptions, owned: Owned[]): HeadPlan {
  const where = g.where;
  const start = g.producer.get(chosen) ?? -1;
  const down = new Set<string>([chosen]);
  const downNodes: number[] = [];
  for (let i = start + 1; i < g.nodes.length; i++) {
    const n = g.nodes[i]!;
    if ((n.input ?? []).some((x) => down.has(x))) {
      downNodes.push(i);
      for (const o of n.output ?? []) if (o) down.add(o);
    }
  }
  if (!down.has(output) || output === chosen) {
    throw new Error(`${where}: "${chosen}" does not lead to the model's output "${output}"; choose a tensor before the output`);
  }
  const needed = new Set<string>([output]);
  const headNodes: number[] = [];
  for (let j = downNodes.length - 1; j >= 0; j--) {
    const n = g.nodes[downNodes[j]!]!;
    if ((n.output ?? []).some((o) => needed.has(o))) {
      headNodes.unshift(downNodes[j]!);
      for (const x of n.input ?? []) if (x) needed.add(x);
    }
  }

  const opset = onnxOpset(g);
  const consts = new Map<string, tf.Tensor | null>();
  // A constant value for a tensor, or null when it varies with the image.
  const constOf = (name: string): tf.Tensor | null => {
    if (consts.has(name)) return consts.get(name)!;
    consts.set(name, null); // cycle guard
    let v: tf.Tensor | null = null;
    const init = g.initializers.get(name);
    if (init) v = tensorFromProto(init, where);
    else if (name !== chosen && g.producer.has(name)) {
      const n = g.nodes[g.producer.get(name)!]!;
      if (n.output?.[0] === name) {
        if (n.opType === 'Shape') {
          // static at batch 1; Reshape puts the real batch back
          const d = facts.get(n.input![0]!)?.dims;
          if (d) v = tf.tensor1d(d, 'int32');
        } else if ((n.input ?? []).every((x) => !x || constOf(x) !== null)) {
          v = fold(n);
        }
      }
    }
    if (v) owned.push(v);
    consts.set(name, v);
    return v;
  };
  const fold = (n: NodeProto): tf.Tensor => {
    const op = translateOp({ node: n, constant: (i) => constOf(n.input![i]!), dependsOnF: () => false, dims: (i) => facts.get(n.input![i]!)?.dims ?? null, opset });
    // A clone made inside the tidy: an op may return one of its inputs itself (Identity, a no-op
    // Reshape), a cached constant that disposing the result would destroy for every later reader.
    const keep = tf.tidy(() => op.fn((n.input ?? []).map((x) => (x ? constOf(x) : null))).clone());
    for (const t of op.owned) if (t !== keep) t.dispose();
    return keep;
  };

  const steps: HeadStep[] = [];
  const stepOf = new Map<string, number>();
  const side: string[] = [];
  const refOf = (name: string, user: NodeProto): Ref => {
    if (!name) return { k: 'none' };
    if (name === chosen) return { k: 'f' };
    const s = stepOf.get(name);
    if (s !== undefined) return { k: 'step', i: s };
    const c = constOf(name);
    if (c) return { k: 'const', t: c };
    if (down.has(name)) throw new Error(`${where}: node ${nodeLabel(user)} reads "${name}", a secondary output of a head node (not supported)`);
    let i = side.indexOf(name);
    if (i < 0) {
      i = side.length;
      side.push(name);
    }
    return { k: 'side', i };
  };
  for (const idx of headNodes) {
    const n = g.nodes[idx]!;
    if (constOf(n.output![0]!)) continue; // folded
    const inputs = (n.input ?? []).map((x) => refOf(x, n));
    const op = translateOp({
      node: n,
      constant: (i) => (inputs[i]?.k === 'const' ? (inputs[i] as { t: tf.Tensor }).t : null),
      dependsOnF: (i) => inputs[i]?.k === 'f' || inputs[i]?.k === 'step',
      dims: (i) => facts.get(n.input![i]!)?.dims ?? null,
      opset,
    });
    owned.push(...op.owned);
    stepOf.set(n.output![0]!, steps.length);
    steps.push({ node: n, op, inputs });
  }
  let out = refOf(output, g.nodes[g.producer.get(output)!]!);
  let softmaxRemoved = false;
  const last = steps[steps.length - 1];
  if (!options.keepFinalSoftmax && last && out.k === 'step' && out.i === steps.length - 1 && last.node.opType === 'Softmax') {
    // logits, as the objectives expect: the final softmax is removed
    steps.pop();
    out = last.inputs[0]!;
    softmaxRemoved = true;
  }
  if (out.k !== 'step') {
    throw new Error(`${where}: nothing follows "${chosen}" but a softmax; choose an earlier layer`);
  }
  const outDims = facts.get(output)?.dims ?? [];
  const numOutputs = outDims.slice(1).reduce((a, b) => a * b, 1);
  const kept = steps.slice(0, out.i + 1);
  const startsWithGap =
    kept[0]?.node.opType === 'GlobalAveragePool' && kept.every((s, i) => i === 0 || s.inputs.every((r) => r.k !== 'f'));
  const pooled = poolBeforeGap(
    kept.map((s) => ({ kind: s.op.kind, reads: s.inputs.filter(isVarying).map((r) => (r.k === 'step' ? r.i : null)) })),
    out.i,
  );
  return { steps: kept, output: out, side, linearity: classify(kept), softmaxRemoved, numOutputs, owned, startsWithGap, pooled };
}

function isVarying(r: Ref): boolean {
  return r.k !== 'const' && r.k !== 'none';
}

/** gap-affine: pointwise/identity ops, then global average pooling, then affine ops, as one chain. */
export function classify(steps: readonly HeadStep[]): HeadLinearity {
  const kinds = steps.map((s) => s.op.kind);
  if (kinds.includes('nonlinear')) return 'nonlinear';
  const chain = steps.every((s, i) => {
    const varying = s.inputs.filter(isVarying);
    return varying.length === 1 && (i === 0 ? varying[0]!.k === 'f' : varying[0]!.k === 'step' && (varying[0] as { i: number }).i === i - 1);
  });
  if (chain) {
    const g = kinds.indexOf('gap');
    if (g >= 0 && kinds.slice(0, g).every((k) => k === 'pointwise' || k === 'identity')) return 'gap-affine';
  }
  return 'affine';
}

/** Runs the head on the engine's channels-last features; side tensors as the backbone returned them. */
export function runHead(plan: HeadPlan, features: tf.Tensor, side: readonly tf.Tensor[], layout: OnnxLayout): tf.Tensor2D {
  const vals: tf.Tensor[] = [];
  const gapFirst = plan.startsWithGap && layout === 'NCHW';
  if (gapFirst) vals.push(channelsLastGlobalAveragePool(features));
  const y = evaluatePlan(plan, gapFirst ? features : featuresToModelLayout(features, layout), side, vals);
  return (y.rank === 2 ? y : tf.reshape(y, [y.shape[0]!, -1])) as tf.Tensor2D;
}

/**
 * The filtered head for one input's channels-last features A [1, h, w, C]: f -> outputs, through the
 * one step that reads the features when it can read them factored (a Conv: filteredConv.ts). Null
 * when there is no such step or when the pass is already cheap (the features averaged first).
 */
export function prepareFilteredPlan(plan: HeadPlan, features: tf.Tensor, side: readonly tf.Tensor[], layout: OnnxLayout): PreparedFilter | null {
  if (layout !== 'NCHW' || plan.startsWithGap) return null;
  const readers = plan.steps.flatMap((s, i) => (s.inputs.some((r) => r.k === 'f') ? [i] : []));
  if (readers.length !== 1) return null;
  const j = readers[0]!;
  const reader = plan.steps[j]!;
  if (!reader.op.filtered || plan.pooled.has(j) || reader.inputs[0]!.k !== 'f' || reader.inputs.slice(1).some((r) => r.k === 'f')) return null;
  return prepareHeadFilter(reader.op.filtered, (value) => {
    const y = evaluatePlan(plan, null, side, [], { step: j, value });
    return (y.rank === 2 ? y : tf.reshape(y, [y.shape[0]!, -1])) as tf.Tensor2D;
  })(features);
}

/**
 * The head's output in the model's own layout and shape. `vals` holds the results of steps already
 * run (runHead's channels-last GlobalAveragePool); the rest are run here, but for `given`: a step's
 * output computed elsewhere (prepareFilteredPlan's).
 */
export function evaluatePlan(
  plan: HeadPlan,
  x: tf.Tensor | null,
  side: readonly tf.Tensor[],
  vals: tf.Tensor[] = [],
  given?: { step: number; value: tf.Tensor },
): tf.Tensor {
  const get = (r: Ref): tf.Tensor | null => {
    switch (r.k) {
      case 'f':
        return x;
      case 'step':
        return vals[r.i]!;
      case 'side':
        return side[r.i]!;
      case 'const':
        return r.t;
      case 'none':
        return null;
    }
  };
  for (let k = vals.length; k < plan.steps.length; k++) {
    if (given?.step === k) {
      vals.push(given.value);
      continue;
    }
    const s = plan.steps[k]!;
    const xs = s.inputs.map(get);
    if (plan.pooled.has(k)) {
      // ONNX layout: the spatial axes are 2.. (NCHW, NCDHW)
      const j = s.inputs.findIndex(isVarying);
      const x = xs[j]!;
      xs[j] = tf.mean(x, Array.from({ length: x.rank - 2 }, (_, a) => a + 2), true);
    }
    vals.push(s.op.fn(xs));
  }
  return get(plan.output)!;
}
