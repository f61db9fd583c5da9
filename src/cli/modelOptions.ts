// The flags every model-using command shares, and turning them into a loaded model + split.
import { Command } from 'commander';
import { selectBackend } from '../engine/backend.js';
import { openModel, type ModelFlags } from '../engine/openModel.js';
import { createProgressBar } from '../models/download.js';
import type { LoadedModel } from '../models/loadModel.js';
import { intArg, numberArg } from './options.js';

export interface ModelCliOptions {
  model?: string;
  layer?: string;
  backend?: string;
  inputSize?: number;
  scale?: number;
  offset?: number;
  allowUnverified?: boolean;
}

export function addModelOptions(cmd: Command): Command {
  return cmd
    .option('-m, --model <id|dir|url>', 'catalogue id, model folder, model.json, file:// or https:// URL (default: the catalogue default)')
    .option('--layer <name>', 'layer to put the filter on (default: the last layer with spatial extent)')
    .option('--backend <name>', 'TF.js backend: tensorflow, wasm or cpu (default: the first that loads; env L2CAF_BACKEND)')
    .option('--input-size <n>', 'model input size N (N x N) for your own models', intArg(1, 16384))
    .option('--scale <s>', 'preprocessing: input = pixel * scale + offset (pixel 0..255)', numberArg())
    .option('--offset <o>', 'preprocessing offset (see --scale)', numberArg())
    .option('--allow-unverified', 'install catalogue files that have no recorded sha256');
}

/** The model-finding part of the flags (what openModel and the backbone workers take). */
export function modelFlagsOf(o: ModelCliOptions): ModelFlags {
  return { model: o.model, inputSize: o.inputSize, scale: o.scale, offset: o.offset, allowUnverified: o.allowUnverified };
}

/** Selects the backend, resolves and loads the model; warnings go to stderr. */
export async function loadFromFlags(o: ModelCliOptions): Promise<{ model: LoadedModel; backend: string }> {
  const backend = await selectBackend(o.backend);
  const bar = createProgressBar();
  const model = await openModel({
    ...modelFlagsOf(o),
    onProgress: (p) => bar.update(p),
  }).finally(() => bar.done());
  for (const a of model.assumptions) process.stderr.write(`l2caf: warning: ${a}\n`);
  return { model, backend };
}
