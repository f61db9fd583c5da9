// The pure pieces of the video pipeline: map statistics, flicker, colour scales, picking maps
// between analysed frames, cache keys, the partial-cache parser, captions and the writers.
import { describe, expect, it } from 'vitest';
import { blendMaps, pickMaps } from '../../src/video/betweenFrames.js';
import { cacheKey, stableJson, type CacheKeyParts } from '../../src/video/cacheKey.js';
import { mapFlicker, meanOf } from '../../src/video/flicker.js';
import { frameCaption } from '../../src/video/frameCaption.js';
import { applyRange, clipRange } from '../../src/video/mapScale.js';
import { mapCentroid, mapEntropy } from '../../src/video/mapStats.js';
import { CSV_COLUMNS, timelineCsv, timelineJson } from '../../src/video/timelineWriters.js';
import { summarise } from '../../src/video/timelineFrame.js';
import { defaultVideoCacheDir, parsePartial } from '../../src/video/videoCache.js';
import type { FrameMap, Timeline, TimelineFrame } from '../../src/video/types.js';

describe('mapCentroid', () => {
  it('is the mass-weighted centre of pixel centres in 0..1', () => {
    // 4x2, all mass on pixel (3, 1): centre (3.5/4, 1.5/2)
    const m = [0, 0, 0, 0, 0, 0, 0, 2];
    expect(mapCentroid(m, 4, 2)).toEqual({ x: 3.5 / 4, y: 1.5 / 2 });
    // two equal masses at (0,0) and (3,1): halfway
    const c = mapCentroid([1, 0, 0, 0, 0, 0, 0, 1], 4, 2);
    expect(c.x).toBeCloseTo(0.5, 12);
    expect(c.y).toBeCloseTo(0.5, 12);
  });
  it('puts an all-zero map at the centre and rejects a wrong size', () => {
    expect(mapCentroid([0, 0, 0, 0], 2, 2)).toEqual({ x: 0.5, y: 0.5 });
    expect(() => mapCentroid([1, 2, 3], 2, 2)).toThrow(/3 values, expected 2x2/);
  });
});

describe('mapEntropy', () => {
  it('is 0 for one peak, 1 for a flat map, and in between otherwise', () => {
    expect(mapEntropy([0, 0, 5, 0])).toBe(0);
    expect(mapEntropy([2, 2, 2, 2])).toBeCloseTo(1, 12);
    // two equal cells out of four: log 2 / log 4 = 0.5
    expect(mapEntropy([1, 1, 0, 0])).toBeCloseTo(0.5, 12);
    expect(mapEntropy([0, 0, 0])).toBe(1);
  });
});

describe('flicker', () => {
  it('is the mean absolute difference, null without a comparable previous map', () => {
    expect(mapFlicker([0, 0.5, 1], [1, 0.5, 0])).toBeCloseTo(2 / 3, 12);
    expect(mapFlicker([0.2, 0.2], [0.2, 0.2])).toBe(0);
    expect(mapFlicker([1, 2], null)).toBeNull();
    expect(mapFlicker([1, 2], [1, 2, 3])).toBeNull();
  });
  it('meanOf skips nulls', () => {
    expect(meanOf([null, 1, 3])).toBe(2);
    expect(meanOf([null])).toBeNull();
  });
});

describe('clip scale', () => {
  it('maps every frame through one range, so a weak frame stays dark', () => {
    const strong = [0, 0.2, 0.4];
    const weak = [0, 0.05, 0.1];
    const r = clipRange([strong, weak]);
    expect(r).toEqual({ min: 0, max: 0.4 });
    expect(Array.from(applyRange(weak, r))).toEqual([0, 0.125, 0.25].map((v) => Math.fround(v)));
    expect(Array.from(applyRange(strong, r))).toEqual([0, 0.5, 1]);
    expect(Array.from(applyRange([3, 3], { min: 3, max: 3 }))).toEqual([0, 0]);
  });
});

