// Pure parts of the service: argument specs, recent files, frame packing, the job registry and
// the progress throttle.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type RecentFile, checkArgs, S, ArgumentError, SERVICE_METHOD_SPECS, CORE_METHOD_SPECS, VOLUME_METHOD_SPECS, toErrorInfo, ServiceError } from '../../src/contract/index.js';
import { addRecent, MAX_RECENT } from '../../src/service/recentFiles.js';
import { packFrame } from '../../src/service/videoJobs.js';
import { keepLink, replayStart, replayState } from '../../src/service/replayState.js';
import { warmStartBytes, type WarmStart } from '../../src/engine/analyze.js';
import { summariseSlice } from '../../src/service/volumeService.js';
import type { SliceRecord } from '../../src/slices/types.js';
import { JobRegistry } from '../../src/jobs/jobRegistry.js';
import { throttle } from '../../src/jobs/throttle.js';
import { browserPlayable, kindOf } from '../../src/service/mediaRegistry.js';
import { evalOptionsOf, normaliseRequest } from '../../src/service/evalOptions.js';
import { stableJson } from '../../src/video/cacheKey.js';
import { createService } from '../../src/service/service.js';
import { appAdvice, toServiceError } from '../../src/service/errors.js';
import type { TimelineFrame } from '../../src/video/types.js';

describe('checkArgs', () => {
  it('accepts conforming values and optional fields left out', () => {
    const spec = S.obj({ a: S.str(5), b: S.int(0, 10, true) });
    expect(checkArgs(spec, { a: 'x' })).toEqual({ a: 'x' });
    expect(() => checkArgs(spec, { a: 'toolong' })).toThrow(new ArgumentError('args.a is longer than 5 characters'));
    expect(() => checkArgs(spec, { a: 'x', b: 1.5 })).toThrow('args.b must be an integer');
    expect(() => checkArgs(spec, Object.create({ a: 'x' }))).toThrow('args must be a plain object');
    expect(() => checkArgs(spec, { a: 'x', b: Number.NaN })).toThrow('args.b must be a finite number');
  });
  it('has a spec for every service method (the allowlist), volume ones included', () => {
    expect(Object.keys(SERVICE_METHOD_SPECS).sort()).toEqual([...Object.keys(CORE_METHOD_SPECS), ...Object.keys(VOLUME_METHOD_SPECS)].sort());
  });
});

describe('toErrorInfo', () => {
  it('keeps a ServiceError, turns anything else into a one-line internal error', () => {
    expect(toErrorInfo(new ServiceError('media', 'bad\nfile', '/x'))).toEqual({ code: 'media', message: 'bad file', file: '/x' });
    expect(toErrorInfo(new Error('boom\nstack'))).toEqual({ code: 'internal', message: 'boom' });
    expect(toErrorInfo({ code: 'EACCES', message: 'no' })).toEqual({ code: 'internal', message: 'no' });
    expect(toErrorInfo('plain')).toEqual({ code: 'internal', message: 'plain' });
  });
});

describe('addRecent', () => {
  const f = (p: string) => ({ path: p, name: p, kind: 'video' as const, openedAt: '2026-01-01T00:00:00Z' });
  it('puts the file first without duplicates, keeping at most MAX_RECENT', () => {
    let list: RecentFile[] = [f('a'), f('b'), f('c')];
    list = addRecent(list, f('b'));
    expect(list.map((r) => r.path)).toEqual(['b', 'a', 'c']);
    for (let i = 0; i < 20; i++) list = addRecent(list, f(`n${i}`));
    expect(list).toHaveLength(MAX_RECENT);
    expect(list[0]!.path).toBe('n19');
  });
});

describe('media kinds', () => {
  it('tells volumes by name or folder and playable videos by codec and container', () => {
    expect(kindOf('/a/brain.nii.gz', false)).toBe('volume');
    expect(kindOf('/a/series', true)).toBe('volume');
    expect(kindOf('/a/clip.mp4', false)).toBe('video');
    expect(browserPlayable({ videoCodec: 'h264', container: 'mov,mp4,m4a,3gp,3g2,mj2' })).toBe(true);
    expect(browserPlayable({ videoCodec: 'gif', container: 'gif' })).toBe(false);
    expect(browserPlayable({ videoCodec: 'mpeg4', container: 'avi' })).toBe(false);
  });
});

