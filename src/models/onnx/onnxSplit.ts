// Splits an ONNX model at a chosen tensor: the backbone runs in ONNX Runtime on an edited copy of
// the graph (input -> chosen tensor, channels-last at both ends, plus the side tensors the head
// reads; nothing after), the head in TF.js (onnxHead.ts).
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import type { Head } from '../../attention/types.js';
import { gapOnlyAffine, type AffineMap } from '../../attention/affine.js';
import { makeHead } from '../layersSplit.js';
import { isSpatialShape, type BackboneOutput, type SplitModel } from '../split.js';
import { backboneModel, type BackboneGraph } from './onnxEdit.js';
import type { OnnxGraph } from './onnxGraph.js';
import { planHead, prepareFilteredPlan, runHead } from './onnxHead.js';
import { engineShape, type OnnxLayout } from './onnxLayout.js';
import type { TensorFacts } from './onnxShapes.js';
import { createSession } from './ortSession.js';
import { gapLinearOf, isGapOnly } from './gapLinear.js';
import { perPositionModel, PER_POSITION_INPUT, PER_POSITION_OUTPUT } from './perPositionModel.js';
import { attachEngine, headGradEngine, type HeadGradEngine } from './headGradEngine.js';
import { buildGradGraph } from './onnxGradGraph.js';
import { UnknownLayerError } from '../layerErrors.js';

/** The tensor a --layer value names: a tensor name, or a node name (its first output). */
export function resolveLayerName(g: OnnxGraph, facts: Map<string, TensorFacts>, name: string): string {
  if (g.producer.has(name) && facts.has(name)) return name;
  const viaNode = g.nodeOutput.get(name);
  if (viaNode && facts.has(viaNode)) return viaNode;
  throw new UnknownLayerError(`${g.where}: no node or tensor named "${name}" (run \`l2caf layers\` to list them)`);
}

function toTf(v: ort.Tensor): tf.Tensor {
  const dims = v.dims.map(Number);
  if (v.type === 'float32') return tf.tensor(v.data as Float32Array, dims, 'float32');
  if (v.type === 'int64') return tf.tensor(Int32Array.from(v.data as BigInt64Array, (b) => Number(b)), dims, 'int32');
  if (v.type === 'int32') return tf.tensor(v.data as Int32Array, dims, 'int32');
  throw new Error(`ONNX Runtime returned a ${v.type} tensor (float32 or integer expected)`);
}

