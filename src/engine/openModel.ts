// From what the user typed (--model ID|DIR|URL plus preprocessing flags) to a loaded model:
// resolve (cache, mirror, download), then load with the catalogue's facts or the flags.
import { resolveModel, type DownloadProgress, type ResolvedModel } from '../models/resolve.js';
import { readLabelsFile } from '../models/labels.js';
import { labelsFromFlag } from '../models/labelsFlag.js';
import { loadModel, type LoadedModel, type ModelSpec } from '../models/loadModel.js';
import type { SourceSize } from '../models/modelTypes.js';
import type { Preprocessing } from '../models/preprocess.js';
import { preprocessingFromFlags } from '../models/preprocessFlags.js';
import { isOnnxLocation, loadOnnxModel } from '../models/onnx/loadOnnx.js';
import { checkOrtThreads } from '../models/onnx/ortSession.js';
import type { CatalogueEntry } from '../models/catalogue.js';

export interface ModelFlags {
  model?: string;
  /** input size: N (N x N), or width and height (--input-size W,H) for a model that takes any size */
  inputSize?: number | { width: number; height: number };
  /** --labels: a catalogue label set ("imagenet") or a labels file, instead of the model's own */
  labels?: string;
  /** --output: what the model's outputs are, when the loader's guess is wrong */
  output?: 'logits' | 'embedding';
  /** the source's size: a model with a dynamic input size takes its aspect ratio */
  sourceSize?: SourceSize;
  /** input = pixel (0..255) * scale + offset; not with mean/std */
  scale?: number;
  offset?: number;
  /** per-channel normalisation in 0..1 pixel units: input = (pixel/255 - mean[c]) / std[c] (torchvision's values) */
  mean?: number[];
  std?: number[];
  /** ONNX Runtime intra-op threads per session (ONNX models only); overrides env L2CAF_ORT_THREADS */
  ortThreads?: number;
  allowUnverified?: boolean;
  onProgress?: (p: DownloadProgress) => void;
  signal?: AbortSignal;
  log?: (m: string) => void;
}

/** Output index i is label i - offset; lower indices are extra classes such as "background". */
function withOffset(labels: string[], offset: number): string[] {
  return [...Array.from({ length: offset }, (_, i) => (i === 0 ? 'background' : `extra ${i}`)), ...labels];
}

/** The output labels of a resolved model (catalogue offset applied), or null without a label file. */
async function labelsOf(resolved: ResolvedModel): Promise<string[] | null> {
  if (!resolved.labelsFile) return null;
  const labels = await readLabelsFile(resolved.labelsFile);
  return resolved.entry ? withOffset(labels, resolved.entry.labels.offset) : labels;
}

/**
 * The model's labels without loading it (resolving may still download it, as loading would):
 * lets a command check --class before it starts workers.
 */
export async function modelLabels(flags: ModelFlags): Promise<{ id: string; labels: string[] | null }> {
  const resolved = await resolveModel(flags.model, { allowUnverified: flags.allowUnverified, onProgress: flags.onProgress, signal: flags.signal, log: flags.log });
  const labels = flags.labels ? (await labelsFromFlag(flags.labels, { signal: flags.signal })).labels : await labelsOf(resolved);
  return { id: resolved.entry?.id ?? flags.model ?? resolved.dir, labels };
}

/** [height, width] from the --input-size flag. */
function inputSizeFromFlag(s: ModelFlags['inputSize']): [number, number] | null {
  if (s === undefined) return null;
  return typeof s === 'number' ? [s, s] : [s.height, s.width];
}

export async function openModel(flags: ModelFlags): Promise<LoadedModel> {
  // checked before resolving: a flag mistake should not wait for (or trigger) a download
  const fromFlags = preprocessingFromFlags(flags);
  if (flags.ortThreads !== undefined) checkOrtThreads(flags.ortThreads, '--ort-threads');
  const resolved = await resolveModel(flags.model, {
    allowUnverified: flags.allowUnverified,
    onProgress: flags.onProgress,
    signal: flags.signal,
    log: flags.log,
  });
  const entry: CatalogueEntry | null = resolved.entry;
  const fromFlag = flags.labels ? await labelsFromFlag(flags.labels, { signal: flags.signal }) : null;
  const labels = fromFlag?.labels ?? (await labelsOf(resolved));
  const preprocessing: Preprocessing | null = fromFlags
    ? { ...fromFlags, channelOrder: entry?.preprocessing.channelOrder ?? 'rgb' }
    : (entry?.preprocessing ?? null);
  const spec: ModelSpec = {
    id: entry?.id ?? flags.model ?? resolved.dir,
    location: resolved.modelFile ?? resolved.dir,
    inputSize: inputSizeFromFlag(flags.inputSize) ?? entry?.inputSize ?? null,
    preprocessing,
    labels,
    defaultLayer: entry?.defaultLayer ?? null,
    outputKind: flags.output ?? (entry ? (entry.outputs === 'embedding' ? 'embedding' : 'logits') : null),
    sourceSize: flags.sourceSize ?? null,
  };
  const model =
    entry?.format === 'onnx' || (await isOnnxLocation(spec.location))
      ? await loadOnnxModel({ ...spec, outputName: entry?.outputName ?? null, inputLayout: entry?.inputLayout ?? null, threads: flags.ortThreads })
      : await loadModel(spec);
  if (fromFlag?.note) model.assumptions.push(fromFlag.note);
  return model;
}
