// Resolves --class values (a label, case-insensitive, or an index) to output indices.

export class UsageError extends Error {}

/** `model`: the model's id, said first in the error (a --class typo names the model it was checked against). */
export function resolveClass(spec: string | number, labels: readonly string[] | null, numOutputs: number, model?: string): number {
  try {
    return resolveClassIn(spec, labels, numOutputs);
  } catch (e) {
    throw model && e instanceof UsageError ? new UsageError(`${model}: ${e.message}`) : e;
  }
}

function resolveClassIn(spec: string | number, labels: readonly string[] | null, numOutputs: number): number {
  const s = String(spec).trim();
  if (/^\d+$/.test(s)) {
    const i = Number(s);
    if (i >= numOutputs) throw new UsageError(`class index ${i} is out of range (the model has ${numOutputs} outputs, 0..${numOutputs - 1})`);
    return i;
  }
  if (!labels) throw new UsageError(`class "${s}": the model has no label list, give the class as an index 0..${numOutputs - 1}`);
  const wanted = s.toLowerCase();
  const exact = labels.findIndex((l) => l.toLowerCase() === wanted);
  if (exact >= 0) return exact;
  // Labels such as "tabby, tabby cat": accept any comma-separated synonym.
  const synonym = labels.findIndex((l) => l.toLowerCase().split(/\s*,\s*/).includes(wanted));
  if (synonym >= 0) return synonym;
  const near = labels.filter((l) => l.toLowerCase().includes(wanted)).slice(0, 5);
  throw new UsageError(`unknown class "${s}"${near.length ? `; did you mean ${near.map((n) => `"${n}"`).join(', ')}?` : ' (not in the model\'s labels)'}`);
}

/** The class name, or "class #N" for a model without labels (as pytorch-grad-cam users know them). */
export function labelOf(index: number, labels: readonly string[] | null): string {
  return labels?.[index] ?? `class #${index}`;
}
