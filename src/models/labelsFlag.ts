// `--labels imagenet|FILE`: names for the outputs of a model that came without them (or other
// names than the ones beside it). A catalogue label set is named by its id or alias; anything
// else is a file. A label set is a guess about the model, so it is reported as one.
import { LABEL_SET_ALIASES, labelSetFile, type LabelSetOptions } from './labelSet.js';
import { readLabelsFile } from './labels.js';
import { loadCatalogue } from './catalogue.js';

export interface FlagLabels {
  labels: string[];
  /** a warning to print (the labels are assumed, not known to belong to the model), or null */
  note: string | null;
}

export async function labelsFromFlag(value: string, opts: LabelSetOptions = {}): Promise<FlagLabels> {
  const cat = opts.catalogue ?? (await loadCatalogue());
  const setId = LABEL_SET_ALIASES[value] ?? (cat.labelSets[value] ? value : null);
  if (setId === null) return { labels: await readLabelsFile(value), note: null };
  const { file, set } = await labelSetFile(setId, { ...opts, catalogue: cat });
  return {
    labels: await readLabelsFile(file),
    note: `--labels ${value}: outputs named with the ${set.name}; right only if the model was trained on those classes in that order (torchvision's ImageNet models are)`,
  };
}
