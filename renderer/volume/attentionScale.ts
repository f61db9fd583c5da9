// Pure: the attention volume as the views draw it.

/**
 * Pure: attention scaled to 0..1 by its maximum over the scan, for display. The pipeline weights
 * each slice's 0..1 map by the slice's class probability, so on a scan the model finds unlike
 * its classes the whole volume can sit far below any threshold; relative to its own maximum the
 * slices still compare as the pipeline weighted them.
 */
export function displayAttention(a: Float32Array): { data: Float32Array; max: number } {
  let max = 0;
  for (let i = 0; i < a.length; i++) if (a[i]! > max) max = a[i]!;
  if (!(max > 0)) return { data: new Float32Array(a.length), max: 0 };
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! / max;
  return { data: out, max };
}

/**
 * Pure: the cursor's attention as the views show it (relative to the scan's maximum), labelled so
 * it is not read as the raw value the status line names.
 */
export function attentionReadout(shown: number): string {
  return `attention ${shown.toFixed(3)} of the scan's max`;
}

/** Pure: how the raw attention maps onto the views' 0..1 scale (the one the readout and threshold use). */
export function attentionScaleNote(rawMax: number): string {
  return rawMax > 0 ? `raw attention max ${rawMax.toPrecision(3)} = 1.0 in the views` : 'no attention above 0 in this scan';
}
