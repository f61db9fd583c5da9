// The player: the real clip in a <video>, the attention-tinted copy drawn by AttentionOverlay on a
// canvas over it (or beside it, side by side). Sync: requestVideoFrameCallback reports the media
// time of every frame the browser presents; the map of that time is uploaded and drawn before
// the next paint, so the tint follows playback frame by frame and follows every seek.
import { getColormap } from '../../src/media/colormaps.js';
import type { MediaDescription } from '../../src/contract/index.js';
import { h } from '../ui/dom.js';
import { AttentionOverlay } from './overlay.js';
import { toBytes, type TimelineData } from '../timeline/timelineData.js';

export interface ViewSettings {
  colormap: string;
  /** the tint's weight where attention is highest; lower attention is tinted less (src/media/tint.ts) */
  opacity: number;
  /** attention below this is not tinted */
  threshold: number;
  scale: 'frame' | 'clip';
  sideBySide: boolean;
  mapIndex: number;
}

type FrameCallbackVideo = HTMLVideoElement & {
  requestVideoFrameCallback?: (cb: (now: number, meta: { mediaTime: number }) => void) => number;
  cancelVideoFrameCallback?: (id: number) => void;
};

export class Player {
  readonly el: HTMLElement;
  readonly video: FrameCallbackVideo;
  readonly canvas: HTMLCanvasElement;
  private overlay: AttentionOverlay | null = null;
  private timeline: TimelineData | null = null;
  private media: MediaDescription | null = null;
  private bytes: Uint8Array | undefined;
  private frameCb: number | null = null;
  private readonly timeListeners = new Set<(t: number) => void>();
  view: ViewSettings = { colormap: 'jet', opacity: 0.5, threshold: 0, scale: 'frame', sideBySide: false, mapIndex: 0 };
  /** the slot drawn last (tests and the convergence view read it) */
  shownSlot: number | null = null;
  /** where the user went while no picture is loaded (a playable copy being made): applied on load */
  private pendingTime = 0;
  private readonly note: HTMLElement;

  constructor(private readonly onError: (e: unknown) => void) {
    this.video = h('video', { 'data-testid': 'video', preload: 'auto', playsinline: true, muted: true }) as FrameCallbackVideo;
    this.video.muted = true;
    this.canvas = h('canvas', { class: 'overlay', 'data-testid': 'overlay' });
    this.note = h('div', { class: 'stage-note', 'data-testid': 'stage-note', hidden: true });
    this.el = h('div', { class: 'player', 'data-testid': 'player' }, h('div', { class: 'stage' }, this.video, this.canvas, this.note));
    try {
      this.overlay = new AttentionOverlay(this.canvas, this.video);
      this.overlay.setColormap(getColormap(this.view.colormap));
      this.overlay.setOpacity(this.view.opacity);
    } catch (e) {
      this.overlay = null;
      onError(new Error(`WebGL is not available, so the attention cannot be drawn over the video (${(e as Error).message})`));
    }
    this.video.addEventListener('loadedmetadata', () => {
      this.overlay?.resize(this.video.videoWidth, this.video.videoHeight);
      // a position chosen while no picture was loaded (a playable copy being made) is applied once
      const pending = this.pendingTime;
      this.pendingTime = 0;
      if (pending > 0) this.video.currentTime = pending;
      this.draw(pending || this.video.currentTime);
    });
    this.video.addEventListener('error', () => {
      const err = this.video.error;
      if (this.media) onError(new Error(`"${this.media.name}" cannot be played in this window (${err?.message || `media error ${err?.code ?? '?'}`})`));
    });
    // Without requestVideoFrameCallback (old browsers), timeupdate is the best there is.
    if (!this.video.requestVideoFrameCallback) this.video.addEventListener('timeupdate', () => this.draw(this.video.currentTime));
    this.video.addEventListener('seeked', () => this.draw(this.video.currentTime));
  }

  /** `url` null: no picture yet (a playable copy is being made); the timeline and seeking still work. */
  load(url: string | null, media: MediaDescription): void {
    if (this.media?.mediaId !== media.mediaId) this.pendingTime = 0;
    this.media = media;
    if (url) this.video.src = url;
    else {
      this.video.removeAttribute('src');
      this.video.load();
    }
    this.shownSlot = null;
    this.watchFrames();
  }

  /** A line over the stage (what the window is waiting for), or null to hide it. */
  setNote(text: string | null): void {
    this.note.textContent = text ?? '';
    this.note.hidden = text === null;
  }

