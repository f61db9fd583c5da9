// The convergence view: for the frame on screen, replays the L2-CAF filter converging (the
// engine's trace: |f| every few iterations) as an animation, with the loss curve beside it.
import { getColormap } from '../../src/media/colormaps.js';
import type { TraceResult } from '../../src/contract/index.js';
import type { Host } from '../host/Host.js';
import { h } from '../ui/dom.js';
import { extent, valueToY } from '../timeline/scale.js';

export class ConvergenceView {
  readonly el: HTMLElement;
  private readonly mapCanvas: HTMLCanvasElement;
  private readonly lossCanvas: HTMLCanvasElement;
  private readonly note: HTMLElement;
  private readonly button: HTMLButtonElement;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly host: Host, private readonly current: () => { jobId: string; slot: number; mapIndex: number; colormap: string } | null, private readonly onError: (e: unknown, ctx?: string) => void) {
    this.mapCanvas = h('canvas', { width: 104, height: 104, class: 'trace-map', 'data-testid': 'trace-map' });
    this.lossCanvas = h('canvas', { width: 180, height: 104, class: 'trace-loss', 'data-testid': 'trace-loss' });
    this.note = h('p', { class: 'hint', 'data-testid': 'trace-note' }, 'Replays the solve of the frame on screen.');
    this.button = h('button', { 'data-testid': 'trace-replay', onclick: () => void this.replay() }, 'Replay convergence');
    this.el = h('section', { class: 'panel convergence', 'data-testid': 'convergence' }, h('h2', {}, 'Convergence'), this.button, h('div', { class: 'row' }, this.mapCanvas, this.lossCanvas), this.note);
  }

  async replay(): Promise<void> {
    const c = this.current();
    if (!c) {
      this.note.textContent = 'Nothing to replay yet: wait for the first analysed frame.';
      return;
    }
    this.stop();
    this.button.disabled = true;
    this.note.textContent = 'solving…';
    try {
      const r = await this.host.call('video.trace', { jobId: c.jobId, slot: c.slot, mapIndex: c.mapIndex });
      const filters = r.filters ? new Float32Array(await this.host.fetchBinary(r.filters)) : null;
      this.note.textContent = r.note ?? `${r.steps.length} steps over ${r.iterations} iterations`;
      this.el.dataset.steps = String(r.steps.length);
      this.animate(r, filters, c.colormap);
    } catch (e) {
      this.note.textContent = 'no replay';
      this.onError(e, 'Convergence');
    } finally {
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
        lg.strokeStyle = '#4fc3f7';
        lg.beginPath();
        r.steps.forEach((s, j) => {
          const x = (j / (steps - 1)) * (W - 8) + 4;
          const y = valueToY(s.loss, ext, 6, H - 12);
          if (j === 0) lg.moveTo(x, y);
          else lg.lineTo(x, y);
        });
        lg.stroke();
        lg.fillStyle = '#ff5252';
        lg.fillRect((Math.min(i, steps - 1) / (steps - 1)) * (W - 8) + 3, 0, 2, H);
        lg.fillStyle = 'rgba(255,255,255,0.6)';
        lg.font = '10px system-ui, sans-serif';
        lg.fillText(`iteration ${r.steps[Math.min(i, steps - 1)]!.iteration}`, 6, H - 2);
      }
      i++;
      if (i >= steps) this.stop();
    };
    frame();
    if (steps > 1) this.timer = setInterval(frame, 80);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
