// Splits a TF.js layers model at a chosen layer: the backbone is a sub-model (input -> chosen
// layer, plus any earlier tensors the head also reads), run once per input with the layers' own
// kernels; the head is the rest, rebuilt from plain ops (layersTranslate.ts) and classified as
// affine in the filter or not.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { Head, HeadLinearity } from '../attention/types.js';
import { translateLayer, type TranslatedLayer } from './layersTranslate.js';
import { poolBeforeGap } from './poolBeforeGap.js';
import { prepareHeadFilter } from './filteredConv.js';
import { isSpatialShape, type BackboneOutput, type LayerInfo, type SplitModel } from './split.js';
import { layersForwardGraph } from './layersOnnx.js';
import { buildGradModel } from './onnx/gradModel.js';
import { attachEngine, headGradEngine, type HeadGradEngine } from './onnx/headGradEngine.js';
import { ortThreadCount } from './onnx/ortSession.js';
import { UnknownLayerError } from './layerErrors.js';

type Layer = tfl.LayersModel['layers'][number];
type SymbolicTensor = tfl.SymbolicTensor;

function outputShapeOf(layer: Layer): number[] | null {
  try {
    const s = layer.outputShape as (number | null)[] | (number | null)[][];
    if (Array.isArray(s[0])) return null; // several outputs: not a candidate
    return (s as (number | null)[]).slice(1).map((d) => (d == null ? -1 : d));
  } catch {
    return null;
  }
}

export function listLayers(model: tfl.LayersModel): LayerInfo[] {
  return model.layers
    .filter((l) => l.getClassName() !== 'InputLayer')
    .map((l) => {
      const shape = outputShapeOf(l);
      return { name: l.name, type: l.getClassName(), shape, spatial: isSpatialShape(shape) };
    });
}

/** The node of `layer` that belongs to `model` (a loaded model has one per layer). */
function inboundNode(layer: Layer): { inputs: SymbolicTensor[]; output: SymbolicTensor } {
  // tfjs-layers keeps the graph in Node objects that its typings mark internal.
  const nodes = (layer as unknown as { inboundNodes: { inputTensors: SymbolicTensor[]; outputTensors: SymbolicTensor[] }[] }).inboundNodes;
  if (nodes.length !== 1) {
    throw new Error(`layer ${layer.name} is used ${nodes.length} times in the model (shared layers are not supported after the chosen layer)`);
  }
  const n = nodes[0]!;
  if (n.outputTensors.length !== 1) throw new Error(`layer ${layer.name} has ${n.outputTensors.length} outputs (one expected)`);
  return { inputs: n.inputTensors, output: n.outputTensors[0]! };
}

interface HeadStep {
  t: TranslatedLayer;
  /** per input: 'f' = the filtered features, a number = output of step k, {side: i} = backbone side tensor i */
  inputs: ('f' | number | { side: number })[];
}

