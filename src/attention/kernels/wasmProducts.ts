// The SIMD matrix-vector products of jProducts.wat, for affine.ts. One instance per thread; its
// memory holds the matrix of the affine map in use (copied in once, then every Lanczos pass reads
// it there) followed by the vector and the result. Measured on darknet-tiny's 196 x 1000 map:
// `npm run bench` prints the figure (JS loops vs these kernels).
import { J_PRODUCTS_WASM } from './jProductsWasm.js';

// The engine's lib is ES2022 without DOM, whose typings declare WebAssembly: the little used here.
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}

interface Kernels {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  /** out[r] = sum_j M[r, j] v[j] */
  mv(m: number, R: number, C: number, v: number, out: number): void;
  /** out[j] = sum_r v[r] M[r, j] */
  mtv(m: number, R: number, C: number, v: number, out: number): void;
}

let kernels: Kernels | null | undefined;

/** The instance, or null where WebAssembly (with SIMD) is not available: callers use JS loops. */
function instance(): Kernels | null {
  if (kernels !== undefined) return kernels;
  try {
    const bytes = Uint8Array.from(atob(J_PRODUCTS_WASM), (c) => c.charCodeAt(0));
    const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    kernels = new wasm.Instance(new wasm.Module(bytes)).exports as Kernels;
  } catch {
    kernels = null;
  }
  return kernels;
}

export function wasmProductsAvailable(): boolean {
  return instance() !== null;
}

const PAGE = 65536;
const align16 = (n: number): number => (n + 15) & ~15;

/** The matrix now in memory: the caller's array (affine maps never change theirs) and its size. */
let resident: { M: Float32Array; R: number; C: number } | null = null;

/**
 * out = M v (transpose false; v length C, out length R) or M^T v (true; v length R, out length C)
 * for M (R x C, row-major). Returns false, computing nothing, when the kernels are unavailable.
 */
export function wasmRowsTimesVector(M: Float32Array, R: number, C: number, v: ArrayLike<number>, out: Float64Array, transpose: boolean): boolean {
  const k = instance();
  const vLen = transpose ? R : C;
  const outLen = transpose ? C : R;
  if (!k || v.length !== vLen || out.length !== outLen) return false;
  const vAt = align16(R * C * 4);
  const outAt = align16(vAt + Math.max(R, C) * 4);
  const end = outAt + Math.max(R, C) * 8;
  if (end > k.memory.buffer.byteLength) {
    try {
      k.memory.grow(Math.ceil((end - k.memory.buffer.byteLength) / PAGE));
    } catch {
      return false; // beyond what the engine will give: the JS loops need no copy
    }
    resident = null;
  }
  const buf = k.memory.buffer;
  if (!resident || resident.M !== M || resident.R !== R || resident.C !== C) {
    new Float32Array(buf, 0, R * C).set(M.subarray(0, R * C));
    resident = { M, R, C };
  }
  new Float32Array(buf, vAt, vLen).set(v);
  if (transpose) k.mtv(0, R, C, vAt, outAt);
  else k.mv(0, R, C, vAt, outAt);
  out.set(new Float64Array(buf, outAt, outLen));
  return true;
}
