// The timeline under the player: the per-frame target score, flicker and iterations as tracks, a
// strip of the attention maps, the analysed range, in/out marks and the playhead. Click or drag to
// scrub. Redrawn at most once a frame (requestAnimationFrame), and as frames arrive during a job.
import { getColormap } from '../../src/media/colormaps.js';
import { h, fmtTime } from '../ui/dom.js';
import type { TimelineData } from './timelineData.js';
import { extent, timeToX, valueToY } from './scale.js';
import { attachSeekDrag, fillTextRun, perAnimationFrame, prepareTrackCanvas, textRunWidth } from './trackCanvas.js';
import { placeRulerLabels, trackLabelBox } from './labelLayout.js';
import type { PredictionLine } from './predictionText.js';
import { barWidth, countKinds, ITERATION_COLOURS, iterationBar, legendRun } from './iterationBars.js';

const TRACKS = [
  { key: 'score', label: 'target score', height: 34, color: '#4fc3f7' },
  { key: 'flicker', label: 'flicker', height: 26, color: '#ffb74d' },
  { key: 'iterations', label: 'iterations', height: 26, color: '#aed581' },
] as const;
const STRIP_H = 34;
const RULER_H = 14;
const FONT = '10px system-ui, sans-serif';

export class TimelineView {
  readonly el: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  private data: TimelineData | null = null;
  private duration = 0;
  private time = 0;
  inMark: number | null = null;
  outMark: number | null = null;
  range: { fromS: number; toS: number } | null = null;
  colormap = 'jet';
  scale: 'frame' | 'clip' = 'frame';
  mapIndex = 0;
  private readonly label: HTMLElement;
  private readonly clock: HTMLElement;
  private readonly prediction: HTMLElement;

  constructor(private readonly onSeek: (t: number) => void) {
    this.canvas = h('canvas', { class: 'timeline-canvas', 'data-testid': 'timeline-canvas' });
    this.clock = h('span', { 'data-testid': 'timeline-clock' });
    this.prediction = h('span', { class: 'prediction', 'data-testid': 'frame-prediction', 'data-label': '', 'data-score': '' });
    this.label = h('div', { class: 'timeline-label', 'data-testid': 'timeline-label' }, this.clock, this.prediction);
    this.el = h('div', { class: 'timeline', 'data-testid': 'timeline' }, this.canvas, this.label);
    attachSeekDrag(this.canvas, () => this.duration, this.onSeek);
    new ResizeObserver(() => this.invalidate()).observe(this.canvas);
  }

  /** Puts another track view (the faithfulness tracks) under this one, inside the timeline box. */
  attachBelow(el: HTMLElement): void {
    this.el.insertBefore(el, this.label);
  }

  setData(d: TimelineData | null, duration: number): void {
    this.data = d;
    this.duration = duration;
    this.invalidate();
  }

  /** the top-1 of the analysed frame on screen, beside the clock (always shown, not only with eval) */
  setPrediction(p: PredictionLine): void {
    this.prediction.textContent = p.text;
    this.prediction.dataset.label = p.label ?? '';
    this.prediction.dataset.score = p.score === null ? '' : String(p.score);
  }

  setTime(t: number): void {
    this.time = t;
    this.invalidate();
  }

  readonly invalidate = perAnimationFrame(() => this.draw());

  private draw(): void {
    const c = this.canvas;
    const H = TRACKS.reduce((s, t) => s + t.height, 0) + STRIP_H + RULER_H;
    const prepared = prepareTrackCanvas(c, H);
    if (!prepared) return;
    const { g, W } = prepared;
    const D = this.duration;
    const frames = this.data?.known() ?? [];
    // analysed range
    if (this.range && D > 0) {
      g.fillStyle = 'rgba(255,255,255,0.05)';
      const x0 = timeToX(this.range.fromS, D, W);
      g.fillRect(x0, 0, timeToX(this.range.toS, D, W) - x0, H - RULER_H);
    }
    let y = 0;
    const labelYs: number[] = [];
    const bars = frames.map((f) => iterationBar(f, this.mapIndex));
    const kinds = countKinds(bars.map((b) => b.kind));
    for (const track of TRACKS) {
      labelYs.push(y);
      const vals = frames.map((f, i) =>
        track.key === 'score' ? (f.targetScore ?? f.predictions[0]?.score ?? null) : track.key === 'flicker' ? f.flicker : bars[i]!.value,
      );
      const ext = extent(vals);
      if (ext) {
        g.strokeStyle = track.color;
        g.fillStyle = track.color;
        g.lineWidth = 1.5;
        if (track.key === 'iterations') {
          const e: [number, number] = [0, Math.max(1, ext[1])];
          const xs = frames.map((f) => timeToX(f.timeS, D, W));
          const bw = barWidth(xs);
          for (let i = 0; i < frames.length; i++) {
            const top = valueToY(vals[i]!, e, y + 2, track.height - 4);
            g.fillStyle = ITERATION_COLOURS[bars[i]!.kind];
            // centred on the frame's time
            g.fillRect(xs[i]! - bw / 2, top, bw, y + track.height - 2 - top);
          }
        } else {
          g.beginPath();
          let started = false;
          for (let i = 0; i < frames.length; i++) {
            const v = vals[i];
            if (v === null || v === undefined) continue;
            const x = timeToX(frames[i]!.timeS, D, W);
            const yy = valueToY(v, ext, y + 3, track.height - 6);
            if (started) g.lineTo(x, yy);
            else g.moveTo(x, yy);
            started = true;
          }
          g.stroke();
        }
      }
      y += track.height;
      g.fillStyle = 'rgba(255,255,255,0.06)';
      g.fillRect(0, y - 1, W, 1);
    }
    this.drawStrip(g, y, W, D);
    y += STRIP_H;
    this.drawRuler(g, y, W, D);
    // in/out marks: outside the marks is dimmed
    if (D > 0 && (this.inMark !== null || this.outMark !== null)) {
      const a = timeToX(this.inMark ?? 0, D, W);
      const b = timeToX(this.outMark ?? D, D, W);
      g.fillStyle = 'rgba(0,0,0,0.45)';
      g.fillRect(0, 0, a, H);
      g.fillRect(b, 0, W - b, H);
      g.fillStyle = '#ffd54f';
      g.fillRect(a - 1, 0, 2, H);
      g.fillRect(b - 1, 0, 2, H);
    }
    // the track names go over the data (bars and lines would hide them), each on a backing box
    g.font = FONT;
    // the iterations track's name comes with its legend: the kinds of solve its bars show
    TRACKS.forEach((track, i) => {
      const name = { text: track.label, colour: 'rgba(255,255,255,0.6)' };
      const run = track.key === 'iterations' ? legendRun(kinds, name) : [name];
      const b = trackLabelBox(labelYs[i]!, textRunWidth(g, run));
      g.fillStyle = 'rgba(21,24,29,0.75)';
      g.fillRect(b.x, b.y, b.w, b.h);
      fillTextRun(g, run, b.textX, b.textY);
    });
    this.canvas.dataset.iterationKinds = `warm:${kinds.warm} cold:${kinds.cold} adam:${kinds.adam} limit:${kinds.limit}`;
    // playhead
    const px = timeToX(this.time, D, W);
    g.fillStyle = '#ff5252';
    g.fillRect(px - 1, 0, 2, H);
    this.clock.textContent = `${fmtTime(this.time)} / ${fmtTime(D)} · ${frames.length} frame${frames.length === 1 ? '' : 's'} analysed`;
    this.canvas.dataset.frames = String(frames.length);
  }