export function splitLayersModel(model: tfl.LayersModel, layerName: string, where: string): SplitModel {
  let chosen: Layer;
  try {
    chosen = model.getLayer(layerName);
  } catch {
    throw new UnknownLayerError(`${where}: no layer named "${layerName}" (run \`l2caf layers\` to list them)`);
  }
  const shape = outputShapeOf(chosen);
  if (!isSpatialShape(shape)) {
    throw new Error(
      `${where}: layer "${layerName}" has output shape [${shape?.join(', ') ?? '?'}] without spatial extent (needs h, w > 1); choose an earlier layer`,
    );
  }
  if (model.outputs.length !== 1) throw new Error(`${where}: the model has ${model.outputs.length} outputs (one expected)`);
  if (model.inputs.length !== 1) throw new Error(`${where}: the model has ${model.inputs.length} inputs (one image input expected)`);

  const chosenOut = inboundNode(chosen).output;
  // Walk the layers after the chosen one in topological order (model.layers is sorted by depth).
  const order = model.layers;
  const idx = order.indexOf(chosen);
  const producedBy = new Map<number, number>(); // symbolic tensor id -> step index
  const candidates: { layer: Layer; inputs: SymbolicTensor[]; output: SymbolicTensor }[] = [];
  const downstream = new Set<number>([chosenOut.id]);
  for (const layer of order.slice(idx + 1)) {
    if (layer.getClassName() === 'InputLayer') continue;
    const node = inboundNode(layer);
    if (node.inputs.some((t) => downstream.has(t.id))) {
      downstream.add(node.output.id);
      candidates.push({ layer, ...node });
    }
  }
  const finalOut = model.outputs[0]!;
  if (!downstream.has(finalOut.id) || finalOut.id === chosenOut.id) {
    throw new Error(`${where}: layer "${layerName}" does not lead to the model's output; choose a layer before the output`);
  }
  // Keep only what the output needs.
  const needed = new Set<number>([finalOut.id]);
  for (let i = candidates.length - 1; i >= 0; i--) {
    const c = candidates[i]!;
    if (needed.has(c.output.id)) for (const t of c.inputs) needed.add(t.id);
  }
  let chain = candidates.filter((c) => needed.has(c.output.id));

  // Logits: a softmax at the very end is removed (its own layer, or a Dense/Conv activation).
  let softmaxRemoved = false;
  const steps: HeadStep[] = [];
  const sideTensors: SymbolicTensor[] = [];
  const sideIndex = new Map<number, number>();
  const translated = chain.map((c) => translateLayer(c.layer));
  let outputStep = translated.length - 1;
  const last = translated[outputStep]!;
  // the last layer kept, with its softmax activation dropped (not a bare softmax layer removed)
  let lastWithoutSoftmax = false;
  if (last.endsInSoftmax) {
    softmaxRemoved = true;
    lastWithoutSoftmax = !!last.withoutSoftmax;
    if (last.withoutSoftmax) translated[outputStep] = last.withoutSoftmax;
    else {
      // a bare softmax layer: the head's output is its input
      chain = chain.slice(0, -1);
      translated.pop();
      outputStep -= 1;
    }
  }
  chain.forEach((c, i) => {
    producedBy.set(c.output.id, i);
    steps.push({
      t: translated[i]!,
      inputs: c.inputs.map((t) => {
        if (t.id === chosenOut.id) return 'f';
        const p = producedBy.get(t.id);
        if (p !== undefined) return p;
        let s = sideIndex.get(t.id);
        if (s === undefined) {
          s = sideTensors.length;
          sideIndex.set(t.id, s);
          sideTensors.push(t);
        }
        return { side: s };
      }),
    });
  });
  if (steps.length === 0) {
    throw new Error(`${where}: nothing follows layer "${layerName}" but a softmax; choose an earlier layer`);
  }

  const backbone = tfl.model({ inputs: model.inputs, outputs: [chosenOut, ...sideTensors] });
  const linearity = classify(steps);
  const featureShape = shape!;
  const owned = steps.flatMap((s) => s.t.owned);

  // averaged over space before the pointwise layers that end in global average pooling (poolBeforeGap.ts)
  const pooled = poolBeforeGap(steps.map((s) => ({ kind: s.t.kind, reads: s.inputs.map((i) => (typeof i === 'number' ? i : null)) })));
  // `given`: a step's output computed elsewhere (the filtered step, factored)
  const run = (features: tf.Tensor | null, side: tf.Tensor[], given?: { step: number; value: tf.Tensor }): tf.Tensor2D => {
    const vals: tf.Tensor[] = [];
    steps.forEach((s, k) => {
      if (given?.step === k) {
        vals.push(given.value);
        return;
      }
      let xs = s.inputs.map((i) => (i === 'f' ? features! : typeof i === 'number' ? vals[i]! : side[i.side]!));
      if (pooled.has(k)) xs = [spatialMean(xs[0]!)];
      vals.push(s.t.fn(xs));
    });
    const y = vals[vals.length - 1]!;
    if (y.rank !== 2) return tf.reshape(y, [y.shape[0]!, -1]) as tf.Tensor2D;
    return y as tf.Tensor2D;
  };

  // The one step that reads the filtered features, when it can read them factored (filteredConv.ts)
  // and is not already run on their spatial mean.
  const readers = steps.flatMap((s, index) => (s.inputs.includes('f') ? [{ t: s.t, index }] : []));
  const factored = readers.length === 1 && readers[0]!.t.filtered && !pooled.has(readers[0]!.index) && steps[readers[0]!.index]!.inputs.length === 1 ? readers[0]! : null;

  const numOutputs = (() => {
    const s = finalOut.shape;
    return s.slice(1).reduce<number>((a, b) => a * (b ?? 1), 1);
  })();

  // Non-linear heads: the iterative solver's passes on ONNX Runtime when every layer has an ONNX
  // form (layersOnnx.ts); built and loaded on the first such head.
  let grad: HeadGradEngine | null = null;
  let disposed = false;
  const S = featureShape.slice(0, -1).reduce((a, b) => a * b, 1);
  const gradEngine = () =>
    (grad ??= headGradEngine(
      () => {
        const layerSteps = chain.map((c, i) => ({ layer: c.layer, inputs: steps[i]!.inputs, outputShape: c.output.shape.slice(1) as number[] }));
        const fw = layersForwardGraph(layerSteps, featureShape, sideTensors.map((t) => t.shape.slice(1) as number[]), lastWithoutSoftmax);
        return 'reason' in fw ? { ok: false, reason: fw.reason } : buildGradModel(fw);
      },
      'NCHW',
      ortThreadCount(),
    ));

  return {
    layer: layerName,
    layerShape: featureShape,
    softmaxRemoved,
    runBackbone(input: tf.Tensor): BackboneOutput {
      const outs = backbone.predict(input) as tf.Tensor | tf.Tensor[];
      const arr = Array.isArray(outs) ? outs : [outs];
      return { features: arr[0]!, side: arr.slice(1) };
    },
    head(out: BackboneOutput): Head {
      const head: Head = { ...makeHead(featureShape, numOutputs, linearity, (f) => run(f, out.side)), layer: layerName };
      if (factored) head.prepareFilter = prepareHeadFilter(factored.t.filtered!, (value) => run(null, out.side, { step: factored.index, value }));
      if (linearity === 'nonlinear' && out.features.shape[0] === 1 && !disposed) {
        attachEngine(head, gradEngine(), out.features, () => out.features.dataSync() as Float32Array, S, out.side, () => !disposed);
      }
      return head;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const t of owned) t.dispose();
      grad?.dispose();
    },
  };
}

