// The default solve's Adam phase (src/attention/sphereSolve.ts): it runs only where L-BFGS ends
// unconverged, takes the passes the rule keeps for it (adamPasses, at most half of maxPasses), ends
// no higher than L-BFGS did (L-BFGS then finishes from its lowest point with the passes left),
// and shows in the trace and the progress. (Its accuracy on real heads:
// test/attention/nonlinearReference.test.ts, leaky_re_lu_12 class-specific.)
import { describe, expect, it } from 'vitest';
import { defaultSolveOptions, OPTIMAL_RULE, solveL2caf } from '../../src/attention/index.js';
import { adamReserve, WARM_PHASE_SHARE } from '../../src/attention/sphereSolve.js';
import type { SolveOptions } from '../../src/attention/types.js';
import { useNonlinearHead } from './setup.js';

const converged: SolveOptions = { ...defaultSolveOptions('converged'), solver: 'iterative' };
const fx = useNonlinearHead([8, 8], 8, 8, 10, 2, 7);

describe('the Adam phase after L-BFGS', () => {
  it('keeps half of the budget, 60 at most', () => {
    expect(OPTIMAL_RULE.maxPasses).toBe(120);
    expect(adamReserve(120)).toBe(60);
    expect(adamReserve(300)).toBe(60);
    expect(adamReserve(31)).toBe(15);
    expect(adamReserve(1)).toBe(0);
    expect(adamReserve(120, 0)).toBe(0);
  });

  it('does not run where L-BFGS converges: the same answer and passes as L-BFGS alone', () => {
    // class-specific on this ReLU head: L-BFGS passes its test after 38 passes
    const c = solveL2caf(fx.head, fx.X, 1, converged);
    const alone = solveL2caf(fx.head, fx.X, 1, { ...converged, stop: { ...OPTIMAL_RULE, adamPasses: 0 } });
    expect(c.iterations).toBeLessThan(60);
    expect(c.iterations).toBe(alone.iterations);
    expect(c.adamPasses).toBeUndefined();
    expect(Array.from(c.raw)).toEqual(Array.from(alone.raw));
  });

  it('where L-BFGS ends unconverged, goes on for adamPasses and ends lower; within maxPasses; traced and reported', () => {
    // Tight tolerances from the default's answer (a warm start: the phase gets WARM_PHASE_SHARE of
    // adamPasses, 20): L-BFGS stalls at a kink after 11 passes; the phase finds an optimum 0.39%
    // lower (measured).
    const phase = Math.ceil(60 * WARM_PHASE_SHARE);
    expect(phase).toBe(20);
    const c = solveL2caf(fx.head, fx.X, 1, converged);
    const tight = { kind: 'optimal', stepTol: 0.002, lossTol: 1e-6, maxPasses: 200 } as const;
    const alone = solveL2caf(fx.head, fx.X, 1, { ...converged, init: c.param, stop: { ...tight, adamPasses: 0 } });
    const progress: [number, number][] = [];
    const withPhase = solveL2caf(fx.head, fx.X, 1, {
      ...converged,
      init: c.param,
      stop: tight,
      traceEvery: 10,
      onIteration: (i, n) => progress.push([i, n]),
    });
    expect(alone.iterations).toBeLessThan(140);
    // L-BFGS, the phase's passes, then L-BFGS again from the phase's lowest point (the passes left)
    expect(withPhase.iterations).toBeGreaterThan(alone.iterations + phase);
    expect(withPhase.iterations).toBeLessThanOrEqual(200);
    expect(withPhase.adamPasses).toBe(phase);
    expect(alone.adamPasses).toBeUndefined();
    expect(withPhase.loss).toBeLessThan(alone.loss - 1e-3 * Math.abs(alone.loss));
    // the trace marks where the phase ran; the finish only lowers the phase's answer
    const [from, to] = withPhase.adamIterations!;
    expect(to - from).toBe(phase);
    const atPhaseEnd = withPhase.trace!.find((t) => t.iteration === to)!;
    expect(atPhaseEnd, 'the phase\'s answer is traced').toBeDefined();
    expect(withPhase.loss).toBeLessThanOrEqual(atPhaseEnd.loss);
    expect(withPhase.trace!.at(-1)!.iteration).toBeGreaterThan(to);
    // the trace goes on through the phase and ends with the answer
    const trace = withPhase.trace!;
    expect(trace[trace.length - 1]!.loss).toBeCloseTo(withPhase.loss, 5);
    expect(trace[trace.length - 1]!.iteration).toBeGreaterThanOrEqual(phase);
    const its = trace.map((t) => t.iteration);
    expect(new Set(its).size, 'one entry per iteration').toBe(its.length);
    for (let i = 1; i < its.length; i++) expect(its[i]!).toBeGreaterThan(its[i - 1]!);
    // every 10th iteration through L-BFGS and the phase alike (plus where each run ended)
    for (let k = 0; k <= its.at(-1)!; k += 10) expect(its).toContain(k);
    // progress counts every pass against the whole budget, never backwards
    expect(progress[progress.length - 1]).toEqual([withPhase.iterations, 200]);
    for (let i = 1; i < progress.length; i++) expect(progress[i]![0]).toBeGreaterThanOrEqual(progress[i - 1]![0]);
    // a smaller budget: the phase gets half of it, the whole solve stays within it
    const capped = solveL2caf(fx.head, fx.X, 1, { ...converged, init: c.param, stop: { ...tight, maxPasses: 24 } });
    expect(capped.iterations).toBeLessThanOrEqual(24);
    expect(capped.loss).toBeLessThanOrEqual(solveL2caf(fx.head, fx.X, 1, { ...converged, init: c.param, stop: { ...tight, maxPasses: 12, adamPasses: 0 } }).loss);
  });

  it('a cold solve gets the whole phase, a warm-started one WARM_PHASE_SHARE of it (it starts by the previous optimum)', () => {
    // cold, tight tolerances: the line search gives up at a kink after 76 passes, the phase takes
    // its 60 and ends 0.18% lower (measured)
    const tight = { kind: 'optimal', stepTol: 0.002, lossTol: 1e-6, maxPasses: 200 } as const;
    const cold = solveL2caf(fx.head, fx.X, 1, { ...converged, stop: tight });
    expect(cold.start).not.toBe('warm');
    expect(cold.stop).toBe('line-search');
    expect(cold.adamPasses).toBe(60);
    const init = solveL2caf(fx.head, fx.X, 1, converged).param;
    for (const adamPasses of [60, 41]) {
      const warm = solveL2caf(fx.head, fx.X, 1, { ...converged, init, stop: { ...tight, adamPasses } });
      expect(warm.start).toBe('warm');
      expect(warm.adamPasses, `adamPasses ${adamPasses}`).toBe(Math.ceil(adamPasses * WARM_PHASE_SHARE));
    }
    expect(solveL2caf(fx.head, fx.X, 1, { ...converged, stop: { ...tight, adamPasses: 41 } }).adamPasses).toBe(41);
  });

  it('rejects an adamPasses that is not a whole number', () => {
    for (const adamPasses of [-1, 1.5, NaN]) {
      expect(() => solveL2caf(fx.head, fx.X, 1, { ...converged, stop: { ...OPTIMAL_RULE, adamPasses } })).toThrow(/adamPasses/);
    }
  });
});
