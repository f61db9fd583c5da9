// The trace of a default (L-BFGS) solve, what `l2caf image --trace` writes and the app's replay
// draws: it starts at the start the solve kept and runs on through every leg of it (the scout's
// run, then its finishing run; then the Adam phase where that ran), one entry per iteration.
import { describe, expect, it } from 'vitest';
import { defaultSolveOptions, solveL2caf } from '../../src/attention/index.js';
import { headOracle } from '../../src/attention/headOracle.js';
import { disposeObjective, makeObjective } from '../../src/attention/objectives.js';
import { coldStart } from '../../src/attention/start.js';
import type { SolveOptions } from '../../src/attention/types.js';
import { useNonlinearHead } from './setup.js';

const converged: SolveOptions = { ...defaultSolveOptions('converged'), solver: 'iterative', traceEvery: 1 };
const fx = useNonlinearHead([8, 8], 8, 8, 10, 2, 7);

const unit = (x: ArrayLike<number>) => {
  const n = Math.hypot(...Array.from(x));
  return Array.from(x, (v) => v / n);
};

describe('the trace of a default solve', () => {
  for (const target of [null, 1, 4]) {
    it(`${target === null ? 'class-oblivious' : `class-specific (target ${target})`}: starts at the kept start, one entry per iteration to the answer`, () => {
      const m = solveL2caf(fx.head, fx.X, target, converged);
      const trace = m.trace!;
      // where the solve started: the uniform filter, or (class-specific) the head linearised at f = 1
      const S = 64;
      let x0: number[];
      if (m.start === 'uniform') x0 = new Array<number>(S).fill(1 / Math.sqrt(S));
      else {
        expect(m.start).toBe('linearised');
        const obj = makeObjective(fx.head, fx.X, target);
        try {
          x0 = unit(coldStart(headOracle(fx.head, fx.X, obj), S, true, 'deterministic', 0).x0);
        } finally {
          disposeObjective(obj);
        }
      }
      expect(trace[0]!.iteration).toBe(0);
      const first = Array.from(trace[0]!.filter);
      for (let i = 0; i < S; i++) expect(first[i]!).toBeCloseTo(x0[i]!, 5);
      expect(trace.map((t) => t.iteration)).toEqual(trace.map((_, i) => i));
      expect(trace.at(-1)!.loss).toBeCloseTo(m.loss, 5);
      expect(Array.from(trace.at(-1)!.filter, Math.abs)).toEqual(Array.from(m.raw));
      // each L-BFGS iteration lowers the loss (Armijo): the trace goes down from the start to where L-BFGS stopped
      const lbfgs = m.adamPasses ? trace.slice(0, trace.length - m.adamPasses) : trace;
      for (let i = 1; i < lbfgs.length; i++) expect(lbfgs[i]!.loss).toBeLessThanOrEqual(lbfgs[i - 1]!.loss);
      // head passes spent at each step: rising at least one a step (line-search trials and the
      // other start's run add more), from at least the start's one pass to the map's iterations
      const passes = trace.map((t) => t.passes!);
      expect(passes[0]).toBeGreaterThanOrEqual(1);
      for (let i = 1; i < passes.length; i++) expect(passes[i]! - passes[i - 1]!).toBeGreaterThanOrEqual(1);
      expect(passes.at(-1)).toBe(m.iterations);
    });
  }
});