/** Mean over the spatial axes (channels last), kept as size 1: [B, h, w, C] -> [B, 1, 1, C] (or 3-D). */
function spatialMean(x: tf.Tensor): tf.Tensor {
  const axes: number[] = [];
  for (let a = 1; a < x.rank - 1; a++) axes.push(a);
  return tf.mean(x, axes, true);
}

/** gap-affine: pointwise/identity ops, then global average pooling, then affine ops, as a chain. */
function classify(steps: HeadStep[]): HeadLinearity {
  const kinds = steps.map((s) => s.t.kind);
  if (kinds.includes('nonlinear')) return 'nonlinear';
  const chain = steps.every((s, i) => s.inputs.length === 1 && s.inputs[0] === (i === 0 ? 'f' : i - 1));
  if (chain) {
    const g = kinds.indexOf('gap');
    if (g >= 0 && kinds.slice(0, g).every((k) => k === 'pointwise' || k === 'identity')) return 'gap-affine';
  }
  return 'affine';
}

/**
 * Builds the Head object. For affine heads, J is computed without autodiff:
 * gap-affine: every position p contributes J[:, p] = (out(A_p as a 1x1 map) - out(0)) / S, so one
 *   head pass over the S positions as a batch of 1x1 maps gives J (a few matMuls);
 * affine: J[:, p] = out(A * e_p) - out(0), in batches of one-hot filters.
 */
export function makeHead(
  featureShape: number[],
  numOutputs: number,
  linearity: HeadLinearity,
  run: (features: tf.Tensor) => tf.Tensor2D,
  outputKind: 'logits' | 'embedding' = 'logits',
): Head {
  const filterShape = featureShape.slice(0, -1);
  const C = featureShape[featureShape.length - 1]!;
  const S = filterShape.reduce((a, b) => a * b, 1);
  const head: Head = {
    featureShape,
    filterShape,
    numOutputs,
    outputKind,
    linearity,
    apply: run,
  };
  if (linearity === 'gap-affine') {
    head.affine = (features) =>
      tf.tidy(() => {
        const ones = filterShape.map(() => 1);
        const perPos = tf.reshape(features, [S, ...ones, C]);
        const c = run(tf.zeros([1, ...ones, C]));
        const J = tf.transpose(tf.div(tf.sub(run(perPos), c), S)) as tf.Tensor2D;
        return { J, c: tf.reshape(c, [numOutputs]) as tf.Tensor1D };
      });
  } else if (linearity === 'affine') {
    head.affine = (features) =>
      tf.tidy(() => {
        const c = run(tf.zerosLike(features));
        // Keep each batch of one-hot filtered copies under ~64 MB.
        const perCopy = S * C;
        const batch = Math.max(1, Math.min(S, Math.floor(16_000_000 / perCopy)));
        const cols: tf.Tensor2D[] = [];
        for (let p0 = 0; p0 < S; p0 += batch) {
          const n = Math.min(batch, S - p0);
          const eye = tf.slice(tf.eye(S), [p0, 0], [n, S]);
          const filt = tf.reshape(eye, [n, ...filterShape, 1]);
          cols.push(tf.sub(run(tf.mul(features, filt)), c) as tf.Tensor2D);
        }
        const J = tf.transpose(tf.concat(cols, 0)) as tf.Tensor2D;
        return { J, c: tf.reshape(c, [numOutputs]) as tf.Tensor1D };
      });
  }
  return head;
}
