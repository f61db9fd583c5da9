// Top-k predictions from logits: softmax probabilities, highest first.
import { labelOf } from './targets.js';

export interface Prediction {
  index: number;
  label: string;
  score: number;
}

export function softmax(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]!);
  const out = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += out[i] = Math.exp(logits[i]! - max);
  for (let i = 0; i < out.length; i++) out[i]! /= sum;
  return out;
}

export function topK(logits: ArrayLike<number>, labels: readonly string[] | null, k = 5): Prediction[] {
  const p = softmax(logits);
  const idx = Array.from(p.keys()).sort((a, b) => p[b]! - p[a]!).slice(0, k);
  return idx.map((i) => ({ index: i, label: labelOf(i, labels), score: p[i]! }));
}
