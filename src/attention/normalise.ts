// Turning a raw map into what is displayed: min-max to 0..1, and |f| for L2-CAF filters (the
// reference code shows np.abs of the filter, whose sign is arbitrary for the class-oblivious problem).

/** Min-max normalisation to 0..1; a constant (or empty) input gives all zeros rather than NaNs. */
export function normalise01(raw: ArrayLike<number>): Float32Array {
  const out = new Float32Array(raw.length);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < raw.length; i++) {
    const x = raw[i]!;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  const span = hi - lo;
  if (!(span > 0) || !Number.isFinite(span)) return out;
  for (let i = 0; i < raw.length; i++) out[i] = (raw[i]! - lo) / span;
  return out;
}

/** Element-wise absolute value as a new Float32Array. */
export function absValues(x: ArrayLike<number>): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Math.abs(x[i]!);
  return out;
}