describe('packFrame', () => {
  it('packs [values, raw] of every map and summarises the frame', () => {
    const map = (v: number[], raw: number[], target: { index: number; label: string } | null) => ({
      method: 'l2caf' as const, target, targetScore: target ? 3.5 : null, solver: 'exact' as const, iterations: 1, loss: 0.5, warmStarted: false,
      width: 2, height: 2, values: v, raw, centroid: { x: 0.5, y: 0.5 }, entropy: 0.9, flicker: null,
    });
    const frame: TimelineFrame = {
      index: 20, timeS: 1.6, width: 2, height: 2, values: [0, 1, 0.5, 0.25],
      predictions: [{ index: 7, label: 'cat', score: 0.9 }], iterations: 1, loss: 0.5, warmStarted: false, flicker: 0.1,
      maps: [map([0, 1, 0.5, 0.25], [1, 5, 3, 2], null), map([1, 0, 0, 0], [9, 1, 1, 1], { index: 7, label: 'cat' })],
    };
    const p = packFrame(frame, 3);
    expect(Array.from(p.maps)).toEqual([0, 1, 0.5, 0.25, 1, 0, 0, 0, 1, 5, 3, 2, 9, 1, 1, 1]);
    expect(p.summary).toMatchObject({ slot: 3, index: 20, timeS: 1.6, flicker: 0.1, targetScore: null, predictions: [{ index: 7, label: 'cat', score: 0.9 }] });
    expect(p.mapInfo[1]).toEqual({ method: 'l2caf', target: { index: 7, label: 'cat' }, solver: 'exact' });
    expect(() => packFrame({ ...frame, maps: [map([0], [0], null)] }, 0)).toThrow('map 0 is not 2x2');
    // without eval every map still has its own numbers, eval null
    expect(p.summary.maps).toEqual([
      { iterations: 1, entropy: 0.9, flicker: null, eval: null },
      { iterations: 1, entropy: 0.9, flicker: null, eval: null },
    ]);
    const ev = { score: 0.7, deletionAuc: 0.12, insertionAuc: 0.55, drop: 0.3, increase: false };
    const withEval = packFrame({ ...frame, maps: [{ ...frame.maps[0]!, entropy: 0.4, flicker: 0.02, iterations: 6, eval: ev }, frame.maps[1]!] }, 0);
    expect(withEval.summary.maps![0]).toEqual({ iterations: 6, entropy: 0.4, flicker: 0.02, eval: ev });
    expect(withEval.summary.maps![1]!.eval).toBeNull();
    // how an L-BFGS map was solved travels with it: its start, and the Adam phase where it ran
    const solved = packFrame({ ...frame, maps: [{ ...frame.maps[0]!, solver: 'iterative', start: 'warm', iterations: 3 }, { ...frame.maps[1]!, solver: 'iterative', start: 'linearised', iterations: 82, adamPasses: 60 }] }, 0);
    expect(solved.summary.maps).toEqual([
      { iterations: 3, entropy: 0.9, flicker: null, eval: null, start: 'warm' },
      { iterations: 82, entropy: 0.9, flicker: null, eval: null, start: 'linearised', adamPasses: 60 },
    ]);
  });
});

describe('keepLink, replayStart (what a job keeps to replay frames and slices as they ran)', () => {
  // one map's warm start at a 14x14 layer: the filter (float32) and 8 curvature pairs (float64)
  const leaf = (): ReadonlyMap<string, WarmStart> =>
    new Map([['l2caf-class:817', { param: new Float32Array(196), memory: { s: Array.from({ length: 8 }, () => new Float64Array(196)), y: Array.from({ length: 8 }, () => new Float64Array(196)), gamma: 1 } }]]);
  it('counts the filter and every curvature pair', () => {
    expect(warmStartBytes(leaf())).toBe(196 * 4 + 16 * 196 * 8);
    expect(warmStartBytes(new Map([['l2caf:-', { param: new Float32Array(10) }]]))).toBe(40);
  });
  it('keeps each frame\'s leaves by slot until the budget is spent; replays start from what the frame was handed', () => {
    const d = replayState();
    const one = warmStartBytes(leaf());
    // a chain of four frames: the first handed nothing
    for (let i = 0; i < 4; i++) keepLink(d, i, { handed: i > 0, leaves: leaf() }, 2.5 * one);
    keepLink(d, 4, undefined, 2.5 * one); // a frame read from the cache: no record
    keepLink(d, 5, { handed: true, leaves: new Map() }, 2.5 * one); // no iterative map: nothing to keep
    expect([...d.leaves.keys()]).toEqual([0, 1]);
    expect(d.leavesBytes).toBe(2 * one);
    // handed and kept: as it ran, whatever start won (after a class change the neighbour was one of the candidates)
    expect(replayStart(d, 1, 'warm')).toEqual({ init: d.leaves.get(0), warm: 'as-run' });
    expect(replayStart(d, 2, 'linearised')).toEqual({ init: d.leaves.get(1), warm: 'as-run' });
    // handed but past the budget: cold, and said
    expect(replayStart(d, 3, 'warm')).toEqual({ init: undefined, warm: 'cold' });
    // the chain's first frame: nothing handed, the replay is as it ran
    expect(replayStart(d, 0, 'uniform')).toEqual({ init: undefined, warm: null });
    // no record (the cache): a warm or neighbour start cannot be replayed as it ran; a cold one can
    expect(replayStart(d, 4, 'warm').warm).toBe('cold');
    expect(replayStart(d, 4, 'neighbour').warm).toBe('cold');
    expect(replayStart(d, 4, 'linearised').warm).toBeNull();
  });
});

