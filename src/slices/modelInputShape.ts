// The model's input shape without the batch axis ([h, w, 3], or [d, h, w, C] for a 3-D model).
// LoadedModel reports only the input's height and width; a 3-D model also needs its depth and
// channel count, so they are read from the model's own topology (model.json) when the loaded
// model does not carry `inputShape`.
import type { LoadedModel } from '../models/loadModel.js';
import { modelJsonPath, readModelJson } from '../models/fileHandler.js';

type Shape = (number | null)[];

/** The first input's batch shape in a Keras topology (Sequential or Functional, Keras 2 or 3). */
export function topologyInputShape(topology: unknown): Shape | null {
  const root = topology as Record<string, unknown> | null;
  if (!root || typeof root !== 'object') return null;
  const model = (root['model_config'] ?? root) as { config?: unknown };
  const config = model.config as Record<string, unknown> | unknown[] | undefined;
  const layers = (Array.isArray(config) ? config : (config?.['layers'] as unknown[] | undefined)) ?? [];
  const inputNames = !Array.isArray(config) && Array.isArray(config?.['input_layers']) ? (config['input_layers'] as unknown[][]) : [];
  const shapeOf = (layer: unknown): Shape | null => {
    const c = (layer as { config?: Record<string, unknown> })?.config;
    const s = c?.['batch_input_shape'] ?? c?.['batch_shape'];
    return Array.isArray(s) ? (s as Shape) : null;
  };
  const wanted = inputNames[0]?.[0];
  if (typeof wanted === 'string') {
    const l = layers.find((x) => (x as { name?: string; config?: { name?: string } })?.name === wanted || (x as { config?: { name?: string } })?.config?.name === wanted);
    const s = l ? shapeOf(l) : null;
    if (s) return s.slice(1);
  }
  for (const l of layers) {
    const s = shapeOf(l);
    if (s) return s.slice(1);
  }
  return null;
}

export async function modelInputShape(model: LoadedModel): Promise<Shape | null> {
  const known = (model as LoadedModel & { inputShape?: Shape }).inputShape;
  if (Array.isArray(known)) return known.slice();
  if (/^https?:\/\//.test(model.location)) return null;
  try {
    const json = await readModelJson(await modelJsonPath(model.location));
    return topologyInputShape(json.modelTopology);
  } catch {
    return null;
  }
}
