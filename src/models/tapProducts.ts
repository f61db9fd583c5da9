// The contraction of a factored convolution (filteredConv.ts), z[b, p, o] = sum_t fs[b, p, t] B[p, t, o],
// in the SIMD kernels of jProducts.wat instead of a TF.js batched matMul. Why: the wasm backend's
// BatchMatMul is a plain loop; on darknet-tiny after leaky_re_lu_13 ([196, 1, 9] x [196, 9, 512])
// it took 1.6 ms forward and 1.0 ms backward of a 6.4 ms head pass, the kernels 0.12 and 0.11 ms.
// B is copied once per input into an instance of the kernels with a memory of its own, where every
// pass of the solve reads it; only fs (P x T floats) and z go in and out per pass. Instances are
// reused (release()): a new WebAssembly memory per video frame would leave it to the garbage
// collector to return each one's address-space reservation.
import * as tf from '@tensorflow/tfjs-core';
import { align16, ensureMemory, newProductsInstance, type ProductKernels } from '../attention/kernels/wasmProducts.js';

/**
 * Released instances, for the next input. Two at most: a thread has one preparation live at a time
 * (two maps of one input share it), and a second covers one made before the last is disposed.
 * (Their memory keeps the largest size it grew to, for the thread's life.)
 */
const spare: ProductKernels[] = [];
const SPARE_MAX = 2;

export class TapProducts {
  /** byte offset of the per-pass buffers, after B */
  private readonly ioAt: number;
  private batch = 0;
  private k: ProductKernels | null;

  private constructor(
    k: ProductKernels,
    readonly P: number,
    readonly T: number,
    readonly O: number,
  ) {
    this.k = k;
    this.ioAt = align16(P * T * O * 4);
  }

  /** B [P, T, O] resident in an instance; null where WebAssembly SIMD or the memory is not to be had. */
  static create(B: Float32Array, P: number, T: number, O: number): TapProducts | null {
    if (B.length !== P * T * O) throw new Error(`internal: tap products of ${B.length} floats, expected ${P} x ${T} x ${O}`);
    const k = spare.pop() ?? newProductsInstance();
    if (!k) return null;
    const t = new TapProducts(k, P, T, O);
    if (!t.reserve(1)) {
      t.release();
      return null;
    }
    new Float32Array(k.memory.buffer, 0, B.length).set(B);
    return t;
  }

  /** Done with this input: the instance goes back for the next one; using this afterwards throws. */
  release(): void {
    if (this.k && spare.length < SPARE_MAX) spare.push(this.k);
    this.k = null;
  }

  private kernels(): ProductKernels {
    if (!this.k) throw new Error('internal: the factored convolution was used after its dispose()');
    return this.k;
  }

  /** Room for a batch of `n`: fs and z, then dy and dfs (grown only, so B stays where it is). */
  private reserve(n: number): boolean {
    if (n <= this.batch) return true;
    const { P, T, O } = this;
    if (!ensureMemory(this.kernels(), this.ioAt + 2 * align16(n * P * (T + O) * 4) + 64)) return false;
    this.batch = n;
    return true;
  }

  /** The result as a view of the kernels' memory (valid until the next call), or a copy. */
  private run(input: Float32Array, n: number, inLen: number, outLen: number, kernel: 'tapsForward' | 'tapsBackward', view = false): Float32Array {
    // (a batch of one, all the solvers use, was reserved in create(); only larger ones can fail here)
    if (!this.reserve(n)) throw new Error(`the factored convolution's buffers for a batch of ${n} do not fit in WebAssembly memory`);
    const { P, T, O } = this;
    const k = this.kernels();
    const inAt = this.ioAt;
    const outAt = inAt + align16(n * inLen * 4);
    new Float32Array(k.memory.buffer, inAt, n * inLen).set(input.subarray(0, n * inLen));
    for (let b = 0; b < n; b++) k[kernel](0, P, T, O, inAt + b * inLen * 4, outAt + b * outLen * 4);
    const result = new Float32Array(k.memory.buffer, outAt, n * outLen);
    if (view) return result;
    // (new + set: slice() of a view over the wasm memory was 4x slower)
    const copy = new Float32Array(n * outLen);
    copy.set(result);
    return copy;
  }

  /** z [n, P, O] from fs [n, P, T]; `view`: in the kernels' memory, valid until the next call. */
  forward(fs: Float32Array, n: number, view = false): Float32Array {
    return this.run(fs, n, this.P * this.T, this.P * this.O, 'tapsForward', view);
  }

  /** dfs [n, P, T] from dz [n, P, O]. */
  backward(dz: Float32Array, n: number): Float32Array {
    return this.run(dz, n, this.P * this.O, this.P * this.T, 'tapsBackward');
  }

  /** The contraction as a TF.js op, fs [n, P, T] -> z [n, P, O], with its gradient for fs. */
  apply(fs: tf.Tensor3D): tf.Tensor3D {
    const n = fs.shape[0];
    const { P, T, O } = this;
    // The wasm backend copies a new tensor's values at once, so it can take the result in place; a
    // fresh 400 KB array per pass cost 0.5-0.9 ms in allocation and GC. Others (cpu, tfjs-node) may
    // keep the array until first use: they get a copy.
    const inPlace = tf.getBackend() === 'wasm';
    const op = tf.customGrad(((x: tf.Tensor3D) => ({
      value: tf.tensor3d(this.forward(x.dataSync() as Float32Array, n, inPlace), [n, P, O]),
      gradFunc: (dz: tf.Tensor3D) => tf.tensor3d(this.backward(dz.dataSync() as Float32Array, n), [n, P, T]),
    })) as unknown as Parameters<typeof tf.customGrad>[0]);
    return op(fs) as tf.Tensor3D;
  }
}
