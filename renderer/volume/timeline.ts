// The slice timeline, like the video one: per analysed slice its target score (line) and
// iterations (bars), a strip of the slices' attention maps under it, the current slice marked;
// a click goes to that slice. Drawn on a 2-D canvas (a few hundred slices at most).
import type { VolumeSliceSummary } from '../../src/contract/index.js';
import { screenToVoxel, voxelIndex, type ViewLayout } from './geometry.js';
import { el } from './style.js';
import { sliceAtX, xOfSlice } from './timelineScale.js';
import { countKinds, ITERATION_COLOURS, legendRun, solveKind } from '../timeline/iterationBars.js';
import { fillTextRun, textRunWidth } from '../timeline/trackCanvas.js';

const CHART_H = 56;
const STRIP_H = 36;
/** The score line over the bars: a colour none of the bars' kinds (ITERATION_COLOURS) has. */
const SCORE_COLOUR = '#ce93d8';

export class SliceTimeline {
  readonly element: HTMLDivElement;
  readonly canvas: HTMLCanvasElement;
  private slices: VolumeSliceSummary[] = [];
  private total = 0;
  private current = 0;
  private strip: { att: Float32Array; dims: readonly number[]; layout: ViewLayout; lut: Uint8Array } | null = null;
  private stripImage: ImageData | null = null;

  constructor(private readonly onPick: (index: number) => void) {
    this.canvas = el('canvas', { testid: 'volume-timeline' }, { width: '100%', height: `${CHART_H + STRIP_H}px`, display: 'block', cursor: 'pointer', background: '#181818' });
    this.element = el('div', {}, { flex: '0 0 auto' }, this.canvas);
    this.canvas.addEventListener('pointerdown', (e) => {
      const b = this.canvas.getBoundingClientRect();
      if (this.total > 0) this.onPick(sliceAtX(e.clientX - b.left, b.width, this.total));
    });
  }

  setSlices(total: number, slices: VolumeSliceSummary[]): void {
    if (total !== this.total) this.stripImage = null;
    this.total = total;
    this.slices = slices;
    this.draw();
  }

  setAttention(att: Float32Array | null, dims: readonly number[], layout: ViewLayout, lut: Uint8Array): void {
    this.strip = att ? { att, dims, layout, lut } : null;
    this.stripImage = null;
    this.draw();
  }

  setCurrent(index: number): void {
    if (index === this.current) return;
    this.current = index;
    this.draw();
  }

  draw(): void {
    const c = this.canvas;
    const w = Math.max(1, Math.round(c.clientWidth));
    const h = CHART_H + STRIP_H;
    if (c.width !== w || c.height !== h) {
      c.width = w;
      c.height = h;
      this.stripImage = null;
    }
    const g = c.getContext('2d');
    if (!g || this.total === 0) return;
    g.fillStyle = '#181818';
    g.fillRect(0, 0, w, h);
    const cell = w / this.total;
    const maxIt = Math.max(1, ...this.slices.map((s) => s.iterations));
    // bars coloured by how the slice was solved (warm, cold, with the Adam phase), as the video timeline's
    const sliceKinds = this.slices.map((s) => solveKind(s));
    const kinds = countKinds(sliceKinds);
    this.slices.forEach((s, i) => {
      const kind = sliceKinds[i]!;
      const bh = (s.iterations / maxIt) * (CHART_H - 6);
      g.fillStyle = kind === 'other' ? '#4a6' : ITERATION_COLOURS[kind];
      g.fillRect((s.index / this.total) * w, CHART_H - bh, Math.max(1, cell - 1), bh);
    });
    c.dataset.iterationKinds = `warm:${kinds.warm} cold:${kinds.cold} adam:${kinds.adam} limit:${kinds.limit}`;
    // the target's probability; for class-oblivious maps (no target) the slice's top-1 probability
    const score = (s: VolumeSliceSummary) => s.targetScore ?? s.top?.score ?? null;
    const scored = this.slices.filter((s) => score(s) !== null).sort((a, b) => a.index - b.index);
    if (scored.length) {
      g.strokeStyle = SCORE_COLOUR;
      g.lineWidth = 1.5;
      g.beginPath();
      scored.forEach((s, i) => {
        const x = xOfSlice(s.index, w, this.total);
        const y = CHART_H - 3 - score(s)! * (CHART_H - 6);
        if (i === 0) g.moveTo(x, y);
        else g.lineTo(x, y);
      });
      g.stroke();
    }
    // the legend, where the bars say how the slices were solved (L2-CAF solved iteratively)
    const legend = legendRun(kinds, null);
    if (legend.length) {
      if (scored.length) legend.push({ text: ' · — score', colour: SCORE_COLOUR });
      g.font = '10px system-ui, sans-serif';
      g.fillStyle = 'rgba(24,24,24,0.75)';
      g.fillRect(2, 1, Math.ceil(textRunWidth(g, legend)) + 6, 14);
      fillTextRun(g, legend, 5, 11);
    }
    if (this.strip) {
      this.stripImage ??= this.renderStrip(g, w);
      g.putImageData(this.stripImage, 0, CHART_H);
    }
    g.fillStyle = '#fff';
    g.fillRect(Math.floor(xOfSlice(this.current, w, this.total)), 0, 1, h);
  }

  private renderStrip(g: CanvasRenderingContext2D, w: number): ImageData {
    const img = g.createImageData(w, STRIP_H);
    const { att, dims, layout, lut } = this.strip!;
    const cell = w / this.total;
    for (let x = 0; x < w; x++) {
      const s = sliceAtX(x, w, this.total);
      const fx = (x - s * cell) / cell;
      for (let y = 0; y < STRIP_H; y++) {
        const v = att[voxelIndex(dims, screenToVoxel(layout, dims, s, fx, (y + 0.5) / STRIP_H))]!;
        const k = Math.max(0, Math.min(255, Math.round(v * 255))) * 3;
        const p = (y * w + x) * 4;
        img.data[p] = lut[k]!;
        img.data[p + 1] = lut[k + 1]!;
        img.data[p + 2] = lut[k + 2]!;
        img.data[p + 3] = 255;
      }
    }
    return img;
  }
}
