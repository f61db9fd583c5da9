// Data shared by the evaluation modules: boxes (ground truth and boxes derived from maps) and the
// per-map metric record that the image command, the clip command and the video timeline carry.

/**
 * An axis-aligned box in pixel-edge coordinates: it covers x <= px < x + width (and likewise in y),
 * where pixel column c spans [c, c + 1). A pixel belongs to the box when its centre (c + 0.5) does.
 */
export interface EvalBox {
  x: number;
  y: number;
  width: number;
  height: number;
  /** class name (or index as text) the box is labelled with, when the ground truth says */
  label?: string;
}

export type Baseline = 'blur' | 'mean' | 'zero';

/** A map at some resolution, row-major. */
export interface GridMap {
  width: number;
  height: number;
  values: ArrayLike<number>;
}
