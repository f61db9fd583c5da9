// Progress lines for long solves: silent for 2 s, then one line every 2 s; a new solve restarts it.
import { describe, expect, it } from 'vitest';
import { solveProgress } from '../../src/cli/solveProgress.js';

describe('solveProgress', () => {
  it('says nothing for 2 s, then a line every 2 s naming the iteration and the limit', () => {
    let t = 0;
    const lines: string[] = [];
    const p = solveProgress({ write: (s) => lines.push(s) }, () => t);
    p(0, 60);
    for (let i = 1; i <= 60; i++) {
      t += 100; // 100 ms an iteration: 6 s in all
      p(i, 60);
    }
    expect(lines).toEqual([
      'l2caf: solving: iteration 20 of at most 60, 2 s so far\n',
      'l2caf: solving: iteration 40 of at most 60, 4 s so far\n',
      'l2caf: solving: iteration 60 of at most 60, 6 s so far\n',
    ]);
    // The next solve starts its own clock.
    lines.length = 0;
    p(0, 60);
    t += 1500;
    p(1, 60);
    expect(lines).toEqual([]);
  });
});
