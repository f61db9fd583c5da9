// Student t quantiles against published table values, the t interval, confidence change, scores,
// baselines and the clip rules.
import { describe, it, expect } from 'vitest';
import { studentTQuantile, studentTCdf } from '../../src/eval/studentT.js';
import { meanInterval } from '../../src/eval/interval.js';
import { confidenceChange, maskByMap } from '../../src/eval/confidence.js';
import { cosineSimilarity, makeScorer, targetProbability } from '../../src/eval/targetScore.js';
import { baselineInput, gaussianBlur, gaussianKernel } from '../../src/eval/baselines.js';
import { flagOutliers, mapFlicker } from '../../src/eval/clipFlags.js';

describe('Student t', () => {
  it.each([
    [1, 12.7062],
    [2, 4.3027],
    [10, 2.2281],
    [30, 2.0423],
    [1e6, 1.96],
  ])('t(0.975, df=%d) = %f', (df, t) => {
    expect(studentTQuantile(0.975, df)).toBeCloseTo(t, 3);
  });
  it('is symmetric and the CDF inverts the quantile', () => {
    expect(studentTQuantile(0.025, 7)).toBeCloseTo(-studentTQuantile(0.975, 7), 10);
    expect(studentTCdf(studentTQuantile(0.9, 4), 4)).toBeCloseTo(0.9, 10);
    expect(studentTCdf(0, 3)).toBeCloseTo(0.5, 12);
  });
});

describe('mean and 95% interval', () => {
  it('mean +- t s / sqrt(n)', () => {
    const m = meanInterval([1, 2, 3]);
    const half = (4.302653 * 1) / Math.sqrt(3);
    expect(m.mean).toBe(2);
    expect(m.low!).toBeCloseTo(2 - half, 5);
    expect(m.high!).toBeCloseTo(2 + half, 5);
  });
  it('no interval for one value, nothing for none; clipped to bounds; non-finite values ignored', () => {
    expect(meanInterval([0.4])).toEqual({ n: 1, mean: 0.4, low: null, high: null });
    expect(meanInterval([]).n).toBe(0);
    const c = meanInterval([0, 1], 0.95, [0, 1]);
    expect([c.low, c.high]).toEqual([0, 1]);
    expect(meanInterval([1, NaN, 3]).mean).toBe(2);
  });
});

describe('average drop and increase in confidence', () => {
  it('follows max(0, Y - O) / Y and O > Y', () => {
    expect(confidenceChange(0.8, 0.6)).toEqual({ drop: expect.closeTo(0.25, 12) as unknown as number, increase: false });
    expect(confidenceChange(0.5, 0.7)).toEqual({ drop: 0, increase: true });
    expect(confidenceChange(0, 0)).toEqual({ drop: 0, increase: false });
  });
  it('masks each pixel by the map value (clamped to 0..1)', () => {
    expect(Array.from(maskByMap(Float32Array.of(2, 4, 6, 8), [0.5, 2], 2))).toEqual([1, 2, 6, 8]);
    expect(() => maskByMap(new Float32Array(3), [1, 1], 3)).toThrow();
  });
});

describe('scores', () => {
  it('softmax probability of the target, cosine for embeddings', () => {
    expect(targetProbability([0, Math.log(3)], 1)).toBeCloseTo(0.75, 12);
    expect(() => targetProbability([0, 1], 2)).toThrow(/outside/);
    expect(cosineSimilarity([1, 0], [1, 1])).toBeCloseTo(Math.SQRT1_2, 12);
    expect(cosineSimilarity([0, 0], [1, 1])).toBe(0);
    expect(makeScorer('embedding', null, [2, 0])([3, 0])).toBeCloseTo(1, 12);
    expect(() => makeScorer('logits', null, [0])).toThrow(/target/);
  });
});

describe('baselines', () => {
  const w = 5;
  const h = 4;
  const img = Float32Array.from({ length: w * h * 3 }, (_, i) => (i % 3) * 10 + Math.floor(i / 3));
  it('zero and per-channel mean', () => {
    expect(baselineInput(img, w, h, 'zero').every((v) => v === 0)).toBe(true);
    const mean = baselineInput(img, w, h, 'mean');
    // channel c holds 10c + pixel index, pixel index averages 9.5
    expect(Array.from(mean.slice(0, 3))).toEqual([9.5, 19.5, 29.5]);
    expect(mean[3 * 7 + 2]).toBe(29.5);
  });
  it('blur: normalised taps, constant images unchanged, an impulse keeps its mass away from edges', () => {
    const k = gaussianKernel(2);
    expect(k.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    const c = new Float32Array(30 * 3).fill(7);
    expect(gaussianBlur(c, 10, 3, 3, 1.5).every((v) => Math.abs(v - 7) < 1e-5)).toBe(true);
    const imp = new Float32Array(21 * 21);
    imp[10 * 21 + 10] = 1;
    const b = gaussianBlur(imp, 21, 21, 1, 1);
    expect(b.reduce((a, v) => a + v, 0)).toBeCloseTo(1, 5);
    expect(b[10 * 21 + 10]!).toBeLessThan(0.2);
    expect(b[10 * 21 + 11]!).toBeCloseTo(b[11 * 21 + 10]!, 7);
  });
});

describe('clip rules', () => {
  it('flicker is the mean absolute difference', () => {
    expect(mapFlicker([0, 1, 0.5, 0.5], [0, 0, 0.5, 1])).toBeCloseTo(0.375, 12);
  });
  it('flags the frame where faithfulness falls and the one where the map jumps, not the noise', () => {
    const insertion = [0.61, 0.6, 0.62, 0.59, 0.2, 0.6, 0.61];
    expect(flagOutliers(insertion, { bad: 'low', minDelta: 0.05 })).toEqual([4]);
    const flicker = [null, 0.02, 0.03, 0.02, 0.4, 0.03, 0.02];
    expect(flagOutliers(flicker, { bad: 'high', minDelta: 0.05 })).toEqual([4]);
    // a clip with no outlier flags nothing, even when its MAD is 0
    expect(flagOutliers([0.5, 0.5, 0.5, 0.51], { bad: 'low', minDelta: 0.05 })).toEqual([]);
  });
});