describe('pickMaps', () => {
  const times = [0, 1, 2];
  it('takes the nearest analysed frame', () => {
    expect(pickMaps(times, 0.4, 'nearest')).toEqual({ a: 0, b: 0, t: 0 });
    expect(pickMaps(times, 0.6, 'nearest')).toEqual({ a: 1, b: 1, t: 0 });
    expect(pickMaps(times, 2, 'nearest')).toEqual({ a: 2, b: 2, t: 0 });
  });
  it('blends the two around a frame by time, clamping outside', () => {
    expect(pickMaps(times, 1.25, 'blend')).toEqual({ a: 1, b: 2, t: 0.25 });
    expect(pickMaps(times, -1, 'blend')).toEqual({ a: 0, b: 0, t: 0 });
    expect(pickMaps(times, 5, 'blend')).toEqual({ a: 2, b: 2, t: 0 });
    expect(Array.from(blendMaps([0, 1], [1, 0], 0.25))).toEqual([0.25, 0.75]);
  });
});

describe('cacheKey', () => {
  const parts: CacheKeyParts = {
    fileSha256: 'ab', model: 'darknet-tiny', layer: '(default)', methods: ['l2caf'], classes: [], stride: 1,
    fromS: null, toS: null, preset: 'converged',
    solve: { constraint: 'l2', solver: 'auto', learningRate: 0.5, maxIterations: 1000, seed: 0, stop: { kind: 'paper', every: 50, tol: 1e-4 } },
    warmStart: true,
  };
  it('changes with every part that changes the result, not with key order', () => {
    const k = cacheKey(parts);
    expect(k).toMatch(/^[0-9a-f]{64}$/);
    for (const change of [{ fileSha256: 'ac' }, { stride: 2 }, { warmStart: false }, { classes: ['cat'] }, { toS: 3 }, { methods: ['gradcam'] }, { layer: 'x' }]) {
      expect(cacheKey({ ...parts, ...change })).not.toBe(k);
    }
    expect(cacheKey({ ...parts, solve: { ...parts.solve, seed: 1 } })).not.toBe(k);
    expect(stableJson({ b: 1, a: [1, { d: 2, c: 3 }] })).toBe(stableJson({ a: [1, { c: 3, d: 2 }], b: 1 }));
  });
});

function map(values: number[], extra: Partial<FrameMap> = {}): FrameMap {
  return {
    method: 'l2caf', target: null, targetScore: null, solver: 'exact', iterations: 3, loss: 1.5, warmStarted: false,
    width: 2, height: 1, values, raw: values.map((v) => v / 10), centroid: { x: 0.5, y: 0.5 }, entropy: 0.9, flicker: null, ...extra,
  };
}

function frame(index: number, timeS: number, m: FrameMap): TimelineFrame {
  return {
    index, timeS, width: m.width, height: m.height, values: m.values, iterations: m.iterations, loss: m.loss,
    warmStarted: m.warmStarted, flicker: m.flicker, maps: [m],
    predictions: [{ index: 7, label: 'tabby, "cat"', score: 0.75 }],
  };
}

describe('defaultVideoCacheDir', () => {
  it('sits next to the model cache, or inside L2CAF_CACHE_DIR', () => {
    expect(defaultVideoCacheDir({ L2CAF_CACHE_DIR: '/c/models-here' })).toBe('/c/models-here/video');
    expect(defaultVideoCacheDir({ XDG_CACHE_HOME: '/xdg' })).toBe(process.platform === 'linux' ? '/xdg/l2caf-studio/video' : expect.any(String));
  });
});

