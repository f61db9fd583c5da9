// Pure window/level arithmetic for the grey scan: presets, the drag gesture (horizontal = width,
// vertical = level, as in clinical viewers) and the clamp that keeps the window usable.

export interface GreyWindow {
  lo: number;
  hi: number;
}

export interface IntensityStats {
  min: number;
  max: number;
  p005: number;
  p995: number;
}

/** Preset names; CT ones are Hounsfield windows (level/width) and only mean something for CT. */
export const WINDOW_PRESETS = ['auto', 'full', 'ct-brain', 'ct-bone', 'ct-lung', 'ct-soft-tissue'] as const;
export type WindowPreset = (typeof WINDOW_PRESETS)[number];

const CT: Record<string, [number, number]> = {
  'ct-brain': [40, 80],
  'ct-bone': [400, 1800],
  'ct-lung': [-600, 1500],
  'ct-soft-tissue': [50, 400],
};

export function presetWindow(preset: WindowPreset, s: IntensityStats): GreyWindow {
  if (preset === 'auto') return s.p995 > s.p005 ? { lo: s.p005, hi: s.p995 } : presetWindow('full', s);
  if (preset === 'full') return s.max > s.min ? { lo: s.min, hi: s.max } : { lo: s.min, hi: s.min + 1 };
  const [level, width] = CT[preset]!;
  return { lo: level - width / 2, hi: level + width / 2 };
}

/**
 * The window after dragging by (dx, dy) pixels from `start`: right widens, up raises the level;
 * one pixel moves `range / 400` (range = the scan's max - min), so a full drag covers the scan.
 */
export function dragWindow(start: GreyWindow, dx: number, dy: number, s: IntensityStats): GreyWindow {
  const range = Math.max(s.max - s.min, 1e-6);
  const step = range / 400;
  const level = (start.lo + start.hi) / 2 - dy * step;
  const width = Math.max(range / 1000, start.hi - start.lo + dx * step);
  return { lo: level - width / 2, hi: level + width / 2 };
}

/** Grey 0..1 of a value in the window. */
export function greyOf(v: number, w: GreyWindow): number {
  const span = w.hi - w.lo;
  if (!(span > 0)) return v >= w.hi ? 1 : 0;
  return Math.max(0, Math.min(1, (v - w.lo) / span));
}

/** "lo,hi" percentiles for the model's intensity window, or null when malformed. */
export function parsePercentiles(text: string): { lo: number; hi: number } | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*[,;\s]\s*(\d+(?:\.\d+)?)\s*$/.exec(text);
  if (!m) return null;
  const lo = Number(m[1]);
  const hi = Number(m[2]);
  return lo >= 0 && hi <= 100 && lo < hi ? { lo, hi } : null;
}
