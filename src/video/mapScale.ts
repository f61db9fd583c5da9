// Colour scales for drawing maps across a clip. Per-frame min-max makes brightness jump from frame
// to frame (each frame's maximum is full red however weak it is); a clip scale maps every frame's
// unnormalised values through one min and max, so a weak frame looks weak. Pure.

export interface ValueRange {
  min: number;
  max: number;
}

/** The range of all values of all maps (raw maps of one method across the clip). */
export function clipRange(maps: Iterable<ArrayLike<number>>): ValueRange {
  let min = Infinity;
  let max = -Infinity;
  for (const m of maps) {
    for (let i = 0; i < m.length; i++) {
      const v = m[i]!;
      if (!Number.isFinite(v)) continue;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  if (!Number.isFinite(min)) return { min: 0, max: 1 };
  return { min, max };
}

/** values mapped through range to 0..1 (clamped); all zeros for a degenerate range. */
export function applyRange(values: ArrayLike<number>, range: ValueRange): Float32Array {
  const out = new Float32Array(values.length);
  const span = range.max - range.min;
  if (!(span > 0)) return out;
  for (let i = 0; i < values.length; i++) out[i] = Math.min(1, Math.max(0, (values[i]! - range.min) / span));
  return out;
}

/** Per-frame min-max (what FrameMap.values already holds; here for raw maps). */
export function frameRange(values: ArrayLike<number>): ValueRange {
  return clipRange([values]);
}
