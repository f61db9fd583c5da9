// What every loader (TF.js layers, TF.js graph, ONNX) decides the same way about a model it has
// opened: its input size, its preprocessing, whether its label list fits, and whether its output
// is a classifier's logits or an embedding. Each guess is recorded in `assumptions`, which the
// commands print as warnings.
import { ModelFileError } from './fileHandler.js';
import type { LoadedModel, SourceSize } from './modelTypes.js';
import type { Preprocessing } from './preprocess.js';
import type { SplitModel } from './split.js';

export const DEFAULT_PREPROCESSING: Preprocessing = { scale: 1 / 255, offset: 0, channelOrder: 'rgb' };

const DEFAULT_PREPROCESSING_NOTE = 'preprocessing x/255 assumed (pass --scale S --offset O, or --mean r,g,b --std r,g,b, for another)';

/**
 * [height, width] of the model input. A fixed model size wins (a different --input-size is refused:
 * the model could not run on it); a dynamic one takes the given size, else the source's aspect ratio
 * (sizeForAspect), else 224x224. Guesses are recorded in `assumptions`.
 */
export function inputSizeOf(
  where: string,
  given: [number, number] | null | undefined,
  h: number | null | undefined,
  w: number | null | undefined,
  assumptions: string[],
  source?: SourceSize | null,
): [number, number] {
  const fixedH = h != null && h > 0 ? h : null;
  const fixedW = w != null && w > 0 ? w : null;
  if (given && ((fixedH !== null && fixedH !== given[0]) || (fixedW !== null && fixedW !== given[1]))) {
    throw new ModelFileError(`${where}: the model takes ${fixedW ?? 'any'}x${fixedH ?? 'any'} images, not ${given[1]}x${given[0]} (width x height; its input shape is fixed: drop --input-size)`);
  }
  if (given) return given;
  if (fixedH !== null && fixedW !== null) return [fixedH, fixedW];
  if (source && source.width > 0 && source.height > 0) {
    const [sh, sw] = sizeForAspect(source, fixedH, fixedW);
    assumptions.push(`input size ${sw}x${sh} (width x height) chosen from the source's aspect ratio (the model accepts any size; pass --input-size W,H for another)`);
    return [sh, sw];
  }
  const [dh, dw] = [fixedH ?? 224, fixedW ?? 224];
  assumptions.push(`input size ${dw}x${dh} assumed (width x height; the model accepts any size: pass --input-size N or W,H)`);
  return [dh, dw];
}

/**
 * [height, width] for a source of this aspect ratio: about 224 x 224 pixels in all (the size
 * ImageNet models are trained at), each side a multiple of 32 (the stride of most backbones, so
 * that the last feature map has no partial cells). A side the model fixes is kept.
 */
export function sizeForAspect(source: SourceSize, fixedH: number | null = null, fixedW: number | null = null): [number, number] {
  const aspect = source.width / source.height;
  const round32 = (x: number) => Math.max(32, Math.round(x / 32) * 32);
  if (fixedH !== null) return [fixedH, round32(fixedH * aspect)];
  if (fixedW !== null) return [round32(fixedW / aspect), fixedW];
  const area = 224 * 224;
  return [round32(Math.sqrt(area / aspect)), round32(Math.sqrt(area * aspect))];
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

/** What a loader saw at the model's output, for outputKindOf. */
export interface OutputFacts {
  /** the output is a softmax (or log-softmax) of something: class probabilities */
  endsInSoftmax: boolean;
  /** outputs per image */
  numOutputs: number;
  /** why the outputs are not class scores (a feature map, an L2-normalised vector), or null */
  notScores: string | null;
}

/**
 * Classifier or embedding. The user's word (--output, the catalogue) wins; a softmax or a label
 * list makes a classifier; outputs that cannot be class scores make an embedding; anything else is
 * taken for class scores, as pytorch-grad-cam does: a torchvision export has neither softmax nor
 * labels, and refusing --method gradcam without --class there would be the surprise.
 */
export function outputKindOf(given: 'logits' | 'embedding' | null | undefined, out: OutputFacts, labels: string[] | null, assumptions: string[]): 'logits' | 'embedding' {
  if (given) return given;
  if (out.endsInSoftmax || labels) return 'logits';
  if (out.notScores) {
    assumptions.push(`${out.notScores}: taken as an embedding (class-specific methods need --class INDEX; pass --output logits if these are class scores)`);
    return 'embedding';
  }
  const imagenet = out.numOutputs === 1000 ? '; --labels imagenet names them with the ImageNet-1k classes, right only if the model was trained on ImageNet-1k in the standard order' : '';
  assumptions.push(`no labels for the model's ${out.numOutputs} outputs: taken as class scores and shown as class #N (pass --labels FILE to name them${imagenet}; --output embedding if they are an embedding)`);
  return 'logits';
}

/** Why an output of these dims (batch axis dropped) is not a vector of class scores, or null. */
export function featureMapReason(name: string, dims: readonly number[]): string | null {
  return dims.filter((d) => d > 1).length > 1 ? `the output "${name}" is a ${dims.join('x')} feature map, not a vector of class scores` : null;
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
