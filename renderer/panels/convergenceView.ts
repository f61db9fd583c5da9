// The convergence view: for the frame on screen (the video app) or the slice at the cursor (the
// volume viewer), replays the L2-CAF filter converging (the engine's trace: |f| every few
// iterations) as an animation, with the loss curve beside it. Until a replay has drawn them the
// canvases are hidden and a line says what the map on screen is (an exact solve has no iterations
// to plot). Where the trace comes from is the caller's (video.trace, volume.trace).
import { getColormap } from '../../src/media/colormaps.js';
import type { TraceResult } from '../../src/contract/index.js';
import type { Host } from '../host/Host.js';
import { h } from '../ui/dom.js';
import { extent, valueToY } from '../timeline/scale.js';
import { convergenceState, replayText, type ReplayUnit, type ShownMap } from './convergenceText.js';
import { replayPacing } from './replayPacing.js';

/** The map on screen: `key` tells replays apart (job, frame or slice, map); `trace` solves it again. */
export type ConvergenceTarget = { key: string; colormap: string; trace: () => Promise<TraceResult> };

export class ConvergenceView {
  readonly el: HTMLElement;
  private readonly mapCanvas: HTMLCanvasElement;
  private readonly lossCanvas: HTMLCanvasElement;
  private readonly note: HTMLElement;
  private readonly button: HTMLButtonElement;
  private readonly plots: HTMLElement;
  /** job/slot/map of the replay on the canvases; another frame on screen hides them again */
  private replayed: string | null = null;
  /** a replay is being solved: its note stays */
  private solving = false;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly host: Host,
    private readonly current: () => ConvergenceTarget | null,
    private readonly shownMap: () => ShownMap | null,
    private readonly onError: (e: unknown, ctx?: string) => void,
    /** what the inputs are called in the panel's sentences */
    private readonly unit: ReplayUnit = 'frame',
  ) {
    this.mapCanvas = h('canvas', { width: 104, height: 104, class: 'trace-map', 'data-testid': 'trace-map' });
    this.lossCanvas = h('canvas', { width: 180, height: 104, class: 'trace-loss', 'data-testid': 'trace-loss' });
    this.note = h('p', { class: 'hint', 'data-testid': 'trace-note' }, `Replays the solve of the ${unit} on screen.`);
    this.button = h('button', { 'data-testid': 'trace-replay', onclick: () => void this.replay() }, 'Replay convergence');
    this.plots = h('div', { class: 'row', hidden: true, 'data-testid': 'trace-plots' }, this.mapCanvas, this.lossCanvas);
    this.el = h('section', { class: 'panel convergence', 'data-testid': 'convergence' }, h('h2', {}, 'Convergence'), this.button, this.plots, this.note);
  }

  /** The frame on screen or its analysis changed: say what its map is, unless its replay is shown. */
  update(): void {
    const c = this.current();
    if (this.solving || (c && c.key === this.replayed)) return;
    if (this.replayed !== null || this.timer) {
      this.stop();
      this.replayed = null;
    }
    const st = convergenceState(c ? this.shownMap() : null, this.unit);
    this.plots.hidden = true;
    this.note.textContent = st.text;
    this.el.dataset.state = st.plottable ? 'iterative' : 'no-iterations';
  }

  async replay(): Promise<void> {
    const c = this.current();
    if (!c) {
      this.note.textContent = `Nothing to replay yet: wait for the ${this.unit} to be analysed.`;
      return;
    }
    this.stop();
    this.button.disabled = true;
    this.solving = true;
    this.note.textContent = 'solving…';
    try {
      const r = await c.trace();
      const filters = r.filters ? new Float32Array(await this.host.fetchBinary(r.filters)) : null;
      this.note.textContent = replayText(r, this.unit);
      this.el.dataset.steps = String(r.steps.length);
      this.el.dataset.adamFrom = r.adam ? String(r.adam.fromIteration) : '';
      this.el.dataset.state = 'replay';
      this.replayed = c.key;
      this.plots.hidden = r.steps.length === 0;
      this.animate(r, filters, c.colormap);
    } catch (e) {
      this.note.textContent = 'no replay';
      this.onError(e, 'Convergence');
    } finally {
      this.solving = false;
      this.button.disabled = false;
    }
  }

  private animate(r: TraceResult, filters: Float32Array | null, colormap: string): void {
    const n = r.width * r.height;
    const steps = r.steps.length;
    const lut = getColormap(colormap);
    const tmp = document.createElement('canvas');
    tmp.width = r.width;
    tmp.height = r.height;
    const tg = tmp.getContext('2d')!;
    const img = new ImageData(r.width, r.height);
    const g = this.mapCanvas.getContext('2d')!;
    const lg = this.lossCanvas.getContext('2d')!;
    const ext = extent(r.steps.map((s) => s.loss));
    let i = 0;
    const frame = () => {
      if (filters && steps > 0) {
        const k = Math.min(i, steps - 1);
        for (let p = 0; p < n; p++) {
          const q = Math.round(Math.min(1, Math.max(0, filters[k * n + p]!)) * 255);
          img.data.set([lut[q * 3]!, lut[q * 3 + 1]!, lut[q * 3 + 2]!, 255], p * 4);
        }
        tg.putImageData(img, 0, 0);
        g.imageSmoothingEnabled = true;
        g.drawImage(tmp, 0, 0, this.mapCanvas.width, this.mapCanvas.height);
      }
      const W = this.lossCanvas.width;
      const H = this.lossCanvas.height;
      lg.fillStyle = '#15181d';
      lg.fillRect(0, 0, W, H);
      if (ext && steps > 1) {
        // x by iteration (steps are every few iterations); the Adam phase after L-BFGS in orange
        const it0 = r.steps[0]!.iteration;
        const span = Math.max(1, r.steps[steps - 1]!.iteration - it0);
        const xOf = (iteration: number) => ((iteration - it0) / span) * (W - 8) + 4;
        const adamFrom = r.adam?.fromIteration ?? Infinity;
        const adamTo = r.adam?.toIteration ?? Infinity;
        for (const phase of ['lbfgs', 'adam'] as const) {
          lg.strokeStyle = phase === 'adam' ? '#ffb74d' : '#4fc3f7';
          lg.beginPath();
          let started = false;
          for (const s of r.steps) {
            // the phase's curve starts where L-BFGS's ended and L-BFGS's finish where the phase's
            // ended, so the curves join; L-BFGS's line does not cross the phase
            const inside = s.iteration > adamFrom && s.iteration < adamTo;
            if (phase === 'lbfgs' && inside) {
              started = false;
              continue;
            }
            if (phase === 'adam' && (s.iteration < adamFrom || s.iteration > adamTo)) continue;
            const x = xOf(s.iteration);
            const y = valueToY(s.loss, ext, 6, H - 12);
            if (!started) lg.moveTo(x, y);
            else lg.lineTo(x, y);
            started = true;
          }
          lg.stroke();
        }
        if (Number.isFinite(adamFrom)) {
          lg.fillStyle = 'rgba(255,183,77,0.8)';
          lg.font = '10px system-ui, sans-serif';
          lg.fillText('Adam', Math.min(xOf(adamFrom) + 3, W - 30), 12);
        }
        lg.fillStyle = '#ff5252';
        lg.fillRect(xOf(r.steps[Math.min(i, steps - 1)]!.iteration) - 1, 0, 2, H);
        lg.fillStyle = 'rgba(255,255,255,0.6)';
        lg.font = '10px system-ui, sans-serif';
        // L-BFGS steps say the head passes spent so far (what the panel's text and the timeline count)
        const at = r.steps[Math.min(i, steps - 1)]!;
        const label = at.passes !== undefined ? `head pass ${at.passes} of ${r.iterations}` : `iteration ${at.iteration}`;
        lg.fillText(label, 6, H - 2);
        this.lossCanvas.dataset.label = label;
      }
      if (i >= steps - 1) this.stop();
      // (the last step is drawn whatever the stride: the replay ends at the answer)
      i = Math.min(i + pace.stride, steps - 1);
    };
    const pace = replayPacing(steps);
    frame();
    if (steps > 1) this.timer = setInterval(frame, pace.intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

