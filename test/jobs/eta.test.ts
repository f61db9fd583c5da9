import { describe, expect, it } from 'vitest';
import { ETA_MIN_UNITS, EtaEstimator } from '../../src/jobs/eta.js';

describe('EtaEstimator', () => {
  it('leaves the slow first unit (model load, warm-up) out of the rate', () => {
    // 100 frames: the first takes 30 s (start-up), then one a second
    const eta = new EtaEstimator();
    expect(eta.update(1, 100, 30)).toBeNull(); // the old estimate said 99 * 30 s = 49:30 here
    for (let k = 1; k < ETA_MIN_UNITS; k++) expect(eta.update(1 + k, 100, 30 + k)).toBeNull();
    expect(eta.update(1 + ETA_MIN_UNITS, 100, 30 + ETA_MIN_UNITS)).toBeCloseTo(100 - 1 - ETA_MIN_UNITS, 9);
  });

  it('smooths a jumpy rate and ends at zero', () => {
    const eta = new EtaEstimator();
    eta.update(1, 20, 1);
    expect(eta.update(5, 20, 5)).toBeCloseTo(15, 9); // 1 s a frame
    // one slow frame (5 s): the raw estimate jumps to 14 * 9/5 = 25.2 s, the shown one moves partway
    const after = eta.update(6, 20, 10)!;
    expect(after).toBeGreaterThan(14);
    expect(after).toBeLessThan(25.2 - 5);
    // a steady rate is estimated exactly, with no lag behind the falling time left
    const steady = new EtaEstimator();
    steady.update(1, 20, 30);
    for (let k = 2; k <= 18; k++) steady.update(k, 20, 30 + 30 * (k - 1));
    expect(steady.update(19, 20, 30 + 30 * 18)).toBeCloseTo(30, 9);
    expect(eta.update(20, 20, 30)).toBe(0);
  });

  it('a count that goes back (a restarted job) starts over', () => {
    const eta = new EtaEstimator();
    eta.update(1, 10, 1);
    eta.update(5, 10, 5);
    expect(eta.update(2, 10, 6)).toBeNull();
  });
});
