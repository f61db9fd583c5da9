// How frames are cut into warm chains over the workers (pure).
import { describe, expect, it } from 'vitest';
import { chainLength, MAX_CHAIN, routeOf } from '../../src/video/chains.js';

describe('warm chains', () => {
  it('one chain per worker for short clips, MAX_CHAIN frames for long ones, one chain with one worker', () => {
    expect(chainLength(25, 2)).toBe(13);
    expect(chainLength(377, 2)).toBe(MAX_CHAIN);
    expect(chainLength(3, 4)).toBe(1);
    expect(chainLength(100, 1)).toBe(Infinity);
    expect(() => chainLength(10, 0)).toThrow(/workers/);
  });

  it('routes contiguous chunks to workers in turn, each chunk starting a chain', () => {
    const routes = Array.from({ length: 7 }, (_, k) => routeOf(k, 3, 2));
    expect(routes.map((r) => r.worker)).toEqual([0, 0, 0, 1, 1, 1, 0]);
    expect(routes.map((r) => r.chain.start)).toEqual([true, false, false, true, false, false, true]);
    const one = Array.from({ length: 4 }, (_, k) => routeOf(k, Infinity, 1));
    expect(one.map((r) => [r.worker, r.chain.start])).toEqual([[0, true], [0, false], [0, false], [0, false]]);
  });

  it("a resumed job's first chain continues from the cached filters; later chains start cold", () => {
    const init = { 'l2caf:-': [1, 2] };
    expect(routeOf(0, 3, 2, init).chain).toEqual({ start: true, init });
    expect(routeOf(3, 3, 2, init).chain).toEqual({ start: true });
  });
});
