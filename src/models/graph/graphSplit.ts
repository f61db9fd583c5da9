// Splits a TF.js graph model at a chosen node: the backbone is the converter's own execution of
// the graph up to that node (plus any earlier tensors the head also reads), the head is every node
// from there to the output, translated to plain TF.js ops (translateNode.ts) and classified as
// affine in the filter or not. Shapes and constant-foldable values (a Flatten's target shape, for
// instance) come from one reference run at the input size.
import * as tf from '@tensorflow/tfjs-core';
import type { Head } from '../../attention/types.js';
import { makeHead } from '../layersSplit.js';
import { isSpatialShape, type BackboneOutput, type SplitModel } from '../split.js';
import { classifyHead, type StepSource } from './classify.js';
import { executeTo } from './execute.js';
import { refName, type GraphNode, type TensorRef } from './graphDef.js';
import type { GraphInfo } from './graphInfo.js';
import { planHead } from './headPlan.js';
import { IDENTITY_OPS, translateNode, type TranslatedNode } from './translateNode.js';
import type { Owned } from '../owned.js';
import { prepareHeadFilter } from '../filteredConv.js';
import { UnknownLayerError } from '../layerErrors.js';

/** The model's output, or the input of its final softmax (through any Identity nodes after it). */
export function logitsOf(info: GraphInfo): { ref: TensorRef; softmaxRemoved: boolean } {
  let ref = info.output;
  for (;;) {
    const n = info.graph.nodes.get(ref.node)!;
    if (n.op === 'Softmax') return { ref: n.inputs[0]!, softmaxRemoved: true };
    if (IDENTITY_OPS.has(n.op) && n.inputs.length === 1) ref = n.inputs[0]!;
    else return { ref: info.output, softmaxRemoved: false };
  }
}

/** Where a data input comes from when the head runs. */
type Source = { kind: 'f' } | { kind: 'step'; index: number } | { kind: 'side'; index: number } | { kind: 'static'; tensor: tf.Tensor };

interface Step {
  node: GraphNode;
  t: TranslatedNode;
  /** per input index; undefined for parameter inputs */
  sources: (Source | undefined)[];
}

