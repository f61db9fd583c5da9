// A head rewrite for speed, shared by the TF.js layers and ONNX heads: average over space before a
// chain of pointwise affine (or identity) steps that ends in global average pooling, instead of
// after it. The mean of an affine map applied at every position is the map of the mean, so the
// outputs and their gradients are unchanged, and the chain runs on one position instead of all of
// them: darknet-tiny's last 1x1 conv 128 -> 1000 on 14x14 (25M multiply-adds per head pass,
// forward and as much backward) becomes 128k. Every L2-CAF iteration and Grad-CAM pass gains.
import type { OpKind } from './layersTranslate.js';

export interface PoolStep {
  kind: OpKind;
  /** the step's inputs that vary with the input (constants left out): a step's index, or null for the features or a backbone tensor */
  reads: readonly (number | null)[];
}

/**
 * The steps whose (one varying) input is averaged over space before they run: the first step of
 * each chain of 'pointwise'/'identity' steps, each read by the next alone, that ends in a 'gap'.
 * `output`: the step that gives the head's output (a step it reads is read once more).
 */
export function poolBeforeGap(steps: readonly PoolStep[], output: number = steps.length - 1): Set<number> {
  const readers = new Map<number, number>();
  const read = (i: number) => readers.set(i, (readers.get(i) ?? 0) + 1);
  for (const s of steps) for (const r of s.reads) if (r !== null) read(r);
  read(output);
  const out = new Set<number>();
  steps.forEach((g) => {
    if (g.kind !== 'gap' || g.reads.length !== 1) return;
    let cur = g.reads[0]!;
    let first: number | null = null;
    while (cur !== null) {
      const s = steps[cur]!;
      if ((s.kind !== 'pointwise' && s.kind !== 'identity') || s.reads.length !== 1 || readers.get(cur) !== 1) break;
      first = cur;
      cur = s.reads[0]!;
    }
    if (first !== null) out.add(first);
  });
  return out;
}
