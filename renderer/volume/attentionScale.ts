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