export function splitGraphModel(info: GraphInfo, layerName: string, outputKind: 'logits' | 'embedding' = 'logits'): SplitModel {
  const { graph, where } = info;
  const chosen = graph.nodes.get(layerName);
  if (!chosen || !info.imageDependent.has(layerName)) {
    throw new UnknownLayerError(`${where}: no layer named "${layerName}" (run \`l2caf layers\` to list them)`);
  }
  const { ref: out, softmaxRemoved } = logitsOf(info);

  const { headNodes, roles, sideRefs, constRefs } = planHead(info, layerName, out);

  // Reference run: shapes of everything the head touches, values of constant-foldable inputs.
  const refNames = [layerName, ...headNodes.map((n) => n.name), ...sideRefs, ...constRefs];
  const shapes = new Map<string, number[]>();
  const folded = new Map<string, tf.Tensor>();
  const owned: Owned[] = [];
  const disposeOwned = () => {
    for (const t of owned) t.dispose();
    owned.length = 0;
  };
  {
    const zeros = tf.zeros(info.inputShape);
    const outs = executeTo(info.model, info.inputName, zeros, refNames, where);
    zeros.dispose();
    refNames.forEach((name, i) => {
      const t = outs[i]!;
      shapes.set(name, t.shape);
      if (constRefs.has(name) && !folded.has(name)) {
        folded.set(name, t);
        if (!info.weightIds.has(t.id)) owned.push(t);
      } else if (!info.weightIds.has(t.id) && ![...folded.values()].includes(t)) t.dispose();
    });
  }
  const featureShape = shapes.get(layerName)!.slice(1);
  if (!isSpatialShape(featureShape) || featureShape.length !== 3) {
    disposeOwned();
    throw new Error(
      `${where}: layer "${layerName}" has output shape [${featureShape.join(', ')}] without spatial extent (needs h, w > 1); choose an earlier layer`,
    );
  }
  const constant = (r: TensorRef): tf.Tensor => {
    const n = graph.nodes.get(r.node)!;
    if (n.op === 'Const') {
      const w = info.model.weights[r.node]?.[r.index];
      if (!w) throw new Error(`${where}: constant "${r.node}" has no weights in the model`);
      return w;
    }
    return folded.get(refName(r))!;
  };

  const stepIndex = new Map<string, number>();
  const steps: Step[] = [];
  try {
    for (const n of headNodes) {
      const role = roles.get(n.name)!;
      const t = translateNode({
        node: n,
        where,
        role: (i) => {
          const r = role[i];
          if (r === undefined || r === 'param') throw new Error(`${where}: node "${n.name}": input ${i} is a parameter`);
          return r;
        },
        constant: (i) => constant(n.inputs[i]!),
        inShape: (i) => shapes.get(refName(n.inputs[i]!)) ?? constant(n.inputs[i]!).shape,
        outShape: shapes.get(n.name)!,
      });
      owned.push(...t.owned);
      const sources = n.inputs.map((r, i): Source | undefined => {
        switch (role[i]) {
          case 'param':
            return undefined;
          case 'dyn':
            return r.node === layerName ? { kind: 'f' } : { kind: 'step', index: stepIndex.get(r.node)! };
          case 'side':
            return { kind: 'side', index: sideRefs.indexOf(refName(r)) };
          default:
            return { kind: 'static', tensor: constant(r) };
        }
      });
      stepIndex.set(n.name, steps.length);
      steps.push({ node: n, t, sources });
    }
  } catch (e) {
    disposeOwned();
    throw e;
  }
  // (A final softmax is not among the steps: its input is the head's output. A softmax elsewhere
  // is a nonlinearity like any other.)
  const linearity = classifyHead(
    steps.map((s) => ({
      kind: s.t.kind,
      sources: s.sources.filter((x): x is Source => x !== undefined).map((x): StepSource => (x.kind === 'f' ? 'f' : x.kind === 'step' ? x.index : x.kind)),
    })),
  );
  // The one step that reads the filtered features, when it can read them factored (filteredConv.ts).
  const readers = steps.flatMap((s, index) => (s.sources.some((x) => x?.kind === 'f') ? [{ t: s.t, index }] : []));
  const factored = readers.length === 1 && readers[0]!.t.filtered && steps[readers[0]!.index]!.sources[0]?.kind === 'f' ? readers[0]! : null;
  const outShape = shapes.get(out.node)!;
  const numOutputs = outShape.slice(1).reduce((a, b) => a * b, 1);

  // `given`: a step's output computed elsewhere (the filtered step, factored)
  const run = (features: tf.Tensor | null, side: tf.Tensor[], given?: { step: number; value: tf.Tensor }): tf.Tensor2D => {
    const vals: tf.Tensor[] = [];
    for (const [k, s] of steps.entries()) {
      if (given?.step === k) {
        vals.push(given.value);
        continue;
      }
      const xs = s.sources.map((src) => {
        if (!src) return undefined;
        if (src.kind === 'f') return features!;
        if (src.kind === 'step') return vals[src.index]!;
        if (src.kind === 'side') return side[src.index]!;
        return src.tensor;
      });
      vals.push(s.t.fn(xs));
    }
    const y = vals[vals.length - 1]!;
    return (y.rank === 2 ? y : tf.reshape(y, [y.shape[0]!, -1])) as tf.Tensor2D;
  };

  return {
    layer: layerName,
    layerShape: featureShape,
    softmaxRemoved,
    runBackbone(input: tf.Tensor): BackboneOutput {
      const names = [layerName, ...sideRefs];
      const B = input.shape[0]!;
      if (info.fixedBatch !== 1 || B === 1) {
        const outs = executeTo(info.model, info.inputName, input, names, where);
        return { features: outs[0]!, side: outs.slice(1) };
      }
      // A graph frozen with batch 1 (common for exported classifiers): one image at a time.
      const per = tf.unstack(input).map((x) => {
        const one = tf.expandDims(x, 0);
        const outs = executeTo(info.model, info.inputName, one, names, where);
        tf.dispose([x, one]);
        return outs;
      });
      const joined = names.map((_, k) => tf.concat(per.map((o) => o[k]!), 0));
      tf.dispose(per.flat());
      // side tensors are per-image too, so they keep the batch
      return { features: joined[0]!, side: joined.slice(1) };
    },
    head(bb: BackboneOutput): Head {
      const head: Head = { ...makeHead(featureShape, numOutputs, linearity, (f) => run(f, bb.side), outputKind), layer: layerName };
      if (factored) head.prepareFilter = prepareHeadFilter(factored.t.filtered!, (value) => run(null, bb.side, { step: factored.index, value }));
      return head;
    },
    dispose() {
      disposeOwned();
    },
  };
}