describe('summariseSlice', () => {
  const rec = (map: Partial<SliceRecord['maps'][number]>): SliceRecord => ({
    axis: 'z', index: 12, predictions: [{ index: 7, label: 'cat', score: 0.4 }], targetScore: 0.4, iterations: 82, loss: -2.7, warmStarted: false,
    maps: [{ method: 'l2caf-class', target: { index: 7, label: 'cat' }, targetScore: 0.4, targetLogit: 3, solver: 'iterative', iterations: 82, loss: -2.7, warmStarted: false, ...map } as SliceRecord['maps'][number]],
    ms: { backbone: 5, solve: 50 },
  });
  it('carries how the first map was solved: its start, and the Adam phase where it ran', () => {
    expect(summariseSlice(rec({ start: 'linearised', adamPasses: 60 }))).toEqual({
      index: 12, targetScore: 0.4, target: { index: 7, label: 'cat' }, iterations: 82, loss: -2.7, top: { index: 7, label: 'cat', score: 0.4 }, start: 'linearised', adamPasses: 60,
    });
    const warm = summariseSlice(rec({ start: 'warm' }));
    expect(warm.start).toBe('warm');
    expect('adamPasses' in warm).toBe(false);
    expect('start' in summariseSlice(rec({}))).toBe(false);
  });
});

