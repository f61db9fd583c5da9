// An objective as plain numbers, for head oracles run outside TF.js (Head.gradOracle): the loss of
// head outputs FT and the gradient seed dL/dFT = FT * scale + offset, one form for both objectives.
import type { Objective } from './objectives.js';

export interface LossSeed {
  kind: 'oblivious' | 'class';
  /** oblivious: NT, the unfiltered outputs; class: s = 1 - 2 e_t */
  values: Float32Array;
}

export function lossSeed(obj: Objective): LossSeed {
  return obj.kind === 'oblivious' ? { kind: 'oblivious', values: Float32Array.from(obj.nt.dataSync()) } : { kind: 'class', values: Float32Array.from(obj.weights.dataSync()) };
}

/** mean_k (NT_k - FT_k)^2, or s . FT (objectives.ts), summed in double precision. */
export function seedLoss(seed: LossSeed, ft: Float32Array): number {
  let sum = 0;
  const v = seed.values;
  if (seed.kind === 'class') {
    for (let k = 0; k < ft.length; k++) sum += v[k]! * ft[k]!;
    return sum;
  }
  for (let k = 0; k < ft.length; k++) sum += (v[k]! - ft[k]!) ** 2;
  return sum / ft.length;
}

/** dL/dFT = FT * scale + offset: oblivious 2 (FT - NT) / K, class s. */
export function seedGradient(seed: LossSeed): { scale: Float32Array; offset: Float32Array } {
  const K = seed.values.length;
  if (seed.kind === 'class') return { scale: new Float32Array(K), offset: Float32Array.from(seed.values) };
  return { scale: new Float32Array(K).fill(2 / K), offset: Float32Array.from(seed.values, (v) => (-2 * v) / K) };
}
