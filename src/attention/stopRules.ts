// When the iterative solver stops. Pure bookkeeping on numbers: the solver reads tensors back only
// at the iterations this monitor asks for, because a read-back is a synchronisation point (a GPU
// stall in the renderer; a copy on CPU backends).
//
// Iteration i means "the filter after i Adam updates"; its loss and filter are known at step i.
// 'paper'     (reference code): at i = 0, every, 2*every, ...: stop when |loss_i - loss_{i-every}| < tol.
// 'converged' delta_i = ||f_i - f_{i-1}|| / ||f_i||. At i = window, 2*window, ... (and i >= minIterations):
//             stop when max(delta over the last `window` iterations) < relTol.
import type { StopRule } from './types.js';

export class StopMonitor {
  readonly rule: StopRule;
  private prevLoss = NaN;

  constructor(rule: StopRule) {
    if (rule.kind === 'paper') {
      if (!(Number.isInteger(rule.every) && rule.every >= 1)) throw new Error(`stop rule 'paper': every must be a positive integer, got ${rule.every}`);
      if (!(rule.tol >= 0)) throw new Error(`stop rule 'paper': tol must be >= 0, got ${rule.tol}`);
    } else if (rule.kind === 'converged') {
      if (!(Number.isInteger(rule.window) && rule.window >= 1)) throw new Error(`stop rule 'converged': window must be a positive integer, got ${rule.window}`);
      if (!(rule.relTol > 0)) throw new Error(`stop rule 'converged': relTol must be > 0, got ${rule.relTol}`);
      if (!(rule.minIterations >= 0)) throw new Error(`stop rule 'converged': minIterations must be >= 0, got ${rule.minIterations}`);
    } else {
      throw new Error(`unknown stop rule ${JSON.stringify(rule)}`);
    }
    this.rule = rule;
  }

  /** Whether the solver must compute the per-iteration filter change (only 'converged' uses it). */
  get needsDelta(): boolean {
    return this.rule.kind === 'converged';
  }

  /** Whether the loss at iteration i must be read back. */
  needsLoss(i: number): boolean {
    return this.rule.kind === 'paper' && i % this.rule.every === 0;
  }

  /** Whether the running maximum of delta must be read back (and reset) at iteration i. */
  needsMaxDelta(i: number): boolean {
    return this.rule.kind === 'converged' && i > 0 && i % this.rule.window === 0;
  }

  /** Feed the loss at a needsLoss iteration; true = stop here. */
  observeLoss(i: number, loss: number): boolean {
    if (this.rule.kind !== 'paper') return false;
    const stop = Number.isFinite(this.prevLoss) && Math.abs(loss - this.prevLoss) < this.rule.tol;
    this.prevLoss = loss;
    return stop && i > 0;
  }

  /** Feed max(delta) over iterations i-window+1..i at a needsMaxDelta iteration; true = stop here. */
  observeMaxDelta(i: number, maxDelta: number): boolean {
    if (this.rule.kind !== 'converged') return false;
    return i >= this.rule.minIterations && maxDelta < this.rule.relTol;
  }
}
