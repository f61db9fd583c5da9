// Flicker: how much a map changes from one analysed frame to the next, as the mean absolute
// difference of the (0..1 normalised) values (the evaluation module's definition). Pure.
import { mapFlicker as meanAbsDifference } from '../eval/clipFlags.js';

/** mean |a - b|; null when there is no previous map or the sizes differ. */
export function mapFlicker(values: ArrayLike<number>, previous: ArrayLike<number> | null): number | null {
  if (!previous || previous.length !== values.length || values.length === 0) return null;
  return meanAbsDifference(values, previous);
}

/** Mean of the non-null values; null when there are none. */
export function meanOf(xs: readonly (number | null)[]): number | null {
  let s = 0;
  let n = 0;
  for (const x of xs) {
    if (x === null || !Number.isFinite(x)) continue;
    s += x;
    n++;
  }
  return n ? s / n : null;
}
