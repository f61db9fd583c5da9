// Loads a TF.js graph model (format "graph-model", as tensorflowjs_converter writes it from a
// SavedModel, a frozen graph or a TF Hub module) into the engine's LoadedModel: layer list with
// output shapes, default layer, and a split whose backbone is the converter's execution and whose
// head is the graph's ops translated to plain TF.js ops. loadModel dispatches here.
import type * as tf from '@tensorflow/tfjs-core';
import * as tfc from '@tensorflow/tfjs-converter';
import { ModelFileError } from '../fileHandler.js';
import { readLabels } from '../labels.js';
import type { LoadedModel, ModelSpec } from '../loadModel.js';
import type { Preprocessing } from '../preprocess.js';
import { defaultLayer, type SplitModel } from '../split.js';
import { graphInfo } from './graphInfo.js';
import { listGraphLayers } from './listNodes.js';
import { logitsOf, splitGraphModel } from './graphSplit.js';

export { splitGraphModel } from './graphSplit.js';
export { depthwiseConvInputOnly, depthwiseInputGradient } from './depthwiseConv.js';

const DEFAULT_PREPROCESSING: Preprocessing = { scale: 1 / 255, offset: 0, channelOrder: 'rgb' };

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
  let inputSize = spec.inputSize ?? null;
  if (inputSize && h != null && w != null && h > 0 && w > 0 && (inputSize[0] !== h || inputSize[1] !== w)) {
    throw new Error(`${where}: the model takes ${h}x${w} images, not ${inputSize[0]}x${inputSize[1]} (its input shape is fixed; drop --input-size)`);
  }
  if (!inputSize) {
    if (h != null && w != null && h > 0 && w > 0) inputSize = [h, w];
    else {
      inputSize = [224, 224];
      assumptions.push('input size 224x224 assumed (the model accepts any size; pass --input-size N)');
    }
  }
  let preprocessing = spec.preprocessing ?? null;
  if (!preprocessing) {
    preprocessing = DEFAULT_PREPROCESSING;
    assumptions.push('preprocessing x/255 assumed (pass --scale S --offset O, or --mean r,g,b --std r,g,b, for another)');
  }
  const info = graphInfo(model, json.modelTopology, where, inputSize);
  const { layers, numOutputs } = listGraphLayers(info);
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
  if (labels && labels.length !== numOutputs) {
    assumptions.push(`the label list has ${labels.length} names but the model has ${numOutputs} outputs: labels ignored`);
    labels = null;
  }
  const endsInSoftmax = logitsOf(info).softmaxRemoved;
  // As for layers models: without a softmax the outputs are logits when labels match, else an embedding.
  const outputKind = spec.outputKind ?? (endsInSoftmax || labels ? 'logits' : 'embedding');
  const splits: SplitModel[] = [];
  return {
    id: spec.id,
    location: spec.location,
    format: 'tfjs-graph',
    inputSize,
    preprocessing,
    labels,
    layers,
    defaultLayer: def,
    assumptions,
    outputKind,
    split(layer?: string) {
      const s = splitGraphModel(info, layer ?? def, outputKind);
      splits.push(s);
      return s;
    },
    dispose() {
      for (const s of splits) s.dispose();
      model.dispose();
    },
  };
}
