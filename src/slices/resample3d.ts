// Trilinear resampling of a 3-D grid (x fastest), pixel centres aligned (half-pixel convention,
// as resizeBilinear in 2-D): a scan to a 3-D model's input size, and a d x h x w filter back onto
// the scan's grid. Edges repeat. Pure.

export type Dims3 = readonly [number, number, number];

function axisTable(src: number, dst: number): { i0: Int32Array; i1: Int32Array; w: Float32Array } {
  const i0 = new Int32Array(dst);
  const i1 = new Int32Array(dst);
  const w = new Float32Array(dst);
  const scale = src / dst;
  for (let d = 0; d < dst; d++) {
    const s = Math.min(Math.max((d + 0.5) * scale - 0.5, 0), src - 1);
    const a = Math.floor(s);
    i0[d] = a;
    i1[d] = Math.min(a + 1, src - 1);
    w[d] = s - a;
  }
  return { i0, i1, w };
}

/** Resamples `src` (dims [nx, ny, nz], index x + nx * (y + ny * z)) to `dst` dims. */
export function resampleTrilinear(src: ArrayLike<number>, from: Dims3, to: Dims3): Float32Array {
  for (const [name, d] of [['from', from], ['to', to]] as const) {
    if (d.length !== 3 || d.some((n) => !Number.isInteger(n) || n < 1)) {
      throw new RangeError(`resampleTrilinear: ${name} dims must be three positive integers, got [${d.join(', ')}]`);
    }
  }
  const [sx, sy, sz] = from;
  if (src.length !== sx * sy * sz) throw new RangeError(`resampleTrilinear: source has ${src.length} values, expected ${sx}x${sy}x${sz}`);
  const [dx, dy, dz] = to;
  const X = axisTable(sx, dx);
  const Y = axisTable(sy, dy);
  const Z = axisTable(sz, dz);
  const out = new Float32Array(dx * dy * dz);
  const plane = sx * sy;
  let o = 0;
  for (let z = 0; z < dz; z++) {
    const z0 = Z.i0[z]! * plane, z1 = Z.i1[z]! * plane, wz = Z.w[z]!;
    for (let y = 0; y < dy; y++) {
      const y0 = Y.i0[y]! * sx, y1 = Y.i1[y]! * sx, wy = Y.w[y]!;
      for (let x = 0; x < dx; x++) {
        const x0 = X.i0[x]!, x1 = X.i1[x]!, wx = X.w[x]!;
        const c00 = src[z0 + y0 + x0]! * (1 - wx) + src[z0 + y0 + x1]! * wx;
        const c01 = src[z0 + y1 + x0]! * (1 - wx) + src[z0 + y1 + x1]! * wx;
        const c10 = src[z1 + y0 + x0]! * (1 - wx) + src[z1 + y0 + x1]! * wx;
        const c11 = src[z1 + y1 + x0]! * (1 - wx) + src[z1 + y1 + x1]! * wx;
        const c0 = c00 * (1 - wy) + c01 * wy;
        const c1 = c10 * (1 - wy) + c11 * wy;
        out[o++] = c0 * (1 - wz) + c1 * wz;
      }
    }
  }
  return out;
}