describe('parsePartial', () => {
  it('keeps complete, increasing lines and drops a torn last line', () => {
    const l = (i: number) => JSON.stringify({ frame: frame(i, i / 10, map([0, 1])), params: { 'l2caf:-': [1, 2] } });
    expect(parsePartial(`${l(0)}\n${l(2)}\n`).map((c) => c.frame.index)).toEqual([0, 2]);
    expect(parsePartial(`${l(0)}\n${l(2)}\n${l(4).slice(0, 20)}`).map((c) => c.frame.index)).toEqual([0, 2]);
    expect(parsePartial(`${l(0)}\nnot json\n${l(4)}\n`).map((c) => c.frame.index)).toEqual([0]);
    expect(parsePartial(`${l(2)}\n${l(0)}\n`).map((c) => c.frame.index)).toEqual([2]);
  });
});

describe('timeline writers and captions', () => {
  const frames = [frame(0, 0, map([0, 1])), frame(5, 0.5, map([1, 0], { flicker: 1, method: 'l2caf-class', target: { index: 7, label: 'tabby, "cat"' }, targetScore: 12.5 }))];
  const t: Timeline = {
    video: { path: 'a.mp4', width: 64, height: 48, fps: 10, durationS: 1, frameCount: 10 },
    model: { id: 'm', layer: 'l', backend: 'wasm' },
    settings: { methods: ['l2caf'], classes: [], stride: 5, fromS: null, toS: null, preset: 'converged', warmStart: true },
    frames,
    summary: summarise(frames, 2, 2),
  };
  it('summarises iterations and flicker', () => {
    expect(t.summary).toEqual({ framesAnalyzed: 2, meanIterations: 3, meanFlicker: 1, fps: 1, wallS: 2 });
  });
  it('JSON round-trips to the same timeline', () => {
    expect(JSON.parse(timelineJson(t))).toEqual(t);
    expect(JSON.parse(timelineJson({ ...t, frames: [] }))).toEqual({ ...t, frames: [] });
  });
  it('CSV has one row per frame and map, with quoting', () => {
    const lines = timelineCsv(t).trimEnd().split('\n');
    expect(lines[0]).toBe(CSV_COLUMNS.join(','));
    expect(lines).toHaveLength(3);
    expect(lines[2]).toContain('"tabby, ""cat"""');
    expect(lines[1]!.split(',')[0]).toBe('0');
    expect(lines[2]!.split(',').slice(0, 4)).toEqual(['5', '0.5', 'l2caf-class', '7']);
  });
  it('CSV says where each L2-CAF solve started, how many passes the Adam phase took and why the solve ended, empty where there was none', () => {
    const solved: Timeline = { ...t, frames: [frame(0, 0, map([0, 1], { start: 'linearised', adamPasses: 60, iterations: 82, stop: 'stalled' })), frame(5, 0.5, map([1, 0], { start: 'warm', iterations: 3, stop: 'optimal' })), frame(10, 1, map([1, 0]))] };
    const [head, ...rows] = timelineCsv(solved).trimEnd().split('\n').map((l) => l.split(','));
    const col = (name: string) => rows.map((r) => r[head!.indexOf(name)]);
    expect(col('start')).toEqual(['linearised', 'warm', '']);
    expect(col('adam_passes')).toEqual(['60', '', '']);
    expect(col('stop')).toEqual(['stalled', 'optimal', '']);
    expect(col('iterations')).toEqual(['82', '3', expect.any(String)]);
  });
  it('captions show the target with its probability, or the top-1 for class-oblivious maps', () => {
    expect(frameCaption(frames[1]!, frames[1]!.maps[0]!, 61.5)).toEqual(['l2caf-class: tabby, "cat" 0.75', '1:01.50']);
    expect(frameCaption(frames[0]!, frames[0]!.maps[0]!, 0)).toEqual(['l2caf: tabby, "cat" 0.75', '0:00.00']);
    const other = map([0, 1], { method: 'gradcam', target: { index: 3, label: 'dog' }, targetScore: 2 });
    expect(frameCaption(frames[0]!, other, 0)[0]).toBe('gradcam: dog logit 2.00');
  });
});
