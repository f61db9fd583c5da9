// The ONNX operator conformance runner: each backend-test case's whole graph translated by the head
// translator (onnxHead.ts, onnxOps.ts) and run on TF.js with the case's inputs, against the reference
// outputs. A translation that the translator refuses is 'refused' (the head would be refused too); a
// translation that runs but disagrees is 'fail', the case that must never happen: a head translated
// wrongly gives a plausible but wrong map. Static shapes come from ONNX Runtime, as for a real model
// (onnxShapes.ts).
import * as ort from 'onnxruntime-node';
import * as tf from '@tensorflow/tfjs-core';
import { allOutputsModel } from './onnxEdit.js';
import { evaluatePlan, planHead, type HeadGraph, type HeadPlan } from './onnxHead.js';
import { nodeLabel, onnx, tensorFromProto, toNum, type TensorProto } from './onnxProto.js';
import { UnsupportedOpError } from './onnxOpTypes.js';
import type { TensorFacts } from './onnxShapes.js';
import { compareValues, type CaseResult } from './conformanceCompare.js';
import { findCases, readCase, type ConformanceCase } from './conformanceCase.js';

const DT = onnx.TensorProto.DataType;
const FLOAT_TYPES = new Set<number>([DT.FLOAT, DT.DOUBLE]);

/** A refusal by the translator (or by the runner, for what a head can never receive). */
class Refused extends Error {}

function dimsOf(t: TensorProto): number[] {
  return (t.dims ?? []).map((d) => toNum(d as number));
}

function typeName(t: number | null | undefined): string {
  return (DT as unknown as Record<number, string>)[t ?? 0] ?? String(t);
}

/** The first node that reads a tensor, for messages that name the operator. */
function readerOf(c: ConformanceCase, name: string): string {
  const n = (c.model.graph!.node ?? []).find((m) => (m.input ?? []).includes(name));
  return n ? `node ${nodeLabel(n)}` : `graph input "${name}"`;
}

function nodesOf(c: ConformanceCase): string {
  return (c.model.graph!.node ?? []).map((n) => `node ${nodeLabel(n)}`).join(', ');
}

function headGraph(c: ConformanceCase): HeadGraph {
  const g = c.model.graph!;
  const nodes = g.node ?? [];
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => (n.output ?? []).forEach((o) => o && producer.set(o, i)));
  const initializers = new Map<string, TensorProto>();
  for (const t of g.initializer ?? []) if (t.name) initializers.set(t.name, t);
  return { where: c.name, nodes, producer, initializers, model: c.model };
}

/** Static dims of every tensor: the inputs', the initializers' and (from ONNX Runtime) every node output's. */
async function caseFacts(c: ConformanceCase, feeds: Record<string, ort.Tensor>): Promise<Map<string, TensorFacts>> {
  const facts = new Map<string, TensorFacts>();
  for (const t of c.model.graph!.initializer ?? []) facts.set(t.name!, { dims: dimsOf(t), type: typeName(t.dataType) });
  for (const i of c.inputs) facts.set(i.name, { dims: dimsOf(i.value), type: typeName(i.value.dataType) });
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(allOutputsModel({ bytes: c.bytes, where: c.name }), { logSeverityLevel: 3 });
  } catch (e) {
    throw new Refused(`${nodesOf(c)}: ONNX Runtime cannot load the case: ${(e as Error).message.split('\n')[0]}`);
  }
  try {
    const out = await session.run(feeds);
    for (const [name, v] of Object.entries(out)) facts.set(name, { dims: (v as ort.Tensor).dims.map(Number), type: (v as ort.Tensor).type });
  } catch (e) {
    throw new Refused(`${nodesOf(c)}: ONNX Runtime cannot run the case: ${(e as Error).message.split('\n')[0]}`);
  } finally {
    await session.release();
  }
  return facts;
}

/** The data inputs as TF.js tensors and ONNX Runtime feeds; heads compute in float32 only. */
function dataInputs(c: ConformanceCase): { tensors: tf.Tensor[]; feeds: Record<string, ort.Tensor> } {
  const g = c.model.graph!;
  for (const inp of g.input ?? []) {
    if (!inp.type?.tensorType) throw new Refused(`${readerOf(c, inp.name!)}: input "${inp.name}" is not a tensor (sequences and optionals are not supported)`);
  }
  // int32 data (the Pad mode cases) is computed as float32, exact for these small values; the other
  // integer types wrap or exceed float32's integers, which a head never needs
  for (const i of c.inputs) {
    if (i.value.dataType !== DT.FLOAT && i.value.dataType !== DT.INT32) {
      throw new Refused(`${readerOf(c, i.name)}: input "${i.name}" has element type ${typeName(i.value.dataType)} (a head computes in float32)`);
    }
  }
  const read = c.inputs.map((i) => tensorFromProto(i.value, c.name));
  const feeds: Record<string, ort.Tensor> = {};
  c.inputs.forEach((i, k) => {
    const t = read[k]!;
    feeds[i.name] = t.dtype === 'int32' ? new ort.Tensor('int32', t.dataSync() as Int32Array, t.shape) : new ort.Tensor('float32', t.dataSync() as Float32Array, t.shape);
  });
  const tensors = read.map((t) => (t.dtype === 'float32' ? t : tf.cast(t, 'float32')));
  read.forEach((t, k) => t !== tensors[k] && t.dispose());
  return { tensors, feeds };
}