export function splitOnnxModel(
  g: OnnxGraph,
  layout: OnnxLayout,
  facts: Map<string, TensorFacts>,
  layerName: string,
  output: string,
  threads: number,
): SplitModel {
  const chosen = resolveLayerName(g, facts, layerName);
  const dims = facts.get(chosen)!.dims;
  const featureShape = engineShape(dims, layout);
  if (!isSpatialShape(featureShape)) {
    throw new Error(`${g.where}: "${layerName}" has output shape [${featureShape.join(', ')}] without spatial extent (needs h, w > 1); choose an earlier layer`);
  }
  const plan = planHead(g, facts, chosen, output);
  const S = featureShape.slice(0, -1).reduce((a, b) => a * b, 1);
  const C = featureShape[featureShape.length - 1]!;
  const gapOnly = isGapOnly(plan, C);
  // GAP + one linear layer: ONNX Runtime also computes J^T (gapLinear.ts), which the exact solvers,
  // CAM and Grad-CAM read instead of a TF.js pass over the head.
  const linear = gapOnly ? null : gapLinearOf(plan, C, S);
  let graph: BackboneGraph | null = null;
  let session: Promise<ort.InferenceSession> | null = null;
  let jSession: Promise<ort.InferenceSession> | null = null;
  const open = () => {
    graph ??= backboneModel(g, layout, chosen, dims.length, plan.side);
    session ??= createSession(graph.bytes, threads, g.where);
    if (linear) jSession ??= createSession(perPositionModel(linear), threads, `${g.where} (per-position head)`);
    return session;
  };
  const runOne = async (values: Float32Array, shape: readonly number[]): Promise<BackboneOutput> => {
    const s = await open();
    const feeds = { [graph!.inputName]: new ort.Tensor('float32', values, shape) };
    const res = await s.run(feeds, graph!.outputNames);
    const [f, ...side] = graph!.outputNames.map((n) => toTf(res[n] as ort.Tensor));
    const first = res[graph!.outputNames[0]!] as ort.Tensor;
    // J for a single input (a batch never needs it); the features tensor is fed as it came
    const perPosition = jSession && shape[0] === 1 && first.type === 'float32' ? ((await (await jSession).run({ [PER_POSITION_INPUT]: first }))[PER_POSITION_OUTPUT] as ort.Tensor) : null;
    return {
      features: f!,
      side,
      ...(first.type === 'float32' ? { featuresData: first.data as Float32Array } : {}),
      ...(perPosition?.type === 'float32' ? { perPositionData: perPosition.data as Float32Array } : {}),
    };
  };
  // Models exported with a fixed batch of 1 (the usual torch.onnx.export without dynamic axes)
  // take a batch (the faithfulness metrics send 8 perturbed inputs) one input at a time.
  const fixedBatchOfOne = g.input.dims[0] === 1;
  const runValues = async (values: Float32Array, shape: readonly number[]): Promise<BackboneOutput> => {
    const B = shape[0] ?? 1;
    if (B === 1 || !fixedBatchOfOne) return runOne(values, shape);
    const per = values.length / B;
    const outs: BackboneOutput[] = [];
    try {
      for (let i = 0; i < B; i++) outs.push(await runOne(values.subarray(i * per, (i + 1) * per), [1, ...shape.slice(1)]));
      return {
        features: tf.concat(outs.map((o) => o.features)),
        side: outs[0]!.side.map((_, j) => tf.concat(outs.map((o) => o.side[j]!))),
      };
    } finally {
      for (const o of outs) for (const t of [o.features, ...o.side]) t.dispose();
    }
  };
  // the head's forward+backward on ONNX Runtime, for the iterative solver (built on first use)
  let grad: HeadGradEngine | null = null;
  let disposed = false;
  return {
    layer: chosen,
    layerShape: featureShape,
    softmaxRemoved: plan.softmaxRemoved,
    runBackbone: async (input: tf.Tensor): Promise<BackboneOutput> => runValues((await input.data()) as Float32Array, input.shape),
    runBackboneValues: runValues,
    head(out: BackboneOutput): Head {
      const head: Head = {
        ...makeHead(featureShape, plan.numOutputs, plan.linearity, (f) => runHead(plan, f, out.side, layout)),
        layer: chosen,
        prepareFilter: (features) => prepareFilteredPlan(plan, features, out.side, layout),
      };
      // The affine map from arrays ONNX Runtime returned, for a single input, without a TF.js pass
      // (the exact solvers', CAM's and Grad-CAM's input): GAP and reshapes only, J^T is the
      // features / S; GAP + one linear layer, J^T came from the per-position session.
      const data = out.featuresData;
      const jt = out.perPositionData;
      const K = plan.numOutputs;
      const build =
        gapOnly && data?.length === S * K
          ? () => gapOnlyAffine(data, S, K)
          : linear && jt?.length === S * K
            ? (): AffineMap => ({ J: jt, transposed: true, c: linear.bias, K, S })
            : null;
      // Non-linear heads: the iterative solver's passes on ONNX Runtime (affine heads iterate on
      // their affine form instead); the graph is built and loaded on the first such head.
      if (plan.linearity === 'nonlinear' && data?.length === S * C && !disposed) {
        grad ??= headGradEngine(() => buildGradGraph(g, facts, plan, chosen), layout, threads);
        attachEngine(head, grad, out.features, () => data, S, out.side, () => !disposed);
      }
      if (build) {
        // one map per backbone output, so what is derived from it (the logits) is computed once
        let map: AffineMap | undefined;
        head.affineMap = (f) => (f === out.features ? (map ??= build()) : null);
      }
      return head;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const t of plan.owned) t.dispose();
      for (const s of [session, jSession]) s?.then((x) => x.release()).catch(() => {});
      grad?.dispose();
    },
  };
}
