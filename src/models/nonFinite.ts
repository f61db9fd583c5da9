// NaN and Infinity in a model's numbers. A damaged or badly converted weight file loads without
// complaint and then yields NaN logits, null scores and all-zero maps that look like results.
// The loaders check every float weight once (a linear scan, a few ms for a MobileNet), and the
// analysis checks the features, logits and losses it computes, so the run fails and names the
// model and the first weight or layer where it happens.
/** Pure: the index of the first NaN or +-Infinity, or -1. */
export function firstNonFinite(values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return i;
  return -1;
}

/**
 * Pure: the one-line message naming `model` and `what` (a weight, a layer's features, the
 * logits...) when `values` hold a non-finite number, else null. Callers throw it as their error type.
 */
export function nonFiniteProblem(model: string, what: string, values: ArrayLike<number>): string | null {
  const i = firstNonFinite(values);
  if (i < 0) return null;
  return `${model}: ${what} holds ${values[i]} (element ${i} of ${values.length}): the weights are damaged or do not suit this input`;
}