/** Differentiates each output with respect to the features; the error message when that throws. */
function gradientProblem(plans: HeadPlan[], tensors: tf.Tensor[]): string | null {
  try {
    for (const p of plans) {
      tf.tidy(() => {
        const f = (x: tf.Tensor) => tf.sum(tf.cast(evaluatePlan(p, x, tensors.slice(1)), 'float32'));
        return tf.grad(f)(tensors[0]!);
      }).dispose();
    }
    return null;
  } catch (e) {
    return (e as Error).message.split('\n')[0]!;
  }
}

function disposePlans(plans: HeadPlan[]): void {
  for (const p of plans) for (const t of p.owned) t.dispose();
}

async function runCase(c: ConformanceCase): Promise<CaseResult> {
  const g = c.model.graph!;
  if (c.inputs.length === 0) {
    const n = g.node?.[0];
    throw new Refused(`${n ? `node ${nodeLabel(n)}` : c.name}: the graph reads no input (a head reads its features)`);
  }
  const { tensors, feeds } = dataInputs(c);
  const plans: HeadPlan[] = [];
  try {
    const facts = await caseFacts(c, feeds);
    const hg = headGraph(c);
    // A head reads only first outputs (planHead refuses the others), so secondary graph outputs
    // (Dropout's mask, LayerNormalization's Mean) are left unchecked and named in the result.
    const checked = c.outputs.filter((o) => {
      const n = hg.nodes[hg.producer.get(o.name) ?? -1];
      return !n || n.output?.[0] === o.name;
    });
    const unchecked = c.outputs.filter((o) => !checked.includes(o)).map((o) => o.name);
    for (const o of checked) plans.push(planHead(hg, facts, c.inputs[0]!.name, o.name, { keepFinalSoftmax: true }));
    let maxAbsErr = 0;
    for (let k = 0; k < checked.length; k++) {
      const ref = checked[k]!.value;
      // a clone: an identity head returns the input itself, which disposing would destroy
      const ours = tf.tidy(() => evaluatePlan(plans[k]!, tensors[0]!, tensors.slice(1)).clone());
      const values = ours.dataSync();
      const shape = ours.shape;
      ours.dispose();
      const refT = tensorFromProto(ref, c.name);
      const integer = !FLOAT_TYPES.has(ref.dataType ?? DT.FLOAT);
      const cmp = compareValues(values, shape, refT.dataSync(), refT.shape, integer);
      refT.dispose();
      maxAbsErr = Math.max(maxAbsErr, cmp.maxAbsErr);
      if (!cmp.ok) return { name: c.name, status: 'fail', maxAbsErr, message: `output "${checked[k]!.name}": ${cmp.message}` };
    }
    // Grad-CAM and L2-CAF differentiate the head: an op TF.js cannot differentiate (dilated conv2d)
    // would pass here and fail on the first map
    const gradProblem = gradientProblem(plans, tensors);
    if (gradProblem) return { name: c.name, status: 'fail', maxAbsErr, message: `no gradient: ${gradProblem}` };
    const note = unchecked.length ? `secondary outputs not checked (a head never reads them): ${unchecked.join(', ')}` : '';
    return { name: c.name, status: 'pass', maxAbsErr, message: note };
  } finally {
    disposePlans(plans);
    for (const t of tensors) t.dispose();
  }
}

/** Runs one case folder; never throws (an error that is not a refusal is a failure). */
export async function runCaseDir(dir: string): Promise<CaseResult> {
  let name = dir;
  try {
    const c = readCase(dir);
    name = c.name;
    return await runCase(c);
  } catch (e) {
    const refused = e instanceof Refused || e instanceof UnsupportedOpError;
    const msg = (e as Error).message.split('\n')[0]!.replace(`${name}: `, '');
    return { name: name.split('/').pop()!, status: refused ? 'refused' : 'fail', maxAbsErr: null, message: msg };
  }
}

/** Every case under the given folders, in path order. */
export async function runConformance(dirs: readonly string[], onResult?: (r: CaseResult) => void): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const dir of dirs) {
    for (const c of findCases(dir)) {
      const r = await runCaseDir(c);
      onResult?.(r);
      results.push(r);
    }
  }
  return results;
}
