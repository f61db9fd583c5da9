// ONNX Resize (and Upsample) in the one form that is an exact repetition: nearest-neighbour
// upsampling by whole factors, with the coordinate rules PyTorch's F.interpolate(mode='nearest')
// exports (asymmetric + floor) or those that pick the same pixels for whole factors (half_pixel with
// either rounding). Every other mode or factor is refused: interpolation weights differ in their
// details between exporters, and a near miss would pass for a real map.
import * as tf from '@tensorflow/tfjs-core';
import { attrString } from './onnxProto.js';
import { UnsupportedOpError, type OpContext, type TranslatedOp } from './onnxOpTypes.js';

const SAME_AS_REPEAT = new Set(['asymmetric/floor', 'half_pixel/round_prefer_floor', 'half_pixel/round_prefer_ceil', 'pytorch_half_pixel/round_prefer_floor', 'pytorch_half_pixel/round_prefer_ceil']);

/** Per-axis factors from the scales or sizes input (opset 11+) or the scales input (Upsample, Resize-10). */
function factors(ctx: OpContext, where: string, dims: number[]): number[] {
  const inputs = ctx.node.input ?? [];
  const legacy = ctx.node.opType === 'Upsample' || ctx.opset < 11;
  const scalesAt = legacy ? 1 : 2;
  const given = (i: number) => inputs.length > i && !!inputs[i];
  const read = (i: number, what: string) => {
    const c = ctx.constant(i);
    if (!c) throw new UnsupportedOpError(`${where}: the ${what} (input ${i}) must be constants`);
    return Array.from(c.dataSync(), Number);
  };
  const scales = given(scalesAt) ? read(scalesAt, 'scales') : [];
  if (scales.length) return scales;
  if (!legacy && given(3)) return read(3, 'sizes').map((s, i) => s / dims[i]!);
  throw new UnsupportedOpError(`${where}: ${ctx.node.opType} needs constant scales or sizes`);
}

export function resize(ctx: OpContext, where: string): TranslatedOp {
  const n = ctx.node;
  const op = n.opType ?? 'Resize';
  const mode = attrString(n, 'mode', 'nearest');
  const dims = ctx.dims(0);
  if (!dims || dims.length !== 4) throw new UnsupportedOpError(`${where}: ${op} needs a 4-D input [N, C, H, W], got [${dims?.join(', ') ?? '?'}]`);
  if (mode !== 'nearest') throw new UnsupportedOpError(`${where}: ${op} (mode ${mode}) is not supported in the head (nearest with whole factors is); choose a layer after it with --layer`);
  const ctm = op === 'Upsample' ? 'asymmetric' : attrString(n, 'coordinate_transformation_mode', 'half_pixel');
  const nm = op === 'Upsample' ? 'floor' : attrString(n, 'nearest_mode', 'round_prefer_floor');
  const f = factors(ctx, where, dims);
  const whole = f.length === 4 && f[0] === 1 && f[1] === 1 && f.slice(2).every((v) => Number.isInteger(v) && v >= 1);
  if (!whole) throw new UnsupportedOpError(`${where}: ${op} with scales [${f.join(', ')}] is not supported (whole factors >= 1 on H and W only)`);
  // asymmetric + floor picks pixel floor(x / s); half_pixel picks round((x + 0.5) / s - 0.5), the same
  // pixel for whole s since the fraction never reaches one half
  const key = `${ctm}/${nm}`;
  if (!SAME_AS_REPEAT.has(key) && !(f[2] === 1 && f[3] === 1)) {
    throw new UnsupportedOpError(`${where}: ${op} with coordinate_transformation_mode ${ctm} and nearest_mode ${nm} is not supported`);
  }
  const [sh, sw] = [f[2]!, f[3]!];
  return {
    kind: 'affine',
    owned: [],
    fn: (xs) => {
      const x = xs[0]!;
      const [B, C, H, W] = x.shape as [number, number, number, number];
      // rank 4 throughout: TF.js's tile gradient stops at rank 5
      const rep = tf.tile(tf.reshape(x, [B * C * H, 1, W, 1]), [1, sh, 1, sw]);
      return tf.reshape(rep, [B, C, H * sh, W * sw]);
    },
  };
}
