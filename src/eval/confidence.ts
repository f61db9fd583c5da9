// Average drop and increase in confidence (Chattopadhay et al., Grad-CAM++, WACV 2018): the input is
// masked by the map (each pixel scaled by the map's 0..1 value there, i.e. blended toward zero in
// input space) and the target's score Y on the input is compared with O on the masked input:
//   drop = max(0, Y - O) / Y   (averaged over images: "average drop", lower is better)
//   increase = O > Y           (its share of images: "increase in confidence", higher is better)
// Pure.

/** input * map per pixel; `map01` has one 0..1 value per pixel (width * height). */
export function maskByMap(input: Float32Array, map01: ArrayLike<number>, channels = 3): Float32Array {
  if (input.length !== map01.length * channels) throw new RangeError(`maskByMap: ${input.length} values for a map of ${map01.length} pixels`);
  const out = new Float32Array(input.length);
  for (let p = 0; p < map01.length; p++) {
    const m = Math.min(1, Math.max(0, map01[p]!));
    for (let c = 0; c < channels; c++) out[p * channels + c] = input[p * channels + c]! * m;
  }
  return out;
}

export interface ConfidenceChange {
  /** max(0, Y - O) / Y: 0 when masking does not lower the score, 1 when it removes it */
  drop: number;
  /** O > Y */
  increase: boolean;
}

export function confidenceChange(original: number, masked: number): ConfidenceChange {
  if (!(original > 0)) return { drop: 0, increase: masked > original };
  return { drop: Math.max(0, original - masked) / original, increase: masked > original };
}
