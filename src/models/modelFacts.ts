// What every loader (TF.js layers, TF.js graph, ONNX) decides the same way about a model it has
// opened: its input size, its preprocessing, whether its label list fits, and whether its output
// is a classifier's logits or an embedding. Each guess is recorded in `assumptions`, which the
// commands print as warnings.
import type { LoadedModel } from './modelTypes.js';
import type { Preprocessing } from './preprocess.js';
import type { SplitModel } from './split.js';

export const DEFAULT_PREPROCESSING: Preprocessing = { scale: 1 / 255, offset: 0, channelOrder: 'rgb' };

const DEFAULT_PREPROCESSING_NOTE = 'preprocessing x/255 assumed (pass --scale S --offset O, or --mean r,g,b --std r,g,b, for another)';

/** The given size, else the model's own (h, w > 0), else 224x224 (recorded as assumed). */
export function inputSizeOf(given: [number, number] | null | undefined, h: number | null | undefined, w: number | null | undefined, assumptions: string[]): [number, number] {
  if (given) return given;
  if (h != null && w != null && h > 0 && w > 0) return [h, w];
  assumptions.push('input size 224x224 assumed (the model accepts any size; pass --input-size N)');
  return [224, 224];
}

/** The given preprocessing, else x/255 (recorded as assumed; `note` replaces the default wording). */
export function preprocessingOf(given: Preprocessing | null | undefined, assumptions: string[], note = DEFAULT_PREPROCESSING_NOTE): Preprocessing {
  if (given) return given;
  assumptions.push(note);
  return DEFAULT_PREPROCESSING;
}

/** The labels when there is one per output; otherwise none (recorded). */
export function labelsFitting(labels: string[] | null, numOutputs: number, assumptions: string[]): string[] | null {
  if (labels && labels.length !== numOutputs) {
    assumptions.push(`the label list has ${labels.length} names but the model has ${numOutputs} outputs: labels ignored`);
    return null;
  }
  return labels;
}

/** A model without a softmax is a classifier when labels match its outputs, else an embedding. */
export function outputKindOf(given: 'logits' | 'embedding' | null | undefined, endsInSoftmax: boolean, labels: string[] | null): 'logits' | 'embedding' {
  return given ?? (endsInSoftmax || labels ? 'logits' : 'embedding');
}

/**
 * The LoadedModel every loader returns: its facts, plus split() at a layer (the default layer when
 * none is named) and a dispose() that disposes every split made and then `release`s the model.
 */
export function loadedModel(facts: Omit<LoadedModel, 'split' | 'dispose'>, splitAt: (layer: string) => SplitModel, release?: () => void): LoadedModel {
  const splits: SplitModel[] = [];
  return {
    ...facts,
    split(layer?: string) {
      const s = splitAt(layer ?? facts.defaultLayer);
      splits.push(s);
      return s;
    },
    dispose() {
      for (const s of splits) s.dispose();
      release?.();
    },
  };
}