describe('faithfulness options', () => {
  it('fills the defaults (steps 20, blur) and refuses bad values with a readable message', () => {
    expect(evalOptionsOf(undefined)).toBeUndefined();
    expect(evalOptionsOf({})).toEqual({ steps: 20, baseline: 'blur' });
    expect(evalOptionsOf({ steps: 4, baseline: 'zero' })).toEqual({ steps: 4, baseline: 'zero' });
    expect(() => evalOptionsOf({ steps: 1 })).toThrow(/steps must be a whole number from 2 to 1000, got 1/);
    expect(() => evalOptionsOf({ steps: 2.5 })).toThrow(ServiceError);
    expect(() => evalOptionsOf({ baseline: 'noise' as 'blur' })).toThrow(/unknown faithfulness baseline "noise"/);
  });
  it('spells the defaults out, so equal jobs compare equal at every depth', () => {
    const a = normaliseRequest({ file: 'x.mp4', methods: ['l2caf'], classes: [], eval: {} });
    const b = normaliseRequest({ classes: [], eval: { baseline: 'blur', steps: 20 }, methods: ['l2caf'], file: 'x.mp4' });
    expect(a.eval).toEqual({ steps: 20, baseline: 'blur' });
    expect(stableJson(a)).toBe(stableJson(b));
    // a nested difference (steps) is a different job; no eval is a different job
    expect(stableJson(normaliseRequest({ ...a, eval: { steps: 4 } }))).not.toBe(stableJson(a));
    const none = normaliseRequest({ file: 'x.mp4', methods: ['l2caf'], classes: [] });
    expect('eval' in none).toBe(false);
    expect(stableJson(none)).not.toBe(stableJson(a));
  });
  it('the service refuses a bad eval before any work, naming the field', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'l2caf-units-'));
    const service = createService({ host: 'test', dataDir: dir, videoCacheDir: null, workers: 0 });
    try {
      const base = { file: '/tmp/none.mp4', methods: ['l2caf'], classes: [] };
      await expect(service.call('video.start', { ...base, eval: { steps: 1 } })).rejects.toMatchObject({ code: 'bad-arguments', message: expect.stringContaining('eval.steps must be at least 2') });
      await expect(service.call('video.start', { ...base, eval: { baseline: 'noise' } })).rejects.toMatchObject({ code: 'bad-arguments', message: expect.stringContaining('eval.baseline must be one of blur, mean, zero') });
      await expect(service.call('video.start', { ...base, eval: { steps: 4, extra: 1 } })).rejects.toMatchObject({ code: 'bad-arguments', message: expect.stringContaining('eval.extra is not a known argument') });
      // a good eval passes the checks and stops where any request would: the file was never opened
      await expect(service.call('video.start', { ...base, eval: { steps: 4 } })).rejects.toMatchObject({ code: 'not-found' });
    } finally {
      await service.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('JobRegistry', () => {
  it('answers with an id before the work starts, then reports done, error or cancelled', async () => {
    const seen: string[] = [];
    const reg = new JobRegistry({
      onDone: (j) => seen.push(`done ${j.kind}`),
      onError: (j, e) => seen.push(`error ${(e as Error).message}`),
      onCancelled: (j) => seen.push(`cancelled ${j.kind}`),
    });
    let started = false;
    const a = reg.start('video', null, async () => {
      started = true;
    });
    expect(started).toBe(false);
    expect(a.state).toBe('running');
    await a.done;
    expect(a.state).toBe('done');

    const b = reg.start('export', null, async () => {
      throw new Error('disk full');
    });
    await b.done;
    expect(b.state).toBe('error');

    const c = reg.start('video', null, (job) => new Promise<void>((_, reject) => job.controller.signal.addEventListener('abort', () => reject(new Error('aborted')))));
    await new Promise((r) => setImmediate(r));
    expect(reg.cancel(c.id)).toBe(true);
    await c.done;
    expect(c.state).toBe('cancelled');
    expect(reg.cancel(c.id)).toBe(false);
    expect(reg.cancel('nope')).toBe(false);
    expect(seen).toEqual(['done video', 'error disk full', 'cancelled video']);
  });

  it('keeps every finished result until it is closed; drops only failed and cancelled jobs beyond the limit', async () => {
    const dropped: string[] = [];
    const reg = new JobRegistry({ onDrop: (j) => dropped.push(j.id) }, 2);
    // ten analyses started at once, all finishing: none is dropped (8 were kept before)
    const done = Array.from({ length: 10 }, (_, i) => reg.start('video', i, async () => {}));
    await Promise.all(done.map((j) => j.done));
    expect(dropped).toEqual([]);
    expect(reg.list().map((j) => j.jobId)).toEqual(done.map((j) => j.id));
    const failed = [];
    for (let i = 0; i < 4; i++) {
      const j = reg.start('video', i, async () => {
        throw new Error('broken');
      });
      await j.done;
      failed.push(j);
    }
    expect(dropped).toEqual([failed[0]!.id, failed[1]!.id]);
    expect(reg.close(done[3]!.id)).toBe(true);
    expect(reg.close(done[3]!.id)).toBe(false);
    expect(dropped.at(-1)).toBe(done[3]!.id);
    expect(reg.get(done[3]!.id)).toBeUndefined();
    // closing a running job cancels it first
    const running = reg.start('video', null, (job) => new Promise<void>((_, reject) => job.controller.signal.addEventListener('abort', () => reject(new Error('aborted')))));
    await new Promise((r) => setImmediate(r));
    expect(reg.close(running.id)).toBe(true);
    await running.done;
    expect(running.controller.signal.aborted).toBe(true);
  });
});

describe('throttle', () => {
  it('sends at most one value per interval and always the last one on flush', () => {
    let now = 0;
    const sent: number[] = [];
    const t = throttle((v: number) => sent.push(v), 100, () => now);
    t.push(1);
    t.push(2);
    t.push(3);
    expect(sent).toEqual([1]);
    now = 150;
    t.push(4);
    expect(sent).toEqual([1, 4]);
    t.push(5);
    t.flush();
    expect(sent).toEqual([1, 4, 5]);
    t.cancel();
  });
});

describe('the app\'s wording of engine errors', () => {
  it('points at the layer list, not at a command a window user has no terminal for', () => {
    const e = toServiceError(new Error('model.json: no layer named "leaky_re_lu_99" (run `l2caf layers` to list them)'));
    expect(e.message).toBe('model.json: no layer named "leaky_re_lu_99" (the layer list shows them)');
    expect(appAdvice('unchanged')).toBe('unchanged');
  });
});
