// The SIMD matrix-vector products of jProducts.wat, for affine.ts (and, in instances of their own,
// the tap products of models/tapProducts.ts). One instance per thread for the J products; its
// memory holds the matrix of the affine map in use (copied in once, then every Lanczos pass reads
// it there) followed by the vector and the result. Measured on darknet-tiny's 196 x 1000 map:
// `npm run bench` prints the figure (JS loops vs these kernels).
import { J_PRODUCTS_WASM } from './jProductsWasm.js';

// The engine's lib is ES2022 without DOM, whose typings declare WebAssembly: the little used here.
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}

export interface ProductKernels {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  /** out[r] = sum_j M[r, j] v[j] */
  mv(m: number, R: number, C: number, v: number, out: number): void;
  /** out[j] = sum_r v[r] M[r, j] */
  mtv(m: number, R: number, C: number, v: number, out: number): void;
  /** out[p, o] = sum_t fs[p, t] B[p, t, o] (float32 out) */
  tapsForward(B: number, P: number, T: number, O: number, fs: number, out: number): void;
  /** dfs[p, t] = sum_o dy[p, o] B[p, t, o] (float32 out) */
  tapsBackward(B: number, P: number, T: number, O: number, dy: number, dfs: number): void;
}

const PAGE = 65536;
let compiled: object | null | undefined;

/**
 * A new instance of the kernels with a memory of its own (callers keep different data resident in
 * theirs), or null where WebAssembly (with SIMD) is not available: callers fall back then.
 */
export function newProductsInstance(): ProductKernels | null {
  const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
  if (!wasm || compiled === null) return null;
  try {
    compiled ??= new wasm.Module(Uint8Array.from(atob(J_PRODUCTS_WASM), (c) => c.charCodeAt(0)));
  } catch {
    compiled = null; // no SIMD here: it will not compile next time either
    return null;
  }
  try {
    return new wasm.Instance(compiled).exports as ProductKernels;
  } catch {
    return null; // (out of memory, say) this time
  }
}

let kernels: ProductKernels | null | undefined;

/** The instance of the J products, or null where WebAssembly (with SIMD) is not available: callers use JS loops. */
function instance(): ProductKernels | null {
  if (kernels === undefined) kernels = newProductsInstance();
  return kernels;
}

/** Bytes of a memory of at least `bytes` (grown in 64 KiB pages); false when the engine will not give them. */
export function ensureMemory(k: ProductKernels, bytes: number): boolean {
  if (bytes <= k.memory.buffer.byteLength) return true;
  try {
    k.memory.grow(Math.ceil((bytes - k.memory.buffer.byteLength) / PAGE));
    return true;
  } catch {
    return false;
  }
}

export function wasmProductsAvailable(): boolean {
  return instance() !== null;
}

export const align16 = (n: number): number => (n + 15) & ~15;

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
    if (!ensureMemory(k, end)) return false; // beyond what the engine will give: the JS loops need no copy
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
