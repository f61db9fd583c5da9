// What a loader is asked for (ModelSpec) and what every loader returns (LoadedModel). Kept apart
// from the loaders so that they, and modelFacts, import these types without importing each other:
// loadModel -> graph/index, onnx/loadOnnx -> modelFacts -> modelTypes, one way.
import type { Preprocessing } from './preprocess.js';
import type { LayerInfo, SplitModel } from './split.js';

/** A source picture's size, for choosing a dynamic model input of the same aspect ratio. */
export interface SourceSize {
  width: number;
  height: number;
}

export interface ModelSpec {
  /** Catalogue id, or the folder/URL the user gave. */
  id: string;
  location: string;
  /** From the catalogue or flags; null = not given (assumptions are then reported). */
  inputSize?: [number, number] | null;
  preprocessing?: Preprocessing | null;
  labels?: string[] | null;
  defaultLayer?: string | null;
  outputKind?: 'logits' | 'embedding' | null;
  /** The source picture's size: a model with a dynamic input size takes its aspect ratio. */
  sourceSize?: SourceSize | null;
}

export interface LoadedModel {
  id: string;
  location: string;
  format: 'tfjs-layers' | 'tfjs-graph' | 'onnx';
  inputSize: [number, number];
  preprocessing: Preprocessing;
  labels: string[] | null;
  layers: LayerInfo[];
  defaultLayer: string;
  /** Warnings about what was assumed rather than known (printed by the CLI). */
  assumptions: string[];
  outputKind: 'logits' | 'embedding';
  split(layer?: string): SplitModel;
  dispose(): void;
}
