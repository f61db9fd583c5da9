// Loads an ONNX model (a .onnx file, or a folder holding one, with labels.json/labels.txt beside
// it) as a LoadedModel: the same facts the TF.js loader gives (input size, preprocessing, labels,
// layers with shapes, default layer), and splits whose backbone runs in ONNX Runtime.
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { ModelFileError, statLocation } from '../fileHandler.js';
import { readLabels } from '../labels.js';
import type { LoadedModel, ModelSpec } from '../modelTypes.js';
import { defaultLayer, isSpatialShape, type LayerInfo } from '../split.js';
import { inputLayout, readGraph, type OnnxGraph } from './onnxGraph.js';
import { engineShape, type OnnxLayout } from './onnxLayout.js';
import { inferShapes, type TensorFacts } from './onnxShapes.js';
import { splitOnnxModel } from './onnxSplit.js';
import { ortThreadCount } from './ortSession.js';
import { onnxOutputFacts } from './onnxOutputFacts.js';
import { inputSizeOf, labelsFitting, loadedModel, outputKindOf, preprocessingOf } from '../modelFacts.js';

export interface OnnxModelSpec extends ModelSpec {
  /** the graph output with the logits (catalogue outputName); default: the first output */
  outputName?: string | null;
  /** catalogue inputLayout; default: from the input's dims */
  inputLayout?: OnnxLayout | null;
  /** ONNX Runtime intra-op threads (--ort-threads); default: L2CAF_ORT_THREADS, else 1 in a worker, all cores in the main thread */
  threads?: number;
}

/** The .onnx file for a path: the file itself, or a folder's model.onnx (or its only .onnx). */
export async function onnxFilePath(location: string): Promise<string> {
  const { path: p, isDirectory } = await statLocation(location);
  if (!isDirectory) return p;
  const names = (await readdir(p)).filter((n) => n.toLowerCase().endsWith('.onnx'));
  if (names.includes('model.onnx')) return path.join(p, 'model.onnx');
  if (names.length === 1) return path.join(p, names[0]!);
  throw new ModelFileError(`${p}: ${names.length ? `several .onnx files (${names.join(', ')}); pass one` : 'no .onnx file in this folder'}`);
}

/** True for a .onnx path, or a folder holding a .onnx file and no model.json. */
export async function isOnnxLocation(location: string): Promise<boolean> {
  const p = location.startsWith('file://') ? new URL(location).pathname : location;
  if (/\.onnx$/i.test(p)) return true;
  try {
    if (!(await stat(p)).isDirectory()) return false;
    const names = await readdir(p);
    return !names.includes('model.json') && names.some((n) => n.toLowerCase().endsWith('.onnx'));
  } catch {
    return false;
  }
}

/** Every node output with a float tensor, in graph order, with its shape as the engine sees it. */
export function listOnnxLayers(g: OnnxGraph, facts: Map<string, TensorFacts>, layout: OnnxLayout): LayerInfo[] {
  const out: LayerInfo[] = [];
  for (const n of g.nodes) {
    const name = n.output?.[0];
    const f = name ? facts.get(name) : undefined;
    if (!name || !f || n.opType === 'Constant' || f.type !== 'float32') continue;
    const shape = engineShape(f.dims, layout);
    out.push({ name, type: n.opType ?? '?', shape, spatial: isSpatialShape(shape) });
  }
  return out;
}

export async function loadOnnxModel(spec: OnnxModelSpec): Promise<LoadedModel> {
  const file = await onnxFilePath(spec.location);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new ModelFileError(`${file}: cannot read: ${(e as Error).message}`);
  }
  const g = readGraph(bytes, file);
  const layout = inputLayout(g, spec.inputLayout);
  const assumptions: string[] = [];
  const d = g.input.dims;
  const [h, w] = layout === 'NCHW' ? [d[d.length - 2]!, d[d.length - 1]!] : [d[d.length - 3]!, d[d.length - 2]!];
  const inputSize = inputSizeOf(file, spec.inputSize, h, w, assumptions, spec.sourceSize);
  const preprocessing = preprocessingOf(
    spec.preprocessing,
    assumptions,
    'preprocessing x/255 assumed (pass --scale S --offset O for another; PyTorch ImageNet models usually need --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225)',
  );
  const output = spec.outputName ?? g.outputs[0]!;
  if (!g.outputs.includes(output)) throw new ModelFileError(`${file}: no graph output named "${output}" (outputs: ${g.outputs.join(', ')})`);
  if (!spec.outputName && g.outputs.length > 1) assumptions.push(`the model has ${g.outputs.length} outputs; the first, "${output}", is taken as the logits`);
  const threads = ortThreadCount(spec.threads);
  const facts = await inferShapes(g, layout, inputSize, threads);
  const layers = listOnnxLayers(g, facts, layout);
  let def = spec.defaultLayer ?? null;
  if (def && !layers.some((l) => l.name === def) && !g.nodeOutput.has(def)) {
    // catalogue names for third-party graphs may not be checkable before download
    assumptions.push(`the catalogue's default layer "${def}" is not in the graph; using the last node output with spatial extent`);
    def = null;
  }
  def ??= defaultLayer(layers);
  if (!def) throw new ModelFileError(`${file}: no node output with spatial extent (h, w > 1) found`);

  let labels = spec.labels ?? null;
  if (!labels) labels = (await readLabels(path.dirname(file)))?.labels ?? null;
  const out = onnxOutputFacts(g, output, facts.get(output)?.dims ?? []);
  labels = labelsFitting(labels, out.numOutputs, assumptions);
  const outputKind = outputKindOf(spec.outputKind, out, labels, assumptions);
  return loadedModel(
    { id: spec.id, location: spec.location, format: 'onnx', inputSize, preprocessing, labels, layers, defaultLayer: def, assumptions, outputKind },
    (layer) => splitOnnxModel(g, layout, facts, layer, output, threads),
  );
}
