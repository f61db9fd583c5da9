// The app's solver choices: each is a request the service accepts, and the paper's optimiser is a
// choice of its own (the job runs --preset paper; test/e2e/app.e2e.test.ts runs one).
import { describe, expect, it } from 'vitest';
import { iterationLimitHint, limitRequest, parseIterationLimit, SOLVER_CHOICES, solverRequest, type SolverChoice } from '../../renderer/panels/solverChoice.js';
import { checkArgs } from '../../src/contract/argSpec.js';
import { VIDEO_JOB_SPEC } from '../../src/contract/methods.js';
import { VOLUME_METHOD_SPECS } from '../../src/contract/volume.js';

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

describe('the iteration limit field', () => {
  it('empty is the solver\'s own limit; a whole number in range is a limit; anything else says what is wrong', () => {
    expect(parseIterationLimit('')).toBeNull();
    expect(parseIterationLimit('  ')).toBeNull();
    expect(parseIterationLimit(' 30 ')).toBe(30);
    expect(parseIterationLimit('100000')).toBe(100000);
    for (const bad of ['0', '-3', '2.5', '1e3', 'abc', '100001']) expect(() => parseIterationLimit(bad), bad).toThrow(/^the iteration limit must be a whole number from 1 to 100000, or empty/);
    expect(limitRequest('auto', null)).toEqual({});
    expect(limitRequest('auto', 30)).toEqual({ maxIterations: 30 });
    expect(limitRequest('paper', 30)).toEqual({ maxIterations: 30 });
    // the exact solver has no iterations to bound: a value left in the field does not reach the request
    expect(limitRequest('exact', 30)).toEqual({});
  });

  it('says what empty means for each choice (passes for L-BFGS, steps for the paper\'s Adam)', () => {
    expect(iterationLimitHint('auto').placeholder).toBe('120 passes');
    expect(iterationLimitHint('iterative').placeholder).toBe('120 passes');
    expect(iterationLimitHint('paper').placeholder).toBe('1000 steps');
    expect(iterationLimitHint('paper').title).toMatch(/learning rate decays/);
    expect(iterationLimitHint('exact').title).toMatch(/does not iterate/);
    expect(SOLVER_CHOICES.map((c) => iterationLimitHint(c.value).disabled)).toEqual([false, false, false, true]);
  });

  it('a limited request is one the service accepts, for videos and volumes; out of range it is refused', () => {
    const video = { file: '/clips/a.mp4', methods: ['l2caf'], classes: [], ...solverRequest('paper'), ...limitRequest('paper', 30) };
    expect(checkArgs(VIDEO_JOB_SPEC, video)).toEqual(video);
    expect(() => checkArgs(VIDEO_JOB_SPEC, { ...video, maxIterations: 0 })).toThrow(/maxIterations/);
    expect(() => checkArgs(VIDEO_JOB_SPEC, { ...video, maxIterations: 2.5 })).toThrow(/maxIterations/);
    const volume = { volumeId: 'v1', method: 'l2caf', ...solverRequest('auto'), ...limitRequest('auto', 30) };
    expect(checkArgs(VOLUME_METHOD_SPECS['volume.start'], volume)).toEqual(volume);
    expect(() => checkArgs(VOLUME_METHOD_SPECS['volume.start'], { ...volume, maxIterations: 100001 })).toThrow(/maxIterations/);
  });
});
