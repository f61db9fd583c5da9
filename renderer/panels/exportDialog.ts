// The export dialog: range (from the timeline's in/out marks), format, overlay options, progress,
// cancel; the finished file is shown in its folder (Electron) or downloaded (browser). The service
// writes the timeline beside it (`<clip>.timeline.json/.csv`, with faithfulness when analysed with
// it); the dialog says so before and, after, names the files (Electron copies them beside the
// saved clip) or links them for download (the browser: exportLinks.ts says why links).
import { toErrorInfo, type ExportFormat, type ExportResult, type JobProgressEvent, type ServiceEvent } from '../../src/contract/index.js';
import type { Host } from '../host/Host.js';
import { JobEndings } from '../host/jobEndings.js';
import { exportLinks, type ExportLink } from './exportLinks.js';
import type { ViewSettings } from '../player/player.js';
import { h, fmtTime } from '../ui/dom.js';

export interface ExportContext {
  jobId: string;
  fromS: number;
  toS: number;
  view: ViewSettings;
  clipName: string;
}

/** A file name that wraps before `.timeline.` when the line is short (the rest stays whole). */
function breakable(name: string): (string | HTMLElement)[] {
  const i = name.lastIndexOf('.timeline.');
  return i > 0 ? [name.slice(0, i), h('wbr'), name.slice(i)] : [name];
}

export class ExportDialog {
  readonly el: HTMLElement;
  private readonly from: HTMLInputElement;
  private readonly to: HTMLInputElement;
  private readonly format: HTMLSelectElement;
  private readonly sbs: HTMLInputElement;
  private readonly between: HTMLSelectElement;
  private readonly progress: HTMLProgressElement;
  private readonly status: HTMLElement;
  private readonly sidecars: HTMLElement;
  private readonly startBtn: HTMLButtonElement;
  private readonly cancelBtn: HTMLButtonElement;
  private ctx: ExportContext | null = null;
  private jobId: string | null = null;
  /** the format of the export last started (the select may change while it runs) */
  private startedFormat: ExportFormat | null = null;
  private off: (() => void) | null = null;
  /** a short export can end before export.start answers */
  private readonly endings = new JobEndings();

  constructor(
    private readonly host: Host,
    private readonly onError: (e: unknown, ctx?: string) => void,
    private readonly onSettle?: (ctx: string) => void,
  ) {
    this.from = h('input', { type: 'number', step: '0.01', min: '0', 'data-testid': 'export-from' });
    this.to = h('input', { type: 'number', step: '0.01', min: '0', 'data-testid': 'export-to' });
    this.format = h('select', { 'data-testid': 'export-format' },
      h('option', { value: 'mp4' }, 'MP4 (H.264)'), h('option', { value: 'webm' }, 'WebM (VP9)'), h('option', { value: 'gif' }, 'GIF'), h('option', { value: 'png' }, host.kind === 'web' ? 'PNG sequence (one ZIP download)' : 'PNG sequence'));
    this.sbs = h('input', { type: 'checkbox', 'data-testid': 'export-side-by-side' });
    this.between = h('select', { 'data-testid': 'export-between' }, h('option', { value: 'nearest' }, 'nearest analysed map'), h('option', { value: 'blend' }, 'blend the two around'));
    this.progress = h('progress', { max: 1, value: 0, 'data-testid': 'export-progress' });
    this.status = h('div', { class: 'export-status', 'data-testid': 'export-status' });
    this.sidecars = h('div', { class: 'export-status', hidden: true, 'data-testid': 'export-sidecars' });
    this.startBtn = h('button', { class: 'primary', 'data-testid': 'export-start', onclick: () => void this.start() }, 'Export');
    this.cancelBtn = h('button', { 'data-testid': 'export-cancel', onclick: () => void this.cancelOrClose() }, 'Close');
    const row = (label: string, ...els: HTMLElement[]) => h('label', { class: 'field' }, h('span', {}, label), ...els);
    this.el = h('div', { class: 'modal-backdrop', hidden: true, 'data-testid': 'export-dialog' },
      h('div', { class: 'modal', role: 'dialog', 'aria-label': 'Export' },
        h('h2', {}, 'Export annotated clip'),
        h('div', { class: 'row' }, row('From (s)', this.from), row('To (s)', this.to)),
        row('Format', this.format),
        row('Between analysed frames', this.between),
        h('label', { class: 'field inline' }, this.sbs, h('span', {}, 'Side by side with the original')),
        h('p', { class: 'hint', 'data-testid': 'export-view' }),
        h('p', { class: 'hint' }, host.kind === 'web'
          ? 'The timeline (per-frame numbers, with faithfulness when the analysis had it) comes with the clip as .timeline.json and .timeline.csv, linked here when the export is done (in the ZIP of a PNG sequence).'
          : 'The timeline (per-frame numbers, with faithfulness when the analysis had it) is saved beside the clip as .timeline.json and .timeline.csv.'),
        this.progress, this.status, this.sidecars,
        h('div', { class: 'actions' }, this.cancelBtn, this.startBtn),
      ));
  }

