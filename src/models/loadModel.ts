// Loads a TF.js model (layers or graph) from a folder, a model.json, a file:// or an https:// URL,
// with the facts the engine needs: input size, preprocessing, labels, layers and the default layer.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import path from 'node:path';
import { fileHandler, modelJsonPath, readModelJson, ModelFileError } from './fileHandler.js';
import { readLabels } from './labels.js';
import type { LoadedModel, ModelSpec } from './modelTypes.js';
import { listLayers, splitLayersModel } from './layersSplit.js';
import { loadGraphModelFrom } from './graph/index.js';
import { defaultLayer } from './split.js';
import { isOnnxLocation, loadOnnxModel } from './onnx/loadOnnx.js';
import { featureMapReason, inputSizeOf, labelsFitting, loadedModel, outputKindOf, preprocessingOf } from './modelFacts.js';

export type { LoadedModel, ModelSpec } from './modelTypes.js';

export async function loadModel(spec: ModelSpec): Promise<LoadedModel> {
  const isHttp = /^https?:\/\//.test(spec.location);
  let handler: tf.io.IOHandler | string;
  let dir: string | null = null;
  let format: 'tfjs-layers' | 'tfjs-graph';
  let json: tf.io.ModelJSON;
  if (isHttp) {
    handler = spec.location;
    const res = await fetch(spec.location).catch((e: Error) => {
      throw new ModelFileError(`${spec.location}: cannot download (${e.message})`);
    });
    if (!res.ok) throw new ModelFileError(`${spec.location}: HTTP ${res.status}`);
    json = (await res.json()) as tf.io.ModelJSON;
    format = detectFormat(json, spec.location);
  } else {
    if (await isOnnxLocation(spec.location)) return loadOnnxModel(spec);
    const jsonPath = await modelJsonPath(spec.location);
    dir = path.dirname(jsonPath);
    json = await readModelJson(jsonPath);
    format = detectFormat(json, jsonPath);
    handler = fileHandler(jsonPath);
  }
  if (format === 'tfjs-graph') return loadGraphModelFrom(spec, handler, json, dir);
  let model: tfl.LayersModel;
  try {
    model = await tfl.loadLayersModel(handler as tf.io.IOHandler);
  } catch (e) {
    if (e instanceof ModelFileError) throw e;
    throw new ModelFileError(`${spec.location}: cannot load the model: ${(e as Error).message}`);
  }
  const assumptions: string[] = [];
  const inputShape = model.inputs[0]!.shape;
  // [B, h, w, 3] for images; [B, d, h, w, C] for 3-D models (volumes)
  const c = inputShape[inputShape.length - 1];
  const [h, w] = [inputShape[inputShape.length - 3], inputShape[inputShape.length - 2]];
  if (inputShape.length === 4 && c != null && c !== 3) {
    model.dispose();
    throw new ModelFileError(`${spec.location}: the model's input has ${c} channels (3 expected)`);
  }
  const inputSize = inputSizeOf(spec.location, spec.inputSize, h, w, assumptions, spec.sourceSize);
  const preprocessing = preprocessingOf(spec.preprocessing, assumptions);
  let labels = spec.labels ?? null;
  if (!labels && dir) labels = (await readLabels(dir))?.labels ?? null;
  const layers = listLayers(model);
  const def = spec.defaultLayer ?? defaultLayer(layers);
  if (!def) {
    model.dispose();
    throw new ModelFileError(`${spec.location}: no layer with spatial extent (h, w > 1) found`);
  }
  const outShape = model.outputs[0]!.shape;
  const K = outShape.slice(1).reduce<number>((a, b) => a * (b ?? 1), 1);
  labels = labelsFitting(labels, K, assumptions);
  const lastClass = model.layers[model.layers.length - 1]!;
  const endsInSoftmax = lastClass.getClassName() === 'Softmax' || (lastClass.getConfig() as Record<string, unknown>)['activation'] === 'softmax';
  const notScores = featureMapReason(model.outputs[0]!.name, outShape.slice(1).map((d) => d ?? 1));
  const outputKind = outputKindOf(spec.outputKind, { endsInSoftmax, numOutputs: K, notScores }, labels, assumptions);
  return loadedModel(
    { id: spec.id, location: spec.location, format, inputSize, preprocessing, labels, layers, defaultLayer: def, assumptions, outputKind },
    (layer) => splitLayersModel(model, layer, spec.location),
    () => model.dispose(),
  );
}

function detectFormat(json: tf.io.ModelJSON, where: string): 'tfjs-layers' | 'tfjs-graph' {
  const fmt = (json as { format?: string }).format;
  if (fmt === 'graph-model') return 'tfjs-graph';
  if (fmt === 'layers-model') return 'tfjs-layers';
  const topo = json.modelTopology as Record<string, unknown>;
  if (topo && ('node' in topo || 'versions' in topo)) return 'tfjs-graph';
  if (topo && ('model_config' in topo || 'class_name' in topo || 'config' in topo)) return 'tfjs-layers';
  throw new ModelFileError(`${where}: unrecognised TF.js model format`);
}
