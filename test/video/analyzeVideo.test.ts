// analyzeVideo on real clips with darknet-tiny: a VP9/WebM and a variable-frame-rate clip made
// with lavfi, the timeline's fields, the cache (a hit does no model work; a cancelled job resumes),
// cancellation (no ffmpeg, no worker left) and bad input. Model work is kept small: short clips,
// strides, and the exact solver except where the warm-start chain is the point.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { utimesSync } from 'node:fs';
import { copyFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { pearson } from '../../src/attention/index.js';
import { selectBackend } from '../../src/engine/backend.js';
import { isMediaError } from '../../src/media/errors.js';
import { probeVideo } from '../../src/media/probeVideo.js';
import { analyzeVideo } from '../../src/video/analyzeVideo.js';
import type { TimelineFrame, VideoJobOptions } from '../../src/video/types.js';
import { fixture, haveFixture } from '../helpers/fixtures.js';
import { childFfmpegPids, ffprobeVideo, FFPROBE, makeClips, mp4WithoutData, tempDir, truncateCopy } from '../media/videoHelpers.js';
import { filesIn, osThreads } from './videoHelpers.js';

const MODEL = 'models/darknet-tiny';
const GIF = 'videos/person-bicycle-car-detection.gif';
const CAR = 'videos/car-detection.mp4';

describe.skipIf(!haveFixture(MODEL))('analyzeVideo (darknet-tiny)', () => {
  let dir: string;
  let clips: Awaited<ReturnType<typeof makeClips>>;
  const base = (over: Partial<VideoJobOptions>): VideoJobOptions => ({
    file: clips.vp9,
    model: { model: 'darknet-tiny' },
    methods: ['l2caf'],
    classes: [],
    ...over,
  });

  beforeAll(async () => {
    await selectBackend();
    dir = await tempDir('l2caf-analyze-');
    clips = await makeClips(dir);
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('VP9/WebM through worker threads: every timeline field, timestamps as ffprobe reports them', async () => {
    const seen: TimelineFrame[] = [];
    const progress: number[] = [];
    const t = await analyzeVideo(
      base({ methods: ['l2caf', 'gradcam'], stride: 5, workers: 2, cacheDir: null, onFrame: (f) => seen.push(f), onProgress: (p) => progress.push(p.framesDone) }),
    );
    const info = await probeVideo(clips.vp9);
    expect(t.video).toMatchObject({ path: clips.vp9, width: 160, height: 120, frameCount: info.frameCount });
    expect(t.video.fps).toBeCloseTo(15, 3);
    expect(t.frames.map((f) => f.index)).toEqual([0, 5, 10, 15, 20, 25]);
    if (FFPROBE) {
      const ref = await ffprobeVideo(clips.vp9);
      for (const f of t.frames) expect(f.timeS).toBeCloseTo(ref.times[f.index]!, 5);
    }
    expect(seen.map((f) => f.index)).toEqual(t.frames.map((f) => f.index));
    expect(progress[progress.length - 1]).toBe(6);
    expect(t.model).toEqual({ id: 'darknet-tiny', layer: 'conv2d_16', backend: expect.any(String), engines: `tfjs-${t.model.backend}` });
    expect(t.settings).toMatchObject({ methods: ['l2caf', 'gradcam'], stride: 5, preset: 'converged', warmStart: true });
    expect(t.partial).toBeUndefined();
    for (const [i, f] of t.frames.entries()) {
      expect(f.maps.map((m) => m.method)).toEqual(['l2caf', 'gradcam']);
      expect(f.predictions).toHaveLength(5);
      expect(f.predictions[0]!.score).toBeGreaterThanOrEqual(f.predictions[4]!.score);
      expect(f.values).toEqual(f.maps[0]!.values);
      expect(f.width * f.height).toBe(f.values.length);
      expect([f.width, f.height]).toEqual([14, 14]);
      for (const m of f.maps) {
        expect(Math.max(...m.values)).toBeCloseTo(1, 4);
        expect(Math.min(...m.values)).toBeCloseTo(0, 4);
        expect(m.raw).toHaveLength(m.values.length);
        expect(m.centroid.x).toBeGreaterThan(0);
        expect(m.centroid.x).toBeLessThan(1);
        expect(m.entropy).toBeGreaterThan(0);
        expect(m.entropy).toBeLessThan(1);
        if (i === 0) expect(m.flicker).toBeNull();
        else expect(m.flicker).toBeGreaterThan(0);
      }
      // Grad-CAM's target is the top-1 class; its score is that output's raw value
      const g = f.maps[1]!;
      expect(g.target!.index).toBe(f.predictions[0]!.index);
      expect(g.targetScore).toEqual(expect.any(Number));
      expect(f.maps[0]!.target).toBeNull();
      expect(f.maps[0]!.targetScore).toBeNull();
    }
    expect(t.summary.framesAnalyzed).toBe(6);
    expect(t.summary.meanFlicker).toBeGreaterThan(0);
    expect(t.summary.fps).toBeGreaterThan(0);
  });

  it('variable frame rate: analysed frames carry their own (uneven) timestamps; no tensor leaks', async () => {
    const before = tf.memory().numTensors;
    const t = await analyzeVideo(base({ file: clips.vfr, stride: 4, workers: 0, cacheDir: null }));
    expect(tf.memory().numTensors).toBe(before);
    const info = await probeVideo(clips.vfr);
    expect(info.variableFrameRate).toBe(true);
    const idx = Array.from({ length: Math.ceil(info.frameCount / 4) }, (_, k) => 4 * k);
    expect(t.frames.map((f) => f.index)).toEqual(idx);
    for (const f of t.frames) expect(f.timeS).toBeCloseTo(info.frameTimesS[f.index]!, 9);
    const gaps = t.frames.slice(1).map((f, i) => f.timeS - t.frames[i]!.timeS);
    expect(Math.max(...gaps) - Math.min(...gaps)).toBeGreaterThan(0.1); // 0.4 s at 10 fps vs 0.16 s at 25 fps
  });

  it('warm start chains the filters in order; --no-warm-start solves every frame cold', async () => {
    const opts = base({ stride: 10, workers: 0, cacheDir: null, solve: { solver: 'iterative' } });
    const warm = await analyzeVideo(opts);
    const cold = await analyzeVideo({ ...opts, warmStart: false });
    expect(warm.frames.map((f) => f.warmStarted)).toEqual([false, true, true]);
    expect(cold.frames.map((f) => f.warmStarted)).toEqual([false, false, false]);
    expect(warm.frames.every((f) => f.maps[0]!.solver === 'iterative')).toBe(true);
    // The first frame has no predecessor: both start from the same deterministic filter.
    expect(warm.frames[0]!.values).toEqual(cold.frames[0]!.values);
  });

  it.skipIf(!haveFixture(CAR))('non-linear head (leaky_re_lu_13): warm chains on both workers, fewer head passes than cold, no more flicker, the same maps', async () => {
    const opts = base({ file: fixture(CAR), layer: 'leaky_re_lu_13', toS: 1.2, workers: 2, cacheDir: null });
    // With a signal, as the CLI and the app pass: a whole chunk per worker listens to it at once,
    // which must not print Node's listener-leak warning.
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    const warm = await analyzeVideo({ ...opts, signal: new AbortController().signal }).finally(() => process.off('warning', onWarning));
    expect(warnings).not.toContain('MaxListenersExceededWarning');
    const cold = await analyzeVideo({ ...opts, warmStart: false });
    const n = warm.frames.length;
    expect(n).toBe(15);
    // 15 frames on 2 workers: chains of 8 and 7 frames, each starting cold.
    expect(warm.frames.map((f) => f.warmStarted)).toEqual(Array.from({ length: n }, (_, k) => k !== 0 && k !== 8));
    expect(warm.frames.map((f) => f.index)).toEqual(Array.from({ length: n }, (_, k) => k));
    expect(cold.frames.every((f) => !f.warmStarted && f.maps[0]!.solver === 'iterative')).toBe(true);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const warmPasses = mean(warm.frames.filter((f) => f.warmStarted).map((f) => f.iterations));
    const coldPasses = mean(cold.frames.map((f) => f.iterations));
    expect(warmPasses, `warm ${warmPasses} vs cold ${coldPasses} passes a frame`).toBeLessThan(0.8 * coldPasses);
    expect(warm.summary.meanFlicker!).toBeLessThanOrEqual(cold.summary.meanFlicker! * 1.02);
    for (let k = 0; k < n; k++) expect(pearson(warm.frames[k]!.values, cold.frames[k]!.values), `frame ${k}`).toBeGreaterThan(0.98);
    // the summary counts how the maps were solved: the two chain starts cold, the rest warm
    const adam = (t: typeof warm) => t.frames.filter((f) => f.maps[0]!.adamPasses).length;
    expect(warm.summary.solves).toEqual({ warm: n - 2, cold: 2, adamPhase: adam(warm) });
    expect(cold.summary.solves).toEqual({ warm: 0, cold: n, adamPhase: adam(cold) });
  });

  it('class-specific maps for a given class on every frame; an unknown class is a usage error', async () => {
    const t = await analyzeVideo(base({ methods: ['l2caf-class', 'cam'], classes: ['7'], stride: 15, workers: 0, cacheDir: null }));
    expect(t.frames).toHaveLength(2);
    for (const f of t.frames) {
      expect(f.maps.map((m) => [m.method, m.target?.index])).toEqual([['l2caf-class', 7], ['cam', 7]]);
      expect(f.maps[0]!.targetScore).toEqual(expect.any(Number));
    }
    await expect(analyzeVideo(base({ methods: ['gradcam'], classes: ['no such class xyz'], stride: 15, workers: 0, cacheDir: null }))).rejects.toThrow(/unknown class "no such class xyz"/);
  });

  it.skipIf(!haveFixture(GIF))('an animated GIF fixture', async () => {
    const file = fixture(GIF);
    const info = await probeVideo(file);
    const t = await analyzeVideo(base({ file, stride: 20, workers: 0, cacheDir: null }));
    expect(t.frames.map((f) => f.index)).toEqual(Array.from({ length: Math.ceil(info.frameCount / 20) }, (_, k) => 20 * k));
    expect(t.video).toMatchObject({ width: 480, height: 270, frameCount: info.frameCount });
  });

  it('cache: two jobs with the same settings at once both finish; one writes the entry, the other says it was not cached', async () => {
    const cacheDir = path.join(dir, 'cache-concurrent');
    const opts = base({ stride: 6, workers: 0, cacheDir });
    const [a, b] = await Promise.all([analyzeVideo(opts), analyzeVideo(opts)]);
    expect(a.frames.map((f) => f.values)).toEqual(b.frames.map((f) => f.values));
    const notCached = [a, b].filter((t) => t.warnings?.some((w) => /not cached/.test(w)));
    expect(notCached).toHaveLength(1);
    // The entry is whole: a third run is served from it, frame for frame, and no lock is left.
    const c = await analyzeVideo(opts);
    expect(c.cache?.hit).toBe('finished');
    expect(c.frames.map((f) => f.index)).toEqual(a.frames.map((f) => f.index));
    expect(await filesIn(cacheDir)).toEqual([`${c.cache!.key}.json`]);
  });

  it('cache: a stopped job resumes where it stopped; a finished one is served without any model work', async () => {
    const cacheDir = path.join(dir, 'cache-resume');
    const opts = base({ stride: 3, workers: 1, cacheDir, solve: { solver: 'iterative' } });
    const ac = new AbortController();
    const threadsBefore = osThreads();
    const first = await analyzeVideo({ ...opts, signal: ac.signal, onFrame: (f) => f.index >= 3 && ac.abort() });
    expect(first.partial).toBe(true);
    expect(first.frames.length).toBeGreaterThanOrEqual(2);
    expect(first.frames.length).toBeLessThan(10);
    // nothing left running: no ffmpeg child, no worker thread
    expect(childFfmpegPids() ?? []).toEqual([]);
    if (threadsBefore !== null) await expect.poll(() => osThreads()!, { timeout: 5000 }).toBeLessThanOrEqual(threadsBefore);
    expect((await filesIn(cacheDir)).filter((f) => f.endsWith('.partial.jsonl'))).toHaveLength(1);

    const resumed = await analyzeVideo(opts);
    expect(resumed.cache?.hit).toBe('resumed');
    expect(resumed.partial).toBeUndefined();
    expect(resumed.frames.map((f) => f.index)).toEqual([0, 3, 6, 9, 12, 15, 18, 21, 24, 27]);
    expect(resumed.frames.slice(0, first.frames.length)).toEqual(first.frames);
    // The chain continues across the resume: the first new frame is warm-started from the cached one.
    expect(resumed.frames[first.frames.length]!.warmStarted).toBe(true);
    expect(resumed.frames[first.frames.length]!.flicker).not.toBeNull();
    expect(await filesIn(cacheDir)).toEqual([`${resumed.cache!.key}.json`]);

    // A finished entry needs no model: the 'tensorflow' backend is not installed here, so any
    // attempt to select a backend or load the model would throw.
    const hit = await analyzeVideo({ ...opts, backend: 'tensorflow' });
    expect(hit.cache?.hit).toBe('finished');
    expect(hit.frames).toEqual(resumed.frames);
  });

  it('cache: a clip rewritten while it is analysed is not cached under its old content', async () => {
    const cacheDir = path.join(dir, 'cache-changed');
    const file = path.join(dir, 'changing.webm');
    await copyFile(clips.vp9, file);
    const opts = base({ file, stride: 6, workers: 0, cacheDir });
    // the first frame's arrival stands for another program rewriting the clip in place
    const t = await analyzeVideo({ ...opts, onFrame: (f) => f.index === 0 && utimesSync(file, new Date(), new Date(Date.now() + 60_000)) });
    expect(t.partial).toBeUndefined();
    expect(t.cache).toBeNull();
    expect(t.warnings).toContain(`${file} changed while it was analysed: these results were not cached (analyse it again for the new content)`);
    // no entry, no partial frames, no lock
    expect(await filesIn(cacheDir)).toEqual([]);
    // left alone, the next run computes and caches it
    const again = await analyzeVideo(opts);
    expect(again.cache?.hit).toBe('miss');
    expect((again.warnings ?? []).some((w) => /changed while/.test(w))).toBe(false);
    expect(await filesIn(cacheDir)).toEqual([`${again.cache!.key}.json`]);
  });

  it('a truncated clip: the frames that decode are analysed and the timeline says the file looks cut', async () => {
    const cut = await truncateCopy(clips.vfr, path.join(dir, 'cut.mp4'), 0.6);
    // An MP4 written with its index (moov) at the end, cut short, has no index: nothing can be read.
    const err = await analyzeVideo(base({ file: cut, stride: 10, workers: 0, cacheDir: null })).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/cut\.mp4.*cannot be read/);
    // A WebM cut in half still decodes its first half.
    const webm = await truncateCopy(clips.vp9, path.join(dir, 'cut.webm'), 0.5);
    const t = await analyzeVideo(base({ file: webm, stride: 10, workers: 0, cacheDir: null }));
    const info = await probeVideo(clips.vp9);
    expect(t.frames.length).toBeGreaterThan(0);
    expect(t.video.frameCount).toBeLessThan(info.frameCount);
    expect(t.warnings!.join(' ')).toMatch(/truncated/);
  });

  it('bad input: one-line errors naming the file, no cache entry, no ffmpeg left', async () => {
    const cacheDir = path.join(dir, 'cache-bad');
    const noData = await mp4WithoutData(clips.vfr, path.join(dir, 'nodata.mp4'));
    const cases: [string, RegExp][] = [
      [clips.audioOnly, /no video stream/],
      [clips.zeroFrames, /frame/],
      [clips.text, /text|Not a (media|video)/],
      [noData, /nodata\.mp4/],
      [path.join(dir, 'missing.mp4'), /missing\.mp4/],
    ];
    for (const [file, why] of cases) {
      const err = await analyzeVideo(base({ file, cacheDir, workers: 1 })).catch((e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(why);
      expect((err as Error).message).toContain(path.basename(file));
      expect((err as Error).message).not.toContain('\n');
    }
    const range = await analyzeVideo(base({ fromS: 5, toS: 6, cacheDir, workers: 1 })).catch((e: Error) => e);
    expect(isMediaError(range, 'out-of-range')).toBe(true);
    expect((range as Error).message).toMatch(/outside .*vp9\.webm/);
    expect(await filesIn(cacheDir)).toEqual([]);
    expect(childFfmpegPids() ?? []).toEqual([]);
  });
});