  /** ticks and time labels, every label inside the canvas */
  private drawRuler(g: CanvasRenderingContext2D, y: number, W: number, D: number): void {
    g.fillStyle = 'rgba(255,255,255,0.45)';
    g.font = FONT;
    const step = niceStep(D, W);
    const ticks: { tickX: number; text: string; w: number }[] = [];
    // k * step, not a running sum: no drift past the clip's end
    for (let k = 0; step > 0 && k * step <= D + 1e-9; k++) {
      const t = k * step;
      const text = `${Math.round(t * 10) / 10}s`;
      ticks.push({ tickX: timeToX(t, D, W), text, w: g.measureText(text).width });
    }
    const xs = placeRulerLabels(ticks, W);
    ticks.forEach((tk, i) => {
      g.fillRect(Math.min(tk.tickX, W - 1), y, 1, 4);
      const x = xs[i];
      if (x !== null && x !== undefined) g.fillText(tk.text, x, y + 12);
    });
    this.canvas.dataset.rulerLabels = ticks.map((tk, i) => (xs[i] === null ? '' : tk.text)).filter(Boolean).join(' ');
  }

  /** thumbnails of the maps at regular times across the clip */
  private drawStrip(g: CanvasRenderingContext2D, y: number, W: number, D: number): void {
    const d = this.data;
    if (!d || d.mapWidth === 0 || D <= 0) return;
    const thumbH = STRIP_H - 4;
    const thumbW = Math.max(8, Math.round((thumbH * d.mapWidth) / d.mapHeight));
    const n = Math.max(1, Math.floor(W / thumbW));
    const lut = getColormap(this.colormap);
    const img = new ImageData(d.mapWidth, d.mapHeight);
    const tmp = document.createElement('canvas');
    tmp.width = d.mapWidth;
    tmp.height = d.mapHeight;
    const tg = tmp.getContext('2d')!;
    g.imageSmoothingEnabled = true;
    // a picture (one frame, the clip no longer than it) shows its map once, not once per place
    const still = d.known().length === 1 && D <= (d.frameSpanS ?? D);
    for (let i = 0; i < (still ? 1 : n); i++) {
      const t = ((i + 0.5) / n) * D;
      const slot = d.slotAt(t);
      if (slot === null) continue;
      const f = d.frames[slot];
      // only where an analysed frame is near (not stretched across unanalysed stretches)
      if (!f || Math.abs(f.timeS - t) > Math.max(D / n, 1 / 2)) continue;
      const v = d.mapValues(slot, Math.min(this.mapIndex, d.mapCount - 1), this.scale);
      if (!v) continue;
      for (let k = 0; k < v.length; k++) {
        const q = Math.round(Math.min(1, Math.max(0, v[k]!)) * 255);
        img.data[k * 4] = lut[q * 3]!;
        img.data[k * 4 + 1] = lut[q * 3 + 1]!;
        img.data[k * 4 + 2] = lut[q * 3 + 2]!;
        img.data[k * 4 + 3] = 255;
      }
      tg.putImageData(img, 0, 0);
      g.drawImage(tmp, (i / n) * W, y + 2, W / n - 1, thumbH);
    }
  }
}

function niceStep(D: number, W: number): number {
  if (D <= 0) return 0;
  const target = (D * 80) / Math.max(1, W);
  for (const s of [0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600]) if (s >= target) return s;
  return 600;
}
