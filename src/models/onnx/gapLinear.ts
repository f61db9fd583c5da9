// Heads whose affine map comes from arrays ONNX Runtime computes: global average pooling alone
// (isGapOnly), or followed by one linear layer (gapLinearOf: torchvision's classifiers, the ONNX
// zoo's MobileNet/ResNet/EfficientNet exports): out = W^T mean_s A_s + b. Its affine map
// is J^T = A W / S (row s: position s's effect on every output) and c = b. Forming J is the exact
// solvers' main cost on such heads (49 x 1280 x 1000 multiply-adds for MobileNetV2, as much work
// as a fifth of its backbone); ONNX Runtime's GEMM does it several times faster than TF.js on
// wasm (perPositionModel.ts).
import type { HeadPlan, HeadStep } from './onnxHead.js';
import { attrFloat, attrInt } from './onnxProto.js';

/** Ops that only reshape the pooled [1, C, 1, 1] / [1, C] vector. */
const RESHAPES = new Set(['Flatten', 'Reshape', 'Squeeze', 'Unsqueeze', 'Identity', 'Dropout']);

/**
 * A head that is global average pooling and reshapes only (the last convolution is the classifier,
 * as in darknet, NiN, SqueezeNet): J^T is the features / S, with nothing to compute.
 */
export function isGapOnly(plan: HeadPlan, C: number): boolean {
  return (
    plan.startsWithGap &&
    plan.side.length === 0 &&
    plan.numOutputs === C &&
    plan.steps.slice(1).every((st) => st.op.kind === 'identity' || RESHAPES.has(st.node.opType ?? ''))
  );
}

export interface GapLinear {
  /** W / S as C x K, row-major: J^T (S x K) = features (S x C, channels last) x this. */
  weights: Float32Array;
  /** c (K): the head's outputs for zero features. */
  bias: Float32Array;
  C: number;
  K: number;
  S: number;
}

/** Input i of a step as plain values when the planner found it constant, else null. */
function constInput(step: HeadStep, i: number): Float32Array | null {
  const r = step.inputs[i];
  return r?.k === 'const' ? (r.t.dataSync() as Float32Array) : null;
}

/** A bias of length K from a constant of size K or 1 (broadcast), scaled. */
function biasOf(v: Float32Array, K: number, scale: number): Float32Array | null {
  if (v.length !== K && v.length !== 1) return null;
  return Float32Array.from({ length: K }, (_, k) => scale * v[v.length === 1 ? 0 : k]!);
}

/**
 * The head's W / S and b when it is GAP, reshapes, one Gemm or MatMul with constant weights, an
 * optional constant bias Add, and reshapes; null for any other head (which keeps the TF.js route).
 */
export function gapLinearOf(plan: HeadPlan, C: number, S: number): GapLinear | null {
  if (!plan.startsWithGap || plan.side.length || plan.linearity !== 'gap-affine') return null;
  const K = plan.numOutputs;
  let weights: Float32Array | null = null;
  let bias: Float32Array = new Float32Array(K);
  for (const step of plan.steps.slice(1)) {
    const op = step.node.opType ?? '';
    if (RESHAPES.has(op)) continue;
    // the chain must enter as the first operand (classify() made sure there is exactly one)
    if (step.inputs[0]?.k !== 'step') return null;
    if ((op === 'Gemm' || op === 'MatMul') && !weights) {
      const n = step.node;
      if (op === 'Gemm' && attrInt(n, 'transA', 0) !== 0) return null;
      const B = constInput(step, 1);
      const dims = step.inputs[1]?.k === 'const' ? step.inputs[1].t.shape : [];
      if (!B || dims.length !== 2) return null;
      const tb = op === 'Gemm' && attrInt(n, 'transB', 0) === 1;
      const [rows, cols] = tb ? [dims[1]!, dims[0]!] : [dims[0]!, dims[1]!];
      if (rows !== C || cols !== K) return null;
      const alpha = (op === 'Gemm' ? attrFloat(n, 'alpha', 1) : 1) / S;
      weights = new Float32Array(C * K);
      for (let c = 0; c < C; c++) for (let k = 0; k < K; k++) weights[c * K + k] = alpha * B[tb ? k * C + c : c * K + k]!;
      if (op === 'Gemm' && (n.input?.length ?? 0) > 2 && n.input![2]) {
        const b = constInput(step, 2);
        const scaled = b && biasOf(b, K, attrFloat(n, 'beta', 1));
        if (!scaled) return null;
        bias = scaled;
      }
      continue;
    }
    if (op === 'Add' && weights) {
      const b = constInput(step, 1);
      const add = b && biasOf(b, K, 1);
      if (!add) return null;
      bias = bias.map((v, k) => v + add[k]!);
      continue;
    }
    return null;
  }
  return weights ? { weights, bias, C, K, S } : null;
}
