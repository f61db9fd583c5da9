// The faithfulness tracks under the attention timeline: insertion AUC, deletion AUC and confidence
// drop of the selected map series as small area tracks on the timeline's time axis, the frames the
// clip summary flags marked (red: faithfulness falls, amber: the map jumps), and the playhead.
// Hidden when the job ran without eval. Click or drag to scrub, as on the timeline.
import { h } from '../ui/dom.js';
import type { TimelineData } from './timelineData.js';
import { EVAL_TRACKS, evalSeries, extentLabel, flagsOf, hasEval, seriesSummary, trackExtent } from './evalTracks.js';
import { timeToX, valueToY } from './scale.js';
import { attachSeekDrag, perAnimationFrame, prepareTrackCanvas } from './trackCanvas.js';

const TRACK_H = 28;
const FLAG_H = 8;

export class EvalTracksView {
  readonly canvas: HTMLCanvasElement;
  private data: TimelineData | null = null;
  private duration = 0;
  private time = 0;
  mapIndex = 0;

  constructor(private readonly onSeek: (t: number) => void) {
    this.canvas = h('canvas', { class: 'timeline-canvas eval-tracks', hidden: true, 'data-testid': 'eval-tracks', 'aria-label': 'Faithfulness tracks' });
    attachSeekDrag(this.canvas, () => this.duration, this.onSeek);
    new ResizeObserver(() => this.invalidate()).observe(this.canvas);
  }

  setData(d: TimelineData | null, duration: number): void {
    this.data = d;
    this.duration = duration;
    this.invalidate();
  }

  setTime(t: number): void {
    this.time = t;
    if (!this.canvas.hidden) this.invalidate();
  }

  readonly invalidate = perAnimationFrame(() => this.draw());

  private draw(): void {
    const d = this.data;
    const frames = d?.known() ?? [];
    const mi = Math.min(this.mapIndex, Math.max(0, (d?.mapCount ?? 1) - 1));
    const show = !!d && hasEval(frames, mi);
    this.canvas.hidden = !show;
    const c = this.canvas;
    if (!show || !d) {
      c.dataset.points = '0';
      c.dataset.flagged = '';
      return;
    }
    const H = FLAG_H + EVAL_TRACKS.length * TRACK_H;
    const prepared = prepareTrackCanvas(c, H);
    if (!prepared) return;
    const { g, W } = prepared;
    const D = this.duration;
    const flags = flagsOf(seriesSummary(d.evalSummary, d.mapInfo, mi), d.complete);
    // flagged frames: a band through every track, and a marker in the flag row naming the kind
    for (const f of frames) {
      const x = timeToX(f.timeS, D, W);
      if (flags.faithfulness.has(f.index)) {
        g.fillStyle = 'rgba(239,83,80,0.22)';
        g.fillRect(x - 2, FLAG_H, 4, H - FLAG_H);
        g.fillStyle = '#ef5350';
        g.fillRect(x - 3, 0, 6, FLAG_H - 2);
      }
      if (flags.flicker.has(f.index)) {
        g.fillStyle = '#ffb74d';
        g.beginPath();
        g.moveTo(x - 4, 0);
        g.lineTo(x + 4, 0);
        g.lineTo(x, FLAG_H - 1);
        g.fill();
      }
    }
    let points = 0;
    let y = FLAG_H;
    for (const track of EVAL_TRACKS) {
      const series = evalSeries(frames, mi, track.key);
      const ext = trackExtent(series.map((p) => p.value));
      g.fillStyle = 'rgba(255,255,255,0.06)';
      g.fillRect(0, y, W, 1);
      if (ext) {
        const top = y + 3;
        const hgt = TRACK_H - 6;
        const base = valueToY(Math.max(ext[0], 0), ext, top, hgt);
        // area under the line (a run of known values), then the line itself
        g.fillStyle = `${track.color}33`;
        g.strokeStyle = track.color;
        g.lineWidth = 1.5;
        let run: [number, number][] = [];
        const flush = () => {
          if (!run.length) return;
          g.beginPath();
          g.moveTo(run[0]![0], base);
          for (const [x, yy] of run) g.lineTo(x, yy);
          g.lineTo(run[run.length - 1]![0], base);
          g.closePath();
          g.fill();
          g.beginPath();
          run.forEach(([x, yy], i) => (i ? g.lineTo(x, yy) : g.moveTo(x, yy)));
          g.stroke();
          // a lone point is a line of no length: a dot shows it
          if (run.length === 1) g.fillRect(run[0]![0] - 1.5, run[0]![1] - 1.5, 3, 3);
          run = [];
        };
        for (const p of series) {
          if (p.value === null) {
            flush();
            continue;
          }
          run.push([timeToX(p.timeS, D, W), valueToY(p.value, ext, top, hgt)]);
          points++;
        }
        flush();
      }
      g.fillStyle = 'rgba(255,255,255,0.5)';
      g.font = '10px system-ui, sans-serif';
      g.fillText(ext ? `${track.label}  ${extentLabel(ext)}` : track.label, 4, y + 11);
      y += TRACK_H;
    }
    const px = timeToX(this.time, D, W);
    g.fillStyle = '#ff5252';
    g.fillRect(px - 1, 0, 2, H);
    c.dataset.points = String(points);
    c.dataset.flagged = [...flags.faithfulness].sort((a, b) => a - b).join(',');
  }
}
