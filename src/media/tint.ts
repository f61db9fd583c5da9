// How much of the colour map covers a pixel, from the attention there: the one rule of the app's
// player (its shader mirrors it), exported clips and image overlays, so `--opacity` means the same
// everywhere. 'attention' (the default): the tint's weight is opacity x attention, so low attention
// stays transparent and dark scenes stay readable, and nothing below the threshold is tinted (the
// volume viewer's threshold). 'uniform': the whole picture at the same opacity (the earlier look),
// still cut at the threshold. Pure.

export const TINT_BLENDS = ['attention', 'uniform'] as const;
export type TintBlend = (typeof TINT_BLENDS)[number];

/** Weight of the colour at attention `v` (clamped to 0..1; NaN counts as 0). */
export function tintWeight(v: number, opacity: number, threshold = 0, blend: TintBlend = 'attention'): number {
  const a = v > 0 ? (v < 1 ? v : 1) : 0;
  if (threshold > 0 && a < threshold) return 0;
  return blend === 'uniform' ? opacity : opacity * a;
}
