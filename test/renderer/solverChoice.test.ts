// The app's solver choices: each is a request the service accepts, and the paper's optimiser is a
// choice of its own (the job runs --preset paper; test/e2e/app.e2e.test.ts runs one).
import { describe, expect, it } from 'vitest';
import { SOLVER_CHOICES, solverRequest, type SolverChoice } from '../../renderer/panels/solverChoice.js';
import { checkArgs } from '../../src/contract/argSpec.js';
import { VIDEO_JOB_SPEC } from '../../src/contract/methods.js';

describe('solver choices', () => {
  it('map to the request fields the CLI flags stand for', () => {
    expect(solverRequest('auto')).toEqual({ solver: 'auto' });
    expect(solverRequest('iterative')).toEqual({ solver: 'iterative' });
    expect(solverRequest('paper')).toEqual({ solver: 'iterative', preset: 'paper' });
    expect(solverRequest('exact')).toEqual({ solver: 'exact' });
    expect(() => solverRequest('adam' as SolverChoice)).toThrow(/unknown solver choice "adam"/);
  });

  it('each gives a video request the service accepts, and only the paper choice says Adam', () => {
    expect(SOLVER_CHOICES.map((c) => c.value)).toEqual(['auto', 'iterative', 'paper', 'exact']);
    for (const c of SOLVER_CHOICES) {
      const req = { file: '/clips/a.mp4', methods: ['l2caf'], classes: [], ...solverRequest(c.value) };
      expect(checkArgs(VIDEO_JOB_SPEC, req)).toEqual(req);
      expect(/Adam/.test(c.label), c.label).toBe(c.value === 'paper');
    }
    // the default of the panel (and of the CLI) is first
    expect(SOLVER_CHOICES[0]!.value).toBe('auto');
  });
});
