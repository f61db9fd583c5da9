// Why a solve ended (AttentionMap.stop, src/attention/types.ts SolveStop): the record a user reads
// to tell a certified optimum from the best a budget found. Real solves on a small non-linear
// (ReLU) head: the optimality test, a line search that finds no lower point at a kink (and the Adam
// phase after it), a spent pass budget (also when it ends the comparison of cold starts), Adam's
// rule and its iteration limit. ('stalled' needs a real head: test/cli/cli.test.ts.)
import { describe, expect, it } from 'vitest';
import { defaultSolveOptions, OPTIMAL_RULE, solveL2caf } from '../../src/attention/index.js';
import { SOLVE_STOPS, type SolveOptions } from '../../src/attention/types.js';
import { solveCounts } from '../../src/engine/solveCounts.js';
import { endedAtLimit, SOLVE_STOP_WORDS, stopClause } from '../../src/contract/index.js';
import { useNonlinearHead } from './setup.js';

const converged: SolveOptions = { ...defaultSolveOptions('converged'), solver: 'iterative' };
const paper: SolveOptions = { ...defaultSolveOptions('paper'), solver: 'iterative' };
const fx = useNonlinearHead([8, 8], 8, 8, 10, 2, 7);

describe('why a solve ended', () => {
  it('the default: L-BFGS passes its optimality test (no phase); the exact solver, Grad-CAM records no reason', () => {
    const c = solveL2caf(fx.head, fx.X, 1, converged);
    expect(c.stop).toBe('optimal');
    expect(c.adamPasses).toBeUndefined();
    expect(endedAtLimit(c)).toBe(false);
    expect(solveL2caf(fx.head, fx.X, null, converged).stop).toBe('optimal');
    expect(stopClause(c)).toBe('L-BFGS: optimality test passed');
  });

  it('tolerances too tight for a kink: L-BFGS\'s line search finds no lower point, the Adam phase goes on (and says so), nothing at a limit', () => {
    const c = solveL2caf(fx.head, fx.X, 1, converged);
    const tight = { kind: 'optimal', stepTol: 0.002, lossTol: 1e-6, maxPasses: 200 } as const;
    const alone = solveL2caf(fx.head, fx.X, 1, { ...converged, init: c.param, stop: { ...tight, adamPasses: 0 } });
    const withPhase = solveL2caf(fx.head, fx.X, 1, { ...converged, init: c.param, stop: tight });
    expect(alone.stop).toBe('line-search');
    expect(withPhase.stop).toBe('line-search');
    // (a warm start, init: a third of the phase, sphereSolve.ts WARM_PHASE_SHARE)
    expect(withPhase.adamPasses).toBe(20);
    expect(endedAtLimit(withPhase)).toBe(false);
    expect(stopClause(withPhase)).toBe('L-BFGS: line search found no lower point, then 20 Adam passes');
    expect(stopClause({ stop: 'pass-limit', adamPasses: 1 })).toBe('L-BFGS: pass budget spent, then 1 Adam pass');
  });

  it('a budget spent before the test passed: "pass-limit", also when it ends the cold starts\' comparison', () => {
    // class-oblivious, one start: L-BFGS runs out after 3 passes (no phase kept)
    const one = solveL2caf(fx.head, fx.X, null, { ...converged, stop: { ...OPTIMAL_RULE, maxPasses: 3, adamPasses: 0 } });
    expect(one.iterations).toBe(3);
    expect(one.stop).toBe('pass-limit');
    expect(endedAtLimit(one)).toBe(true);
    // class-specific on a non-linear head scouts two starts: with 4 passes the scouts spend them
    // (a scout that passed its looser test is not certified: no finishing run)
    const scouts = solveL2caf(fx.head, fx.X, 1, { ...converged, stop: { ...OPTIMAL_RULE, maxPasses: 4, adamPasses: 0 } });
    expect(scouts.iterations).toBeLessThanOrEqual(4);
    expect(scouts.stop).toBe('pass-limit');
    // with the phase's share of a small budget, the phase runs after it
    const phased = solveL2caf(fx.head, fx.X, null, { ...converged, stop: { ...OPTIMAL_RULE, maxPasses: 6 } });
    expect(phased.stop).toBe('pass-limit');
    expect(phased.adamPasses).toBe(3);
    expect(endedAtLimit(phased)).toBe(false);
    expect(solveCounts([one, scouts, phased].map((m) => ({ ...m, solver: 'iterative' })))).toEqual({ warm: 0, cold: 3, adamPhase: 1, atLimit: 2 });
  });

  it('Adam (--preset paper): its rule settles the loss, or it runs to maxIterations', () => {
    const settled = solveL2caf(fx.head, fx.X, 1, paper);
    expect(settled.iterations).toBeLessThan(paper.maxIterations);
    expect(settled.stop).toBe('settled');
    expect(endedAtLimit(settled)).toBe(false);
    const cut = solveL2caf(fx.head, fx.X, 1, { ...paper, maxIterations: 20 });
    expect(cut.iterations).toBe(20);
    expect(cut.stop).toBe('iteration-limit');
    expect(endedAtLimit(cut)).toBe(true);
    expect(stopClause(cut)).toBe('Adam: iteration limit reached');
    // the other constraints run Adam under the filter-settled rule
    expect(solveL2caf(fx.head, fx.X, 1, { ...converged, constraint: 'softmax' }).stop).toBe('settled');
  });

  it('every reason the solvers give has words, and the words name no reason they do not give', () => {
    expect(Object.keys(SOLVE_STOP_WORDS).sort()).toEqual([...SOLVE_STOPS].sort());
  });
});