  /** The position shown: the video's, or the one chosen while no picture is loaded. */
  get position(): number {
    return this.video.readyState === 0 ? this.pendingTime : this.video.currentTime;
  }

  private watchFrames(): void {
    const v = this.video;
    if (!v.requestVideoFrameCallback) return;
    if (this.frameCb !== null) v.cancelVideoFrameCallback?.(this.frameCb);
    const tick = (_now: number, meta: { mediaTime: number }) => {
      this.draw(meta.mediaTime);
      this.frameCb = v.requestVideoFrameCallback!(tick);
    };
    this.frameCb = v.requestVideoFrameCallback(tick);
  }

  setTimeline(t: TimelineData | null): void {
    this.timeline = t;
    this.refresh();
  }

  setView(v: Partial<ViewSettings>): void {
    const prev = this.view;
    this.view = { ...prev, ...v };
    if (this.overlay) {
      if (v.colormap && v.colormap !== prev.colormap) this.overlay.setColormap(getColormap(v.colormap));
      this.overlay.setOpacity(this.view.opacity);
      this.overlay.setThreshold(this.view.threshold);
    }
    this.el.classList.toggle('side-by-side', this.view.sideBySide);
    this.refresh();
  }

  /** redraw at the current position (new frames arrived, settings changed) */
  refresh(): void {
    this.draw(this.position);
  }

  onTime(cb: (t: number) => void): () => void {
    this.timeListeners.add(cb);
    return () => this.timeListeners.delete(cb);
  }

  private draw(t: number): void {
    const tl = this.timeline;
    const slot = tl ? tl.slotAt(t) : null;
    const vals = tl && slot !== null ? tl.mapValues(slot, Math.min(this.view.mapIndex, Math.max(0, tl.mapCount - 1)), this.view.scale) : null;
    if (this.overlay) {
      try {
        if (vals && tl) {
          this.bytes = toBytes(vals, this.bytes);
          this.overlay.setMap(this.bytes, tl.mapWidth, tl.mapHeight);
        } else this.overlay.setMap(null, 1, 1);
        this.overlay.render();
      } catch (e) {
        this.onError(e);
      }
    }
    this.shownSlot = vals ? slot : null;
    this.canvas.dataset.slot = this.shownSlot === null ? '' : String(this.shownSlot);
    this.canvas.dataset.frameTime = this.shownSlot === null ? '' : String(tl?.frames[this.shownSlot]?.timeS ?? '');
    this.canvas.dataset.mediaTime = t.toFixed(4);
    for (const l of this.timeListeners) l(t);
  }

  get duration(): number {
    return this.media?.video?.durationS ?? (Number.isFinite(this.video.duration) ? this.video.duration : 0);
  }

  get fps(): number {
    return this.media?.video?.fps ?? 25;
  }

  seek(t: number): void {
    const d = this.duration;
    const to = Math.min(Math.max(0, t), d > 0 ? d - 1e-3 : 0);
    // Without a loaded picture the <video> ignores currentTime: keep the position and draw it, so
    // the playhead, the map and the frame's numbers still follow the timeline.
    if (this.video.readyState === 0) {
      this.pendingTime = to;
      this.draw(to);
    } else this.video.currentTime = to;
  }

  togglePlay(): void {
    if (this.video.readyState === 0) return; // no picture yet (a playable copy being made)
    if (this.video.paused) void this.video.play().catch((e) => this.onError(e));
    else this.video.pause();
  }

  /** one frame forward or back (arrows) */
  step(dir: 1 | -1): void {
    this.video.pause();
    this.seek(this.position + dir / this.fps);
  }

  /** J/K/L: J back a second (repeat to keep rewinding), K pause, L play (repeat: faster up to 4x) */
  shuttle(key: 'j' | 'k' | 'l'): void {
    const v = this.video;
    if (key === 'k') {
      v.pause();
      v.playbackRate = 1;
    } else if (key === 'l') {
      if (!v.paused) v.playbackRate = Math.min(4, v.playbackRate * 2);
      else if (v.readyState > 0) void v.play().catch((e) => this.onError(e));
    } else {
      v.pause();
      this.seek(this.position - 1);
    }
  }

  dispose(): void {
    if (this.frameCb !== null) this.video.cancelVideoFrameCallback?.(this.frameCb);
    this.video.removeAttribute('src');
    this.video.load();
    this.overlay?.dispose();
  }
}
