// `--eval` on a video job: the per-frame faithfulness numbers on the timeline, their clip summary
// (means and flagged frames), the CSV columns, and the cache (eval is part of the key).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rm } from 'node:fs/promises';
import { selectBackend } from '../../src/engine/backend.js';
import { analyzeVideo } from '../../src/video/analyzeVideo.js';
import { evalSummary } from '../../src/video/evalSummary.js';
import { timelineCsv, CSV_COLUMNS } from '../../src/video/timelineWriters.js';
import type { FrameMap, Timeline, TimelineFrame, VideoJobOptions } from '../../src/video/types.js';
import { fixture, haveFixture } from '../helpers/fixtures.js';
import { tempDir } from '../media/videoHelpers.js';

function mapWith(method: FrameMap['method'], target: number | null, insertionAuc: number, flicker: number | null): FrameMap {
  return {
    method, target: target === null ? null : { index: target, label: `c${target}` }, targetScore: null, solver: 'exact', iterations: 1, loss: 0,
    warmStarted: false, width: 1, height: 1, values: [1], raw: [1], centroid: { x: 0.5, y: 0.5 }, entropy: 0, flicker,
    eval: { score: 0.5, deletionAuc: 0.1, insertionAuc, drop: 0.2, increase: insertionAuc > 0.5 },
  };
}
function frameWith(index: number, maps: FrameMap[]): TimelineFrame {
  return { index, timeS: index / 10, width: 1, height: 1, values: [1], predictions: [], iterations: 1, loss: 0, warmStarted: false, flicker: maps[0]!.flicker, maps };
}

describe('evalSummary', () => {
  it('averages each map series and flags the frame where faithfulness falls and the one where the map jumps', () => {
    const ins = [0.6, 0.62, 0.61, 0.1, 0.6, 0.59];
    const flick = [null, 0.01, 0.012, 0.011, 0.4, 0.01];
    const frames = ins.map((v, i) => frameWith(i * 3, [mapWith('l2caf', null, v, flick[i]!), mapWith('gradcam', 7 + (i % 2), 0.5, flick[i]!)]));
    const [l2, grad] = evalSummary(frames);
    expect(l2!.method).toBe('l2caf');
    expect(l2!.meanInsertionAuc).toBeCloseTo(ins.reduce((a, b) => a + b) / ins.length, 12);
    expect(l2!.meanDeletionAuc).toBeCloseTo(0.1, 12);
    expect(l2!.increaseRate).toBeCloseTo(5 / 6, 12);
    expect(l2!.flaggedFaithfulness).toEqual([9]); // clip numbering: the 4th analysed frame is frame 9
    expect(l2!.flaggedFlicker).toEqual([12]);
    // Grad-CAM followed each frame's top-1 (7, 8, 7, ...): no single target for the series.
    expect(grad!.target).toBeNull();
    expect(grad!.flaggedFaithfulness).toEqual([]);
  });

  it('is empty without --eval numbers', () => {
    const f = frameWith(0, [mapWith('l2caf', null, 0.5, null)]);
    delete f.maps[0]!.eval;
    expect(evalSummary([f])).toEqual([]);
  });
});

const MODEL = 'models/darknet-tiny';
const CLIP = 'videos/car-detection.mp4';

describe.skipIf(!haveFixture(MODEL) || !haveFixture(CLIP))('analyzeVideo --eval (darknet-tiny, car-detection)', () => {
  let dir: string;
  const job = (over: Partial<VideoJobOptions> = {}): VideoJobOptions => ({
    file: fixture(CLIP),
    model: { model: fixture(MODEL) },
    methods: ['l2caf', 'gradcam'],
    classes: [],
    toS: 1,
    stride: 12,
    workers: 1,
    eval: { steps: 4, baseline: 'blur' },
    cacheDir: dir,
    ...over,
  });
  let timeline: Timeline;

  beforeAll(async () => {
    await selectBackend();
    dir = await tempDir('l2caf-video-eval-');
    timeline = await analyzeVideo(job());
  }, 120_000);
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('scores every map of every analysed frame for the frame\'s class', () => {
    expect(timeline.frames.length).toBeGreaterThanOrEqual(2);
    expect(timeline.settings.eval).toEqual({ steps: 4, baseline: 'blur' });
    for (const f of timeline.frames) {
      for (const m of f.maps) {
        const e = m.eval!;
        expect(e).toBeDefined();
        // Class-oblivious and top-1 Grad-CAM are both scored on the frame's top-1 probability.
        expect(e.score).toBeCloseTo(f.predictions[0]!.score, 4);
        for (const v of [e.deletionAuc!, e.insertionAuc!, e.drop!]) {
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThanOrEqual(1);
        }
        expect(typeof e.increase).toBe('boolean');
      }
    }
  });

  it('summarises the clip per method, and the CSV carries the numbers', () => {
    const s = timeline.summary.eval!;
    expect(s.map((e) => e.method)).toEqual(['l2caf', 'gradcam']);
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(s[0]!.meanDeletionAuc).toBeCloseTo(mean(timeline.frames.map((f) => f.maps[0]!.eval!.deletionAuc!)), 10);
    expect(s[1]!.meanInsertionAuc).toBeCloseTo(mean(timeline.frames.map((f) => f.maps[1]!.eval!.insertionAuc!)), 10);
    const [header, first] = timelineCsv(timeline).split('\n');
    const cols = header!.split(',');
    expect(cols).toEqual([...CSV_COLUMNS]);
    const cells = first!.split(',');
    expect(Number(cells[cols.indexOf('deletion_auc')])).toBeCloseTo(timeline.frames[0]!.maps[0]!.eval!.deletionAuc!, 10);
  });

  it('caches the numbers, and eval settings are part of the cache key', async () => {
    const again = await analyzeVideo(job());
    expect(again.cache?.hit).toBe('finished');
    expect(again.frames[1]!.maps[0]!.eval).toEqual(timeline.frames[1]!.maps[0]!.eval);
    const other = await analyzeVideo(job({ eval: { steps: 5, baseline: 'blur' }, toS: 0.1 }));
    expect(other.cache?.key).not.toBe(timeline.cache?.key);
    const none = await analyzeVideo(job({ eval: undefined, toS: 0.1 }));
    expect(none.frames[0]!.maps[0]!.eval).toBeUndefined();
    expect(none.summary.eval).toBeUndefined();
  }, 120_000);

  it('refuses bad eval settings before any work', async () => {
    await expect(analyzeVideo(job({ eval: { steps: 1, baseline: 'blur' } }))).rejects.toThrow(/eval steps/);
    await expect(analyzeVideo(job({ eval: { steps: 4, baseline: 'noise' as 'blur' } }))).rejects.toThrow(/baseline "noise"/);
  });
});
