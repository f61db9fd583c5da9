// The SIMD products (kernels/jProducts.wat) against the JS loops they replace, on every remainder
// of the four-row and four-column blocks, both products, and matrices that change between calls
// (the kernels keep the last matrix in their memory); and the committed bytes against the .wat.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { rowsTimesVectorJs } from '../../src/attention/affine.js';
import { wasmProductsAvailable, wasmRowsTimesVector } from '../../src/attention/kernels/wasmProducts.js';
import { mulberry32, normalGenerator } from '../../src/attention/rng.js';
import { PROJECT_ROOT } from '../helpers/fixtures.js';
import { maxRelArrays } from '../helpers/tensorCompare.js';

const normal = normalGenerator(mulberry32(12));
const matrix = (R: number, C: number): Float32Array => Float32Array.from({ length: R * C }, () => normal());
const vector = (n: number): Float64Array => Float64Array.from({ length: n }, () => normal());

function both(M: Float32Array, R: number, C: number, v: Float64Array, transpose: boolean): { wasm: Float64Array; js: Float64Array } {
  const n = transpose ? C : R;
  const wasm = new Float64Array(n).fill(NaN);
  const js = new Float64Array(n);
  expect(wasmRowsTimesVector(M, R, C, v, wasm, transpose)).toBe(true);
  rowsTimesVectorJs(M, R, C, v, js, transpose);
  return { wasm, js };
}

describe('SIMD J products', () => {
  it('are available in Node', () => {
    expect(wasmProductsAvailable()).toBe(true);
  });

  // R and C cover every remainder mod 4, plus the sizes of darknet-tiny (196 x 1000) and MobileNetV2 (49 x 1000)
  const shapes: [number, number][] = [[1, 1], [3, 5], [4, 4], [5, 7], [6, 66], [7, 129], [49, 1000], [196, 1000], [1000, 49]];
  it.each(shapes)('M v and M^T v for a %i x %i matrix equal the float64 JS loops to float32 precision', (R, C) => {
    const M = matrix(R, C);
    for (const transpose of [false, true]) {
      const v = vector(transpose ? R : C);
      const { wasm, js } = both(M, R, C, v, transpose);
      expect(maxRelArrays(wasm, js)).toBeLessThan(1e-6);
    }
  });

  it('use the matrix they are given when it changes between calls, and after their memory grows', () => {
    const a = matrix(8, 12);
    const b = matrix(8, 12);
    const big = matrix(600, 900); // 2 MB: more than the first memory page
    const v = vector(12);
    for (const M of [a, b, a, big, b]) {
      const [R, C] = M === big ? [600, 900] : [8, 12];
      const x = M === big ? vector(C) : v;
      const { wasm, js } = both(M, R, C, x, false);
      expect(maxRelArrays(wasm, js)).toBeLessThan(1e-6);
    }
  });

  it('refuse vectors of the wrong length (the JS loops then run)', () => {
    const M = matrix(4, 6);
    expect(wasmRowsTimesVector(M, 4, 6, vector(5), new Float64Array(4), false)).toBe(false);
    expect(wasmRowsTimesVector(M, 4, 6, vector(6), new Float64Array(5), false)).toBe(false);
  });

  it('come from the committed jProducts.wat (jProductsWasm.ts is up to date)', () => {
    expect(() => execFileSync(process.execPath, [path.join(PROJECT_ROOT, 'scripts', 'build-wasm.mjs'), '--check'], { cwd: PROJECT_ROOT, stdio: 'pipe' })).not.toThrow();
  });
});
