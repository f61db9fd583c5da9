// Pure: the job's solve counts in the status line when it is done ("30 warm, 8 cold, the Adam
// phase on 2"): on a non-linear head, how much of the run warm starts carried and how often L-BFGS
// could not certify an optimum. Empty without iterative maps (exact solver, Grad-CAM, CAM).
import { solveCountsWords, type SolveCountsView } from '../../src/contract/index.js';

export function solvesPhrase(s: SolveCountsView | undefined): string {
  return s ? `; ${solveCountsWords(s)}` : '';
}
