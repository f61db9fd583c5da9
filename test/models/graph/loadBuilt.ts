// Saves a built graph into a folder and loads it with loadGraphModelFrom, as loadModel will.
import path from 'node:path';
import { fileHandler, readModelJson } from '../../../src/models/fileHandler.js';
import { loadGraphModelFrom } from '../../../src/models/graph/index.js';
import type { LoadedModel, ModelSpec } from '../../../src/models/loadModel.js';
import type { GraphBuilder } from './graphBuilder.js';

export async function loadBuiltIn(tmp: string, g: GraphBuilder, name: string, spec: Partial<ModelSpec> = {}): Promise<{ m: LoadedModel; file: string }> {
  const file = g.save(path.join(tmp, name));
  const json = await readModelJson(file);
  const dir = path.dirname(file);
  const m = await loadGraphModelFrom({ id: name, location: dir, ...spec }, fileHandler(file), json, dir);
  return { m, file };
}
