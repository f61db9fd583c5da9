// Per-map numbers of the timeline: where the map's mass sits (centroid) and how spread it is
// (normalised entropy). Pure functions of a non-negative map (|f|, or a ReLU'd Grad-CAM/CAM map).

/** Mass-weighted mean of pixel centres, in 0..1 image coordinates; the centre for an all-zero map. */
export function mapCentroid(raw: ArrayLike<number>, width: number, height: number): { x: number; y: number } {
  checkSize(raw, width, height);
  let sum = 0;
  let sx = 0;
  let sy = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = Math.max(0, raw[y * width + x]!);
      sum += v;
      sx += v * (x + 0.5);
      sy += v * (y + 0.5);
    }
  }
  if (!(sum > 0)) return { x: 0.5, y: 0.5 };
  return { x: sx / sum / width, y: sy / sum / height };
}

/**
 * Shannon entropy of the map taken as a distribution (p = v / sum v), divided by log(n): 0 when all
 * mass is on one cell, 1 when flat. An all-zero map counts as flat (nothing singled out).
 */
export function mapEntropy(raw: ArrayLike<number>): number {
  const n = raw.length;
  if (n <= 1) return 0;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.max(0, raw[i]!);
  if (!(sum > 0)) return 1;
  let h = 0;
  for (let i = 0; i < n; i++) {
    const p = Math.max(0, raw[i]!) / sum;
    if (p > 0) h -= p * Math.log(p);
  }
  return h / Math.log(n);
}

function checkSize(raw: ArrayLike<number>, width: number, height: number): void {
  if (raw.length !== width * height) throw new RangeError(`map has ${raw.length} values, expected ${width}x${height}`);
}
