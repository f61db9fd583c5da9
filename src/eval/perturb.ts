// The inputs of a deletion or insertion curve. Pure.
// Step i of k (i = 0..k) changes the first n_i = round(i * N / k) pixels of the ranking (N pixels):
//   deletion:  those pixels take the baseline's values, the rest keep the input's;
//   insertion: those pixels take the input's values, the rest keep the baseline's.
// So deletion starts at the input and ends at the baseline, insertion the other way round.

export type CurveKind = 'deletion' | 'insertion';

/** n_i for i = 0..k. */
export function stepCounts(pixels: number, steps: number): number[] {
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`steps must be a positive integer, got ${steps}`);
  return Array.from({ length: steps + 1 }, (_, i) => Math.round((i * pixels) / steps));
}

/**
 * Writes the curve's input for `count` changed pixels into `out` (length N * channels), from the
 * ranking `order` (pixel indices, most important first).
 */
export function perturbedInput(
  kind: CurveKind,
  input: Float32Array,
  baseline: Float32Array,
  order: Uint32Array,
  count: number,
  channels: number,
  out: Float32Array,
): Float32Array {
  const [changed, kept] = kind === 'deletion' ? [baseline, input] : [input, baseline];
  out.set(kept);
  for (let j = 0; j < count; j++) {
    const p = order[j]! * channels;
    for (let c = 0; c < channels; c++) out[p + c] = changed[p + c]!;
  }
  return out;
}
