// Pure: the line under the player naming what the model predicts for the analysed frame on
// screen (its top-1 and score), shown with or without faithfulness.
import type { FrameSummary } from '../../src/contract/index.js';

export interface PredictionLine {
  text: string;
  /** the top-1's label and score; null when there is no frame or no class scores */
  label: string | null;
  score: number | null;
}

export function predictionLine(frame: FrameSummary | null | undefined): PredictionLine {
  if (!frame) return { text: 'predicted: – (no analysed frame here yet)', label: null, score: null };
  const top = frame.predictions[0];
  if (!top) return { text: `predicted: – (the model gives no class scores) · frame ${frame.index}`, label: null, score: null };
  return { text: `predicted: ${top.label} (${formatScore(top.score)}) · frame ${frame.index}`, label: top.label, score: top.score };
}

/** three decimals: softmax probabilities of close classes differ there */
export function formatScore(s: number): string {
  return Number.isFinite(s) ? s.toFixed(3) : String(s);
}
