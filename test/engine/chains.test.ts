// How frames and slices are cut into warm chains over the workers (pure).
import { describe, expect, it } from 'vitest';
import { chainLength, chainRouter, handsWarmStart, inFlight, MAX_CHAIN } from '../../src/engine/chains.js';

const routes = (keys: string[], chain: number, workers: number, resume?: Parameters<typeof chainRouter>[2]) => {
  const next = chainRouter(chain, workers, resume);
  return keys.map((k) => next(k));
};

describe('warm chains', () => {
  it('one chain per worker for short clips, MAX_CHAIN inputs for long ones, one chain with one worker', () => {
    expect(chainLength(25, 2)).toBe(13);
    expect(chainLength(377, 2)).toBe(MAX_CHAIN);
    expect(chainLength(3, 4)).toBe(1);
    expect(chainLength(100, 1)).toBe(Infinity);
    expect(() => chainLength(10, 0)).toThrow(/workers/);
  });

  it('balances the workers: no worker left with a short tail chain while the other does two long ones', () => {
    // 50 frames on 2 workers: 13 + 13 | 13 + 11, not 16 + 16 | 16 + 2
    expect(chainLength(50, 2)).toBe(13);
    expect(chainLength(40, 2)).toBe(10);
    for (const [n, w] of [[50, 2], [40, 2], [100, 4], [160, 4], [1000, 8]] as const) {
      const len = chainLength(n, w);
      expect(len).toBeLessThanOrEqual(MAX_CHAIN);
      const frames = new Array<number>(w).fill(0);
      for (let c = 0, at = 0; at < n; c++, at += len) frames[c % w]! += Math.min(len, n - at);
      // each worker within one chain's length of an even share
      expect(Math.max(...frames) - Math.min(...frames)).toBeLessThanOrEqual(len);
      expect(Math.max(...frames)).toBeLessThan(n / w + len);
    }
  });

  it('keeps a whole chunk per worker in flight with chains, else two per worker (one chain on one worker too)', () => {
    expect(inFlight(2, 16, 100)).toBe(34);
    expect(inFlight(2, 16, 5)).toBe(12);
    expect(inFlight(2, 0, 100)).toBe(4);
    // one worker, one chain (chainLength's Infinity): not every input at once
    expect(inFlight(1, chainLength(300, 1), 300)).toBe(2);
    expect(inFlight(0, 0, 10)).toBe(2);
  });

  it('routes contiguous chunks to workers in turn, each chunk starting a chain', () => {
    const next = chainRouter(3, 2);
    const r = Array.from({ length: 7 }, () => next());
    expect(r.map((x) => x.worker)).toEqual([0, 0, 0, 1, 1, 1, 0]);
    expect(r.map((x) => x.chain.start)).toEqual([true, false, false, true, false, false, true]);
    const one = chainRouter(Infinity, 1);
    expect(Array.from({ length: 4 }, () => one()).map((x) => [x.worker, x.chain.start])).toEqual([[0, true], [0, false], [0, false], [0, false]]);
    expect(() => chainRouter(0, 2)).toThrow(/chain length/);
    expect(() => chainRouter(3, 0)).toThrow(/workers/);
  });

  it('a new chain where the key changes (a scan\'s next axis), chains still round the workers', () => {
    const r = routes([...'xxxxx', ...'yyy'], 2, 2);
    expect(r.map((x) => x.worker)).toEqual([0, 0, 1, 1, 0, 1, 1, 0]);
    expect(r.map((x) => x.chain.start)).toEqual([true, false, true, false, true, true, false, true]);
  });

  it("a resumed job's first input continues the cached filters, on the same key only; later chains start cold", () => {
    const init = { 'l2caf:-': [1, 2] };
    const clip = routes(['', '', '', ''], 3, 2, { key: '', init });
    expect(clip[0]!.chain).toEqual({ start: true, init });
    expect(clip[3]!.chain).toEqual({ start: true });
    expect(handsWarmStart(clip[0])).toBe(true);
    expect(handsWarmStart(clip[1])).toBe(true);
    expect(handsWarmStart(clip[3])).toBe(false);
    expect(handsWarmStart(undefined)).toBe(false);
    // resumed after slice 1 of x: slice 2 continues its filters; not across an axis
    const slices = routes([...'xxx', ...'yyy'], 2, 2, { key: 'x', init });
    expect(slices[0]).toEqual({ worker: 0, chain: { start: true, init } });
    expect(slices.slice(1).map((x) => x.chain.start)).toEqual([false, true, true, false, true]);
    expect(routes(['y'], 2, 2, { key: 'x', init })[0]).toEqual({ worker: 0, chain: { start: true } });
  });
});
