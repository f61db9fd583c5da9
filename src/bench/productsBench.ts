// J products for `npm run bench`: one pass M v and M^T v over the affine maps of darknet-tiny
// (196 x 1000) and MobileNetV2 (49 x 1000), with the JS loops and the SIMD kernels
// (attention/kernels), on random values (the speed does not depend on them).
import { rowsTimesVectorJs } from '../attention/affine.js';
import { wasmProductsAvailable, wasmRowsTimesVector } from '../attention/kernels/wasmProducts.js';
import { mulberry32, normalGenerator } from '../attention/rng.js';
import { median, round } from './stats.js';

function timePass(fn: () => void, repeats: number): number {
  const runs: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    for (let i = 0; i < 50; i++) fn();
    runs.push((performance.now() - t0) / 50);
  }
  return median(runs);
}

export function productsBench(repeats = 7): void {
  const normal = normalGenerator(mulberry32(1));
  console.log(`J products (one pass, ms; median of ${repeats} x 50): JS loops vs SIMD kernels${wasmProductsAvailable() ? '' : ' (kernels unavailable here)'}`);
  for (const [label, R, C] of [['darknet-tiny 196 x 1000', 196, 1000], ['MobileNetV2 49 x 1000', 49, 1000]] as const) {
    const M = Float32Array.from({ length: R * C }, () => normal());
    const parts: string[] = [];
    for (const transpose of [false, true]) {
      const v = Float64Array.from({ length: transpose ? R : C }, () => normal());
      const out = new Float64Array(transpose ? C : R);
      const js = timePass(() => rowsTimesVectorJs(M, R, C, v, out, transpose), repeats);
      const simd = timePass(() => wasmRowsTimesVector(M, R, C, v, out, transpose), repeats);
      parts.push(`${transpose ? 'M^T v' : 'M v'} ${round(js, 3)} vs ${round(simd, 3)} (${round(js / simd, 1)}x)`);
    }
    console.log(`  ${label}: ${parts.join('; ')}`);
  }
}
