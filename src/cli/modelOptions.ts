// The flags every model-using command shares, and turning them into a loaded model + split.
import { Command, InvalidArgumentError } from 'commander';
import { selectBackend } from '../engine/backend.js';
import { openModel, type ModelFlags } from '../engine/openModel.js';
import { createProgressBar } from '../models/download.js';
import type { LoadedModel } from '../models/loadModel.js';
import type { SourceSize } from '../models/modelTypes.js';
import { probeMedia } from '../media/probe.js';
import { intArg, numberArg } from './options.js';
import { parseChannelTriple, preprocessingFromFlags } from '../models/preprocessFlags.js';
import { MAX_ORT_THREADS } from '../models/onnx/ortSession.js';

export interface ModelCliOptions {
  model?: string;
  layer?: string;
  backend?: string;
  inputSize?: ModelFlags['inputSize'];
  labels?: string;
  output?: 'logits' | 'embedding';
  scale?: number;
  offset?: number;
  mean?: number[];
  std?: number[];
  ortThreads?: number;
  allowUnverified?: boolean;
}

/** commander parser for "r,g,b" (one value per channel); errors name the flag. */
function channelsArg(flag: string, positive = false) {
  return (v: string): number[] => {
    try {
      return parseChannelTriple(v, flag, positive);
    } catch (e) {
      throw new InvalidArgumentError((e as Error).message);
    }
  };
}

/** commander parser for --input-size: "N" (N x N) or "W,H". */
export function inputSizeArg(v: string): NonNullable<ModelFlags['inputSize']> {
  const parts = v.split(',').map((p) => p.trim());
  const n = parts.map(Number);
  if ((parts.length !== 1 && parts.length !== 2) || n.some((x) => !Number.isInteger(x) || x < 1 || x > 16384)) {
    throw new InvalidArgumentError(`expected N or W,H (whole pixels 1..16384), got "${v}"`);
  }
  return n.length === 1 ? n[0]! : { width: n[0]!, height: n[1]! };
}

function outputArg(v: string): 'logits' | 'embedding' {
  if (v === 'logits' || v === 'embedding') return v;
  throw new InvalidArgumentError(`expected logits or embedding, got "${v}"`);
}

export function addModelOptions(cmd: Command): Command {
  return cmd
    .option('-m, --model <id|dir|url>', 'catalogue id, model folder, model.json, file:// or https:// URL (default: the catalogue default)')
    .option('--layer <name>', 'layer to put the filter on (default: the last layer with spatial extent)')
    .option('--backend <name>', 'TF.js backend: tensorflow, wasm or cpu (default: the first that loads; env L2CAF_BACKEND)')
    .option('--input-size <n|w,h>', 'model input size, N (N x N) or W,H, for your own models that take any size (default: the model\'s own; else the source\'s aspect ratio near 224x224)', inputSizeArg)
    .option('--labels <imagenet|file>', 'class names for the outputs: a labels file (.json or one name a line), or imagenet (the ImageNet-1k classes, for a torchvision export that has none)')
    .option('--output <kind>', 'what the model outputs: logits (class scores) or embedding (default: guessed; a model without labels is taken for a classifier unless its output is a feature map or L2-normalised)', outputArg)
    .option('--scale <s>', 'preprocessing: input = pixel * scale + offset (pixel 0..255)', numberArg())
    .option('--offset <o>', 'preprocessing offset (see --scale)', numberArg())
    .option('--mean <r,g,b>', 'preprocessing: input = (pixel/255 - mean) / std per channel, torchvision values (e.g. 0.485,0.456,0.406); not with --scale/--offset', channelsArg('--mean'))
    .option('--std <r,g,b>', 'per-channel std for --mean (e.g. 0.229,0.224,0.225; default 1,1,1)', channelsArg('--std', true))
    .option('--ort-threads <n>', `ONNX Runtime intra-op threads per session, ONNX models only (default: env L2CAF_ORT_THREADS, else 1 per worker, all cores in the main thread)`, intArg(1, MAX_ORT_THREADS))
    .option('--allow-unverified', 'install catalogue files that have no recorded sha256');
}

/**
 * The model-finding part of the flags (what openModel and the backbone workers take). Throws on
 * conflicting preprocessing flags here, before any worker or download starts.
 */
export function modelFlagsOf(o: ModelCliOptions): ModelFlags {
  preprocessingFromFlags(o);
  return {
    model: o.model,
    inputSize: o.inputSize,
    labels: o.labels,
    output: o.output,
    scale: o.scale,
    offset: o.offset,
    mean: o.mean,
    std: o.std,
    ortThreads: o.ortThreads,
    allowUnverified: o.allowUnverified,
  };
}

/** A picture's displayed size, or null when the probe fails (decoding it reports why, later). */
async function pictureSize(file: string): Promise<SourceSize | null> {
  const v = (await probeMedia(file).catch(() => null))?.info.video;
  return v?.displayWidth && v.displayHeight ? { width: v.displayWidth, height: v.displayHeight } : null;
}

/**
 * Selects the backend, resolves and loads the model; warnings go to stderr. `sourceFile`: the
 * picture to analyse, whose aspect ratio a model that takes any size follows (no --input-size).
 */
export async function loadFromFlags(o: ModelCliOptions, sourceFile?: string): Promise<{ model: LoadedModel; backend: string }> {
  const backend = await selectBackend(o.backend);
  const sourceSize = sourceFile && o.inputSize === undefined ? await pictureSize(sourceFile) : null;
  const bar = createProgressBar();
  const model = await openModel({
    ...modelFlagsOf(o),
    ...(sourceSize ? { sourceSize } : {}),
    onProgress: (p) => bar.update(p),
  }).finally(() => bar.done());
  for (const a of model.assumptions) process.stderr.write(`l2caf: warning: ${a}\n`);
  return { model, backend };
}
