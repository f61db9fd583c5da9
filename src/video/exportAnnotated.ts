// The annotated clip: every source frame of the range at its own size, with the attention of the
// analysed frame(s) around it tinted over it (bilinear upsampling, colour map, opacity; per-frame or
// per-clip scale), label, score and time burned in, optionally beside the original. Frames between
// analysed ones (stride) use the nearest analysed map or a time-weighted blend of the two around
// them. Frames are written with their timestamps so the output has the source's rate and duration
// (encodeVideo.ts), with the source's audio for MP4/WebM, to a temporary name renamed at the end.
import { annotateFrame } from '../media/annotate.js';
import { decodeFrames, selectFrames } from '../media/decodeFrames.js';
import { encodeVideo, exportFps, type VideoSink } from '../media/encodeVideo.js';
import { isMediaError, MediaError } from '../media/errors.js';
import { outputFormatFor } from '../media/outputTarget.js';
import { probeVideo } from '../media/probeVideo.js';
import { blendMaps, pickMaps } from './betweenFrames.js';
import { frameCaption } from './frameCaption.js';
import { applyRange, clipRange } from './mapScale.js';
import type { ExportOptions, FrameMap, Timeline } from './types.js';

/** The 0..1 values to draw for one analysed map, per the scale mode. */
function scaledValues(m: FrameMap, scale: 'frame' | 'clip', range: { min: number; max: number } | null): Float32Array {
  return scale === 'clip' && range ? applyRange(m.raw, range) : Float32Array.from(m.values);
}

function checkTimeline(t: Timeline, mapIndex: number, file: string): void {
  if (!t?.frames?.length) throw new MediaError('invalid-argument', `Cannot export "${file}": the timeline has no analysed frame`, { file });
  for (const f of t.frames) {
    if (!f.maps[mapIndex]) throw new MediaError('invalid-argument', `Cannot export "${file}": frame ${f.index} has no map ${mapIndex} (it has ${f.maps.length})`, { file });
  }
}

export async function exportAnnotated(opts: ExportOptions): Promise<{ path: string; frames: number; notes: string[] }> {
  const mapIndex = opts.mapIndex ?? 0;
  const scale = opts.scale ?? 'frame';
  const between = opts.between ?? 'nearest';
  checkTimeline(opts.timeline, mapIndex, opts.file);
  outputFormatFor(opts.out); // a bad extension fails before any decoding
  const info = await probeVideo(opts.file, { signal: opts.signal });
  const frames = [...opts.timeline.frames].sort((a, b) => a.timeS - b.timeS);
  const times = Float64Array.from(frames, (f) => f.timeS);
  const range = scale === 'clip' ? clipRange(frames.map((f) => f.maps[mapIndex]!.raw)) : null;
  const mapsOf = frames.map((f) => scaledValues(f.maps[mapIndex]!, scale, range));

  const fromS = opts.fromS ?? opts.timeline.settings.fromS ?? undefined;
  const toS = opts.toS ?? opts.timeline.settings.toS ?? undefined;
  // A range outside the clip fails here, before the output is created.
  const indices = selectFrames(info, fromS, toS).indices;
  // The output spans the range's frames exactly: from the first frame's time to the next frame
  // after the last one (or the clip's end), so it has the range's frame count at the source rate.
  const times0 = info.frameTimesS;
  const startS = times0[indices[0]!]!;
  const after = indices[indices.length - 1]! + 1;
  const endS = after < times0.length ? times0[after]! : info.startTimeS + info.durationS;
  const total = indices.length;
  const w = info.width;
  const h = info.height;

  let sink: VideoSink | null = null;
  let written = 0;
  try {
    // The output first: an unwritable path fails before any decoding.
    sink = await encodeVideo({
      out: opts.out,
      width: opts.sideBySide ? 2 * w : w,
      height: h,
      fps: exportFps(info),
      startS,
      endS,
      audioFrom: info.hasAudio ? { file: opts.file, fromS: startS, toS: endS } : undefined,
      // The sink stops ffmpeg as soon as the signal fires, even while a write or close() waits on
      // it; the abort() in the catch below then awaits that same cleanup (encodeVideo.ts).
      signal: opts.signal,
    });
    const source = decodeFrames(opts.file, { fromS, toS, signal: opts.signal, info });
    for await (const fr of source) {
      if (opts.signal?.aborted) throw cancelled(opts.out);
      const pick = pickMaps(times, fr.timeS, between);
      const near = pick.t < 0.5 ? pick.a : pick.b;
      const m = frames[near]!.maps[mapIndex]!;
      const values = pick.a === pick.b ? mapsOf[pick.a]! : blendMaps(mapsOf[pick.a]!, mapsOf[pick.b]!, pick.t);
      const img = annotateFrame({
        frame: { width: fr.width, height: fr.height, data: fr.data },
        map: { width: m.width, height: m.height, values },
        colormap: opts.colormap,
        opacity: opts.opacity,
        threshold: opts.threshold,
        blend: opts.blend,
        sideBySide: opts.sideBySide,
        text: frameCaption(frames[near]!, m, fr.timeS),
      });
      await sink.write(img, fr.timeS);
      written++;
      opts.onProgress?.({ framesDone: written, framesTotal: total });
    }
    if (written === 0) throw new MediaError('out-of-range', `Cannot export "${opts.file}": no frame in the range`, { file: opts.file });
    const r = await sink.close();
    return { path: r.path, frames: r.frames, notes: r.notes };
  } catch (e) {
    await sink?.abort();
    // However the cancel surfaced (decoder, encoder, this loop), callers see one error naming the
    // export (the decoder's would name the source clip).
    if (opts.signal?.aborted && !(isMediaError(e, 'aborted') && e.file === opts.out)) throw cancelled(opts.out, e);
    throw e;
  }
}

function cancelled(out: string, cause?: unknown): MediaError {
  return new MediaError('aborted', `Export to "${out}" was cancelled`, { file: out, cause });
}
