import { describe, expect, it } from 'vitest';
import { mulberry32, normalGenerator, randn } from '../../src/attention/rng.js';
import { absValues, normalise01 } from '../../src/attention/normalise.js';
import { pearson } from '../../src/attention/stats.js';

describe('rng', () => {
  it('is deterministic per seed and differs between seeds', () => {
    expect(Array.from(randn(20, 42))).toEqual(Array.from(randn(20, 42)));
    expect(Array.from(randn(20, 42))).not.toEqual(Array.from(randn(20, 43)));
  });

  it('gives uniform values in [0, 1) with mean 1/2', () => {
    const u = mulberry32(7);
    let sum = 0;
    let outside = 0;
    for (let i = 0; i < 100000; i++) {
      const x = u();
      if (!(x >= 0 && x < 1)) outside++;
      sum += x;
    }
    expect(outside).toBe(0);
    expect(sum / 100000).toBeCloseTo(0.5, 2);
  });

  it('gives standard normal samples (mean 0, variance 1, ~68% within 1 sd)', () => {
    const next = normalGenerator(mulberry32(3));
    const n = 200000;
    let s = 0;
    let s2 = 0;
    let within = 0;
    for (let i = 0; i < n; i++) {
      const x = next();
      s += x;
      s2 += x * x;
      if (Math.abs(x) < 1) within++;
    }
    expect(s / n).toBeCloseTo(0, 2);
    expect(s2 / n).toBeCloseTo(1, 1);
    expect(within / n).toBeCloseTo(0.6827, 2);
  });
});

describe('normalise01 / absValues', () => {
  it('maps min to 0 and max to 1 linearly', () => {
    expect(Array.from(normalise01([2, 4, 3, 6]))).toEqual([0, 0.5, 0.25, 1]);
  });
  it('gives zeros for a constant or empty input', () => {
    expect(Array.from(normalise01([5, 5, 5]))).toEqual([0, 0, 0]);
    expect(normalise01([]).length).toBe(0);
  });
  it('takes absolute values', () => {
    expect(Array.from(absValues([-1, 2, -0.5]))).toEqual([1, 2, 0.5]);
  });
});

describe('pearson', () => {
  it('is 1 for an affine copy, -1 for a negated one', () => {
    const a = [1, 3, 2, 5, 4];
    expect(pearson(a, a.map((x) => 2 * x + 1))).toBeCloseTo(1, 12);
    expect(pearson(a, a.map((x) => -x))).toBeCloseTo(-1, 12);
  });
  it('matches a hand computation', () => {
    // a = [1,2,3], b = [1,3,2]: cov = 0.5*... -> r = 0.5
    expect(pearson([1, 2, 3], [1, 3, 2])).toBeCloseTo(0.5, 12);
  });
  it('is NaN for a constant input and throws on a length mismatch', () => {
    expect(pearson([1, 1, 1], [1, 2, 3])).toBeNaN();
    expect(() => pearson([1, 2], [1, 2, 3])).toThrow(/lengths differ/);
  });
});
