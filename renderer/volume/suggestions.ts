// What the volume viewer's model, layer and class fields offer as one types: the catalogue's
// models, the model's layers that have a spatial map, its class labels (a <datalist> each, so a
// model folder, a layer or a class can still be typed freely, as the command line takes them).
// Pure (tested in test/renderer); the viewer fills its datalists with them.
import type { ModelDescription, ModelSummary } from '../../src/contract/index.js';
import { resolveClass } from '../../src/engine/targets.js';

/** One option per entry: its value, and the text the browser shows beside it. */
export interface Suggestion {
  value: string;
  label: string;
}

/** Pure: the catalogue's models, the default first. */
export function modelSuggestions(models: readonly ModelSummary[]): Suggestion[] {
  return [...models].sort((a, b) => Number(b.isDefault) - Number(a.isDefault)).map((m) => ({ value: m.id, label: `${m.name}${m.isDefault ? ' (default)' : ''}` }));
}

/** Pure: the layers with a spatial map (the ones a filter can go on), the default one marked. */
export function layerSuggestions(d: Pick<ModelDescription, 'layers' | 'defaultLayer'>): Suggestion[] {
  return d.layers
    .filter((l) => l.spatial)
    .map((l) => ({ value: l.name, label: `${(l.shape ?? []).filter((x) => x !== null).join('×')}${l.name === d.defaultLayer ? ' (default)' : ''}` }));
}

/**
 * Pure: the model's classes by their first name, their index beside it (the field takes either); a
 * name the service would resolve to another class (ImageNet's two "crane"s; "tub", a synonym of
 * "bathtub" before it is the first name of "tub, vat") is offered as the index, which is not ambiguous.
 */
export function classSuggestions(labels: readonly string[] | null): Suggestion[] {
  const all = labels ?? [];
  return all.map((l, i) => {
    const n = l.split(',')[0]!.trim();
    let same = false;
    try {
      same = n !== '' && resolveClass(n, all, all.length) === i;
    } catch {
      // (a name resolveClass does not take: offered as the index)
    }
    return same ? { value: n, label: `#${i}` } : { value: String(i), label: n || `class #${i}` };
  });
}
