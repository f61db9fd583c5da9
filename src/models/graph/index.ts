// Loads a TF.js graph model (format "graph-model", as tensorflowjs_converter writes it from a
// SavedModel, a frozen graph or a TF Hub module) into the engine's LoadedModel: layer list with
// output shapes, default layer, and a split whose backbone is the converter's execution and whose
// head is the graph's ops translated to plain TF.js ops. loadModel dispatches here.
import type * as tf from '@tensorflow/tfjs-core';
import * as tfc from '@tensorflow/tfjs-converter';
import { ModelFileError } from '../fileHandler.js';
import { readLabels } from '../labels.js';
import type { LoadedModel, ModelSpec } from '../modelTypes.js';
import { defaultLayer } from '../split.js';
import { graphInfo } from './graphInfo.js';
import { listGraphLayers } from './listNodes.js';
import { logitsOf, splitGraphModel } from './graphSplit.js';
import { featureMapReason, inputSizeOf, labelsFitting, loadedModel, outputKindOf, preprocessingOf } from '../modelFacts.js';

export { splitGraphModel } from './graphSplit.js';
export { depthwiseConvInputOnly, depthwiseInputGradient } from './depthwiseConv.js';

/**
 * handler: an IOHandler for a local model.json (fileHandler) or the https:// URL; json: the parsed
 * model.json (its modelTopology is the graph); dir: the model's folder when local (labels beside it).
 */
export async function loadGraphModelFrom(spec: ModelSpec, handler: tf.io.IOHandler | string, json: tf.io.ModelJSON, dir: string | null): Promise<LoadedModel> {
  const where = spec.location;
  let model: tfc.GraphModel;
  try {
    model = await tfc.loadGraphModel(handler);
  } catch (e) {
    if (e instanceof ModelFileError) throw e;
    throw new ModelFileError(`${where}: cannot load the graph model: ${(e as Error).message}`);
  }
  try {
    return await describe(spec, model, json, dir);
  } catch (e) {
    model.dispose();
    if (e instanceof ModelFileError) throw e;
    throw new ModelFileError((e as Error).message);
  }
}

async function describe(spec: ModelSpec, model: tfc.GraphModel, json: tf.io.ModelJSON, dir: string | null): Promise<LoadedModel> {
  const where = spec.location;
  const assumptions: string[] = [];
  const shape = model.inputs[0]?.shape ?? [];
  const [h, w] = [shape[1], shape[2]];
  const inputSize = inputSizeOf(where, spec.inputSize, h, w, assumptions, spec.sourceSize);
  const preprocessing = preprocessingOf(spec.preprocessing, assumptions);
  const info = graphInfo(model, json.modelTopology, where, inputSize);
  const { layers, numOutputs, outputShape } = listGraphLayers(info);
  const found = defaultLayer(layers);
  let def = spec.defaultLayer ?? found;
  if (spec.defaultLayer && !info.imageDependent.has(spec.defaultLayer) && found) {
    // A catalogue names nodes of a graph it has not always seen (converters rename fused nodes).
    assumptions.push(`default layer "${spec.defaultLayer}" is not in the graph: using "${found}"`);
    def = found;
  }
  if (!def) throw new Error(`${where}: no layer with spatial extent (h, w > 1) found`);
  let labels = spec.labels ?? null;
  if (!labels && dir) labels = (await readLabels(dir))?.labels ?? null;
  labels = labelsFitting(labels, numOutputs, assumptions);
  const out = { endsInSoftmax: logitsOf(info).softmaxRemoved, numOutputs, notScores: featureMapReason(info.outputName, outputShape) };
  const outputKind = outputKindOf(spec.outputKind, out, labels, assumptions);
  return loadedModel(
    { id: spec.id, location: spec.location, format: 'tfjs-graph', inputSize, preprocessing, labels, layers, defaultLayer: def, assumptions, outputKind },
    (layer) => splitGraphModel(info, layer, outputKind),
    () => model.dispose(),
  );
}
