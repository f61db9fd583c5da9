// encodeVideo's abort in every order against write, close and an AbortSignal: whichever call
// settles last, by the time any of them settles with 'aborted' (or a failure) the temporary output
// is gone and no ffmpeg is left. The signal listener and an explicit abort() used to race (the
// second call returned before the first had cleaned up), which is why exportAnnotated could not
// pass its signal down.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { encodeVideo, type VideoSink } from '../../src/media/encodeVideo.js';
import { ffmpegBinary } from '../../src/media/ffmpegPath.js';
import { liveFfmpegCount } from '../../src/media/runFfmpeg.js';
import { childFfmpegPids, ffprobeVideo, FFPROBE, tempDir } from './videoHelpers.js';

const W = 64;
const H = 48;

function frame(i: number): Uint8Array {
  const d = new Uint8Array(W * H * 3);
  for (let p = 0; p < d.length; p += 3) d.set([(p + i * 16) & 255, (p >> 4) & 255, (i * 40) & 255], p);
  return d;
}

function expectNoFfmpegLeft(): void {
  expect(liveFfmpegCount()).toBe(0);
  expect(childFfmpegPids() ?? []).toEqual([]);
}

const HAVE_FFMPEG = (() => {
  try {
    return !!ffmpegBinary().path;
  } catch {
    console.warn('[skip] no ffmpeg: encodeVideo abort tests are skipped');
    return false;
  }
})();

describe.skipIf(!HAVE_FFMPEG)('encodeVideo abort ordering', () => {
  let dir: string;
  let n = 0;
  beforeAll(async () => {
    dir = await tempDir('l2caf-encabort-');
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A fresh folder and an open sink with `frames` frames written (timestamped when `timed`). */
  async function started(opts: { signal?: AbortSignal; timed?: boolean; frames?: number; ext?: string } = {}): Promise<{ sub: string; sink: VideoSink }> {
    const sub = path.join(dir, `case-${n++}`);
    await mkdir(sub);
    const sink = await encodeVideo({ out: path.join(sub, `out.${opts.ext ?? 'mp4'}`), width: W, height: H, fps: 10, signal: opts.signal });
    for (let i = 0; i < (opts.frames ?? 3); i++) await sink.write(frame(i), opts.timed ? i / 10 : undefined);
    // The temporary output exists while the export runs (so "empty afterwards" means removed).
    expect((await readdir(sub)).some((f) => f.includes('.part'))).toBe(true);
    return { sub, sink };
  }

  it('signal, then abort(): abort() settles only after the temporary file and ffmpeg are gone', async () => {
    const ac = new AbortController();
    const { sub, sink } = await started({ signal: ac.signal });
    ac.abort();
    await sink.abort();
    expect(await readdir(sub)).toEqual([]);
    expectNoFfmpegLeft();
    await expect(sink.write(frame(9))).rejects.toMatchObject({ code: 'aborted' });
    await expect(sink.close()).rejects.toMatchObject({ code: 'aborted' });
  });

  it('abort() then close() without waiting: close rejects with aborted after the cleanup', async () => {
    const { sub, sink } = await started();
    const aborting = sink.abort();
    await expect(sink.close()).rejects.toMatchObject({ code: 'aborted' });
    expect(await readdir(sub)).toEqual([]);
    expectNoFfmpegLeft();
    await aborting;
  });

  for (const timed of [false, true]) {
    it(`abort() during close (${timed ? 'timestamped' : 'untimed'} frames): close rejects with aborted, nothing left`, async () => {
      const { sub, sink } = await started({ timed });
      const closing = sink.close();
      const aborting = sink.abort();
      await expect(closing).rejects.toMatchObject({ code: 'aborted' });
      expect(await readdir(sub)).toEqual([]);
      expectNoFfmpegLeft();
      await aborting;
    });
  }

  it('the signal during writes waiting on ffmpeg, with an explicit abort() racing it', async () => {
    const ac = new AbortController();
    const { sub, sink } = await started({ signal: ac.signal, frames: 0, ext: 'webm' });
    const writes = Array.from({ length: 30 }, (_, i) => sink.write(frame(i)));
    ac.abort();
    await sink.abort();
    expect(await readdir(sub)).toEqual([]);
    expectNoFfmpegLeft();
    const results = await Promise.allSettled(writes);
    expect(results.some((r) => r.status === 'rejected' && (r.reason as { code?: string }).code === 'aborted')).toBe(true);
  });

  it('close(), then abort() and the signal: too late, the finished export stays', async () => {
    const ac = new AbortController();
    const { sub, sink } = await started({ signal: ac.signal, frames: 5 });
    const r = await sink.close();
    ac.abort();
    await sink.abort();
    expect(await readdir(sub)).toEqual(['out.mp4']);
    expect(r.frames).toBe(5);
    if (FFPROBE) expect((await ffprobeVideo(r.path)).frames).toBe(5);
    expectNoFfmpegLeft();
  });

  it('ffmpeg dying on its own: the write fails, nothing left, later abort() and close() agree', async () => {
    const { sub, sink } = await started();
    const pids = childFfmpegPids();
    if (pids === null) return; // no ps: cannot find the child to kill
    expect(pids).toHaveLength(1);
    process.kill(pids[0]!, 'SIGKILL');
    let err: unknown = null;
    // The pipe may take a frame or two before the write notices.
    for (let i = 0; i < 50 && !err; i++) err = await sink.write(frame(i)).then(() => null, (e: unknown) => e);
    expect(err).toMatchObject({ code: 'ffmpeg-failed' });
    expect(await readdir(sub)).toEqual([]);
    await sink.abort();
    await expect(sink.close()).rejects.toBe(err);
    expectNoFfmpegLeft();
  });
});
