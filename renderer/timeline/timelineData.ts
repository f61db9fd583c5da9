// The timeline as the renderer holds it: frame summaries plus each frame's maps ([2, m, h, w]:
// normalised, raw), filled in frame by frame while a job runs or all at once from the timeline
// binary. Pure data and functions (tested in test/renderer).
import type { EvalSeriesSummary, FrameSummary, MapInfo, TimelineView } from '../../src/contract/index.js';

export class TimelineData {
  frames: FrameSummary[] = [];
  maps: Float32Array[] = [];
  mapInfo: MapInfo[] = [];
  mapWidth = 0;
  mapHeight = 0;
  rawMax: number[] = [];
  /** with eval: the clip summary per map series (means, flagged frames); null until the job is done */
  evalSummary: EvalSeriesSummary[] | null = null;
  /** the job finished: flags computed over the whole clip apply */
  complete = false;
  /** the media time one analysed frame stands for (the job's stride / the clip's fps); null: unknown */
  frameSpanS: number | null = null;

  get mapCount(): number {
    return this.mapInfo.length;
  }

  /** A frame event's data; frames may arrive out of order after a reload, so slots index them. */
  addFrame(frame: FrameSummary, maps: Float32Array, mapInfo: MapInfo[], w: number, h: number): void {
    if (this.frames.length === 0) {
      this.mapWidth = w;
      this.mapHeight = h;
      this.rawMax = mapInfo.map(() => 0);
    }
    this.mapInfo = mapInfo;
    this.frames[frame.slot] = frame;
    this.maps[frame.slot] = maps;
    const n = w * h;
    const m = mapInfo.length;
    for (let i = 0; i < m; i++) {
      let mx = this.rawMax[i] ?? 0;
      for (let k = 0; k < n; k++) mx = Math.max(mx, maps[(m + i) * n + k]!);
      this.rawMax[i] = mx;
    }
  }

  /** The whole timeline (maps: [frames, 2, m, h, w] as one buffer). */
  static fromView(view: TimelineView, all: Float32Array | null): TimelineData {
    const t = new TimelineData();
    t.frames = view.frames.slice();
    t.mapInfo = view.mapInfo;
    t.mapWidth = view.mapWidth;
    t.mapHeight = view.mapHeight;
    t.rawMax = view.rawMax.slice();
    t.evalSummary = view.summary?.eval ?? null;
    t.complete = view.state === 'done' && !view.partial;
    t.frameSpanS = frameSpan(view.settings.stride, view.video.fps);
    const per = 2 * view.mapInfo.length * view.mapWidth * view.mapHeight;
    if (all && per > 0) for (let i = 0; i < view.frames.length; i++) t.maps[i] = all.subarray(i * per, (i + 1) * per);
    return t;
  }

  /** Frames known so far, in time order (slots may have gaps while a job runs). */
  known(): FrameSummary[] {
    return this.frames.filter((f): f is FrameSummary => !!f);
  }

  /**
   * The analysed frame to show at media time t: the last one at or before t (a frame is shown
   * from its timestamp until the next one's), or the first when t is just before every frame; none
   * where t is past the frames it could stand for (frameSpanS: slotAtTime).
   */
  slotAt(t: number): number | null {
    return slotAtTime(this.frames, t, this.frameSpanS);
  }

  /**
   * One map of a slot as 0..1 values: 'frame' = the frame's own min-max (stored), 'clip' = raw
   * divided by the clip's maximum, so frames compare on one scale.
   */
  mapValues(slot: number, mapIndex: number, scale: 'frame' | 'clip'): Float32Array | null {
    const maps = this.maps[slot];
    if (!maps) return null;
    const n = this.mapWidth * this.mapHeight;
    const m = this.mapCount;
    if (scale === 'frame') return maps.subarray(mapIndex * n, (mapIndex + 1) * n);
    const raw = maps.subarray((m + mapIndex) * n, (m + mapIndex + 1) * n);
    const mx = this.rawMax[mapIndex] ?? 0;
    return clipScaled(raw, mx);
  }

  /** The classes the clip is mostly about: summed top-5 scores over the frames, best first. */
  topClasses(k = 5): { index: number; label: string; score: number }[] {
    return topClassesOf(this.known(), k);
  }
}

/**
 * How long past its own timestamp (in frame spans) an analysed frame is still shown: a frame stands
 * for the frames its stride skips, and timestamps of a variable-rate clip wander; past that, the
 * frames on screen were not analysed (a cancelled job's rest, a job still on its way there) and a
 * map from far earlier would be drawn over a different picture.
 */
export const HOLD_SPANS = 1.5;

/** Pure: the media time one analysed frame stands for; null when the clip's rate is unknown. */
export function frameSpan(stride: number | undefined, fps: number): number | null {
  return fps > 0 && Number.isFinite(fps) ? Math.max(1, stride ?? 1) / fps : null;
}

/**
 * Pure: the slot shown at time t (see TimelineData.slotAt); null with no frames. `span`: the time
 * a frame stands for; with it, a frame whose next slot is not analysed is shown up to HOLD_SPANS
 * spans after its timestamp (and the first one from a span before it), else nothing; without it
 * (unknown), the last frame before t or the first one, however far.
 */
export function slotAtTime(frames: readonly (FrameSummary | undefined)[], t: number, span: number | null = null): number | null {
  let best: number | null = null;
  let first: number | null = null;
  const eps = 1e-4;
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i];
    if (!f) continue;
    if (first === null || f.timeS < frames[first]!.timeS) first = i;
    if (f.timeS <= t + eps && (best === null || f.timeS > frames[best]!.timeS)) best = i;
  }
  if (span === null || !(span > 0)) return best ?? first;
  // (between two analysed neighbours a frame holds until the next one, however far: a clip of
  // variable rate can leave seconds between them; the span bounds only a frame whose next one is
  // missing, a cancelled job's last or one still on its way)
  if (best !== null) return frames[best + 1] !== undefined || t < frames[best]!.timeS + HOLD_SPANS * span ? best : null;
  return first !== null && t >= frames[first]!.timeS - span ? first : null;
}

/** Pure: raw / max clamped to 0..1 (all zeros when max is 0). */
export function clipScaled(raw: ArrayLike<number>, max: number): Float32Array {
  const out = new Float32Array(raw.length);
  if (!(max > 0)) return out;
  for (let i = 0; i < raw.length; i++) out[i] = Math.min(1, Math.max(0, raw[i]! / max));
  return out;
}

/** Pure: classes ranked by their summed softmax score over the frames' top-5 lists. */
export function topClassesOf(frames: readonly FrameSummary[], k = 5): { index: number; label: string; score: number }[] {
  const sum = new Map<number, { label: string; score: number }>();
  for (const f of frames) {
    for (const p of f.predictions) {
      const e = sum.get(p.index) ?? { label: p.label, score: 0 };
      e.score += p.score;
      sum.set(p.index, e);
    }
  }
  const n = Math.max(1, frames.length);
  return [...sum.entries()]
    .map(([index, e]) => ({ index, label: e.label, score: e.score / n }))
    .sort((a, b) => b.score - a.score)
    .slice(0, k);
}

/** Pure: 0..1 values to bytes for an 8-bit texture (LinearFilter works on every WebGL). */
export function toBytes(v: ArrayLike<number>, out?: Uint8Array): Uint8Array {
  const o = out && out.length === v.length ? out : new Uint8Array(v.length);
  for (let i = 0; i < v.length; i++) o[i] = Math.round(Math.min(1, Math.max(0, v[i]!)) * 255);
  return o;
}