  open(ctx: ExportContext): void {
    this.ctx = ctx;
    this.from.value = ctx.fromS.toFixed(2);
    this.to.value = ctx.toS.toFixed(2);
    this.sbs.checked = ctx.view.sideBySide;
    this.progress.value = 0;
    this.status.textContent = '';
    this.status.removeAttribute('data-path');
    this.sidecars.hidden = true;
    this.sidecars.replaceChildren();
    delete this.sidecars.dataset.json;
    delete this.sidecars.dataset.csv;
    this.status.dataset.state = 'idle';
    (this.el.querySelector('[data-testid=export-view]') as HTMLElement).textContent =
      `Colour map ${ctx.view.colormap}, opacity ${Math.round(ctx.view.opacity * 100)} %, threshold ${Math.round(ctx.view.threshold * 100)} %, ${ctx.view.scale === 'clip' ? 'one scale for the clip' : 'per-frame scale'} (as in the player).`;
    this.startBtn.disabled = false;
    this.cancelBtn.textContent = 'Close';
    this.el.hidden = false;
  }

  close(): void {
    this.el.hidden = true;
  }

  private async start(): Promise<void> {
    const c = this.ctx;
    if (!c) return;
    const fromS = Number(this.from.value);
    const toS = Number(this.to.value);
    if (!(toS > fromS)) {
      // (said in the dialog: the window's banner is behind it)
      this.status.dataset.state = 'error';
      this.status.textContent = `The export range is empty: ${fmtTime(fromS)} to ${fmtTime(toS)}. Set To after From.`;
      return;
    }
    const format = this.format.value as ExportFormat;
    this.startedFormat = format;
    this.startBtn.disabled = true;
    this.status.dataset.state = 'running';
    this.sidecars.hidden = true;
    this.status.textContent = 'starting…';
    this.off?.();
    this.off = this.host.onEvent((e) => this.onEvent(e));
    try {
      const { jobId } = await this.host.call('export.start', {
        jobId: c.jobId, format, fromS, toS, colormap: c.view.colormap, opacity: c.view.opacity, threshold: c.view.threshold, scale: c.view.scale,
        mapIndex: c.view.mapIndex, sideBySide: this.sbs.checked, between: this.between.value as 'nearest' | 'blend',
      });
      this.jobId = jobId;
      this.cancelBtn.textContent = 'Cancel';
      const end = this.endings.take(jobId);
      if (end) this.onEvent(end);
    } catch (e) {
      this.finish('error', null, e);
    }
  }

  private onEvent(e: ServiceEvent): void {
    this.endings.note(e);
    if (!('jobId' in e) || e.jobId !== this.jobId) return;
    if (e.type === 'job.progress') {
      const p = e as JobProgressEvent;
      this.progress.value = p.total > 0 ? p.done / p.total : 0;
      this.status.textContent = `exporting: frame ${p.done} of ${p.total}`;
    } else if (e.type === 'job.done') {
      this.progress.value = 1;
      this.finish('done', e.export);
    } else if (e.type === 'job.error') {
      this.finish('error', null, e.error);
    } else if (e.type === 'job.cancelled') {
      this.finish('cancelled');
    }
  }

  /** `error`: why it failed, said in the dialog and left in the window's banner (under 'Export', cleared by the next export that succeeds) */
  private finish(state: 'done' | 'error' | 'cancelled', result?: ExportResult | null, error?: unknown): void {
    this.jobId = null;
    this.off?.();
    this.off = null;
    this.startBtn.disabled = false;
    this.cancelBtn.textContent = 'Close';
    this.status.dataset.state = state;
    if (state === 'done' && result) {
      this.onSettle?.('Export');
      this.status.dataset.path = result.path;
      this.status.textContent = `Saved ${result.name} (${(result.sizeBytes / 1e6).toFixed(2)} MB): ${result.path}`;
      if (result.sidecars) {
        this.sidecars.dataset.json = result.sidecars.json;
        this.sidecars.dataset.csv = result.sidecars.csv;
      }
      if (this.host.downloadUrl(result.download) !== null) this.showLinks(exportLinks(result, this.startedFormat === 'png'));
      else if (result.sidecars) {
        this.sidecars.hidden = false;
        this.sidecars.textContent = `Timeline beside it: ${result.sidecars.json} and ${result.sidecars.csv}`;
      }
      void this.host.deliver({ download: result.download, name: result.name }).catch((e) => this.onError(e));
    } else if (state === 'cancelled') this.status.textContent = 'Export cancelled.';
    else if (state === 'error') {
      this.status.textContent = error === undefined ? 'Export failed.' : `Export failed: ${toErrorInfo(error).message}`;
      if (error !== undefined) this.onError(error, 'Export');
    }
  }

  /** The browser: a link for each file of the export, what it is on the left (the clip downloads by itself as well). */
  private showLinks(links: ExportLink[]): void {
    const what: Record<ExportLink['part'], string> = {
      clip: this.startedFormat === 'png' ? 'Frames + timeline (ZIP)' : 'Clip',
      json: 'Timeline (JSON)',
      csv: 'Timeline (CSV)',
    };
    const rows = links.map((l) => {
      const url = this.host.downloadUrl(l.download);
      if (url === null) return null;
      return h('li', {},
        h('span', { class: 'hint' }, what[l.part]),
        h('a', {
          href: url, download: l.name, 'data-testid': `export-download-${l.part}`,
          title: l.part === 'clip' ? 'Your browser downloads it by itself: this link is for when it asked first or blocked it' : `Download ${l.name}`,
        }, ...breakable(l.name)));
    });
    this.sidecars.replaceChildren(h('ul', { class: 'export-links', 'aria-label': 'Download' }, ...rows));
    this.sidecars.hidden = false;
  }

  private async cancelOrClose(): Promise<void> {
    if (this.jobId) {
      await this.host.call('job.cancel', { jobId: this.jobId }).catch((e) => this.onError(e));
      return;
    }
    this.close();
  }
}
