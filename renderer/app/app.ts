// The app: wires the host, the start screen, the player, the timeline, the model panel, the
// convergence view and the export dialog. It owns the current clip and the current job: a change
// of settings cancels the running job and starts another (the service reuses a finished identical
// job, and the pipeline's disk cache serves clips analysed before).
import type { JobFrameEvent, MediaDescription, ServiceEvent, VideoJobRequest } from '../../src/contract/index.js';
import type { Host, OpenedFile } from '../host/Host.js';
import { JobEndings } from '../host/jobEndings.js';
import { Player } from '../player/player.js';
import { frameSpan, TimelineData } from '../timeline/timelineData.js';
import { TimelineView } from '../timeline/timelineView.js';
import { EvalTracksView } from '../timeline/evalTracksView.js';
import { FramePanel } from '../panels/framePanel.js';
import { ModelPanel, type AnalysisSettings } from '../panels/modelPanel.js';
import { ExportDialog } from '../panels/exportDialog.js';
import { ConvergenceView } from '../panels/convergenceView.js';
import type { ShownMap } from '../panels/convergenceText.js';
import { limitRequest, solverRequest } from '../panels/solverChoice.js';
import { StartScreen } from '../panels/startScreen.js';
import { JobBar } from '../panels/jobBar.js';
import { ErrorBanner } from '../ui/errors.js';
import { h } from '../ui/dom.js';
import { mountVolumeView, type VolumeView } from '../volume/index.js';
import { colormapNames } from '../../src/media/colormaps.js';
import { predictionLine } from '../timeline/predictionText.js';
import { solvesPhrase } from '../panels/solvesPhrase.js';

export class App {
  private readonly errors = new ErrorBanner();
  private readonly player: Player;
  private readonly timeline: TimelineView;
  private readonly evalTracks: EvalTracksView;
  private readonly framePanel: FramePanel;
  private readonly panel: ModelPanel;
  private readonly exporter: ExportDialog;
  private readonly convergence: ConvergenceView;
  private readonly start: StartScreen;
  private readonly jobBar: JobBar;
  private readonly workspace: HTMLElement;
  private readonly volumeRoot: HTMLElement;
  private readonly fileInput: HTMLInputElement;
  private media: MediaDescription | null = null;
  private data: TimelineData | null = null;
  private jobId: string | null = null;
  /** the analyses of the clip on screen (closed when another clip opens) */
  private readonly clipJobs = new Set<string>();
  /** binary fetches under way: a job is closed (its binaries released) only once they are over */
  private readonly fetches = new Set<Promise<unknown>>();
  /** an analysis can end before video.start answers */
  private readonly endings = new JobEndings();
  private jobState: 'running' | 'done' | 'error' | 'cancelled' | 'idle' = 'idle';
  private volume: VolumeView | null = null;
  private restartTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly root: HTMLElement, private readonly host: Host) {
    const showError = (e: unknown, ctx?: string) => this.errors.show(e, ctx);
    this.player = new Player(showError);
    this.timeline = new TimelineView((t) => this.player.seek(t));
    this.evalTracks = new EvalTracksView((t) => this.player.seek(t));
    this.timeline.attachBelow(this.evalTracks.canvas);
    this.framePanel = new FramePanel();
    this.player.onTime((t) => {
      this.timeline.setTime(t);
      this.evalTracks.setTime(t);
      this.framePanel.setTime(t);
      this.showFrameState();
    });
    this.panel = new ModelPanel(host, (s) => this.settingsChanged(s), showError, () => this.errors.settle('Model'));
    this.exporter = new ExportDialog(host, showError, (ctx) => this.errors.settle(ctx));
    this.convergence = new ConvergenceView(host, () => this.currentFrame(), () => this.shownMap(), showError);
    this.start = new StartScreen(host, {
      openDialog: () => void this.openDialog(),
      openPath: (p) => void this.openPath({ path: p, name: p.split(/[\\/]/).pop() ?? p }),
      openSample: () => void this.openSample(),
    });
    // a scan's attention job runs in the volume view: the header's Cancel reaches it
    this.jobBar = new JobBar(() => void (this.volume ? this.volume.cancel() : this.cancelJob()));
    this.fileInput = h('input', { type: 'file', accept: 'video/*,.mp4,.webm,.mkv,.mov,.avi,.gif,.nii,.gz,.dcm', hidden: true, 'data-testid': 'file-input' });
    this.fileInput.addEventListener('change', () => {
      const files = this.fileInput.files;
      if (files?.length) void this.openFrom(() => this.host.openDropped(files));
      this.fileInput.value = '';
    });

    const viewControls = this.viewControls();
    this.workspace = h('div', { class: 'workspace', hidden: true, 'data-testid': 'workspace' },
      h('div', { class: 'main-col' }, this.player.el, viewControls, this.timeline.el),
      h('aside', { class: 'side-col' }, this.panel.el, this.framePanel.el, this.convergence.el),
    );
    this.volumeRoot = h('div', { class: 'volume-root', hidden: true, 'data-testid': 'volume-root' });
    const header = h('header', { class: 'top' },
      h('div', { class: 'brand' }, h('strong', {}, 'L2-CAF Studio'), h('span', { class: 'clip-name', 'data-testid': 'clip-name' })),
      h('div', { class: 'top-actions' },
        h('button', { 'data-testid': 'header-open', onclick: () => void this.openDialog() }, 'Open…'),
        h('button', { 'data-testid': 'header-home', title: 'Back to the start screen: open another file, the sample, a recent file', onclick: () => this.showStart() }, 'Home'),
      ),
      this.jobBar.el,
    );
    root.replaceChildren(header, this.errors.el, h('main', {}, this.start.el, this.workspace, this.volumeRoot), this.exporter.el, this.fileInput);
    this.errors.catchGlobal(window);
    host.onEvent((e) => this.onEvent(e));
    this.bindKeys();
    this.bindDrop();
  }

  async init(): Promise<void> {
    try {
      const [list, recent] = await Promise.all([this.host.call('models.list', {}), this.host.call('recent.list', {})]);
      this.start.setRecent(recent);
      await this.panel.init(list);
    } catch (e) {
      this.errors.show(e, 'Starting');
      return;
    }
    // `npm start -- --sample` (or `l2caf serve --sample`): straight to the sample clip with the default model.
    if (location.hash === '#sample') await this.openSample();
  }

  private viewControls(): HTMLElement {
    const cm = h('select', { 'data-testid': 'colormap', 'aria-label': 'Colour map' }, ...colormapNames.map((n) => h('option', { value: n }, n)));
    const op = h('input', { type: 'range', min: '0', max: '1', step: '0.05', value: '0.5', 'data-testid': 'opacity', 'aria-label': 'Opacity' });
    const th = h('input', { type: 'range', min: '0', max: '0.95', step: '0.05', value: '0', 'data-testid': 'threshold', 'aria-label': 'Threshold' });
    const sc = h('select', { 'data-testid': 'scale', 'aria-label': 'Scale' }, h('option', { value: 'frame' }, 'per-frame scale'), h('option', { value: 'clip' }, 'per-clip scale'));
    const sbs = h('input', { type: 'checkbox', 'data-testid': 'side-by-side' });
    const play = h('button', { class: 'clip-only', 'data-testid': 'play', title: 'Play/pause (space)', onclick: () => this.player.togglePlay() }, 'Play');
    this.player.video.addEventListener('play', () => (play.textContent = 'Pause'));
    this.player.video.addEventListener('pause', () => (play.textContent = 'Play'));
    const apply = () => {
      const view = { colormap: cm.value, opacity: Number(op.value), threshold: Number(th.value), scale: sc.value as 'frame' | 'clip', sideBySide: sbs.checked };
      this.player.setView(view);
      this.timeline.colormap = view.colormap;
      this.timeline.scale = view.scale;
      this.timeline.invalidate();
      this.evalTracks.mapIndex = this.framePanel.mapIndex = this.timeline.mapIndex = this.player.view.mapIndex;
      this.evalTracks.invalidate();
      this.framePanel.invalidate();
    };
    for (const el of [cm, op, th, sc, sbs]) el.addEventListener('input', apply);
    return h('div', { class: 'view-controls' },
      play,
      h('button', { class: 'clip-only', title: 'One frame back (←)', onclick: () => this.player.step(-1) }, '◀'),
      h('button', { class: 'clip-only', title: 'One frame on (→)', onclick: () => this.player.step(1) }, '▶'),
      h('label', {}, 'Colours ', cm),
      h('label', { title: 'The tint where attention is highest; lower attention is tinted less' }, 'Opacity ', op),
      h('label', { title: 'Attention below this (of the map\'s range) is not tinted' }, 'Threshold ', th),
      sc,
      h('label', {}, sbs, ' side by side'),
      h('span', { class: 'spacer' }),
      // kept together: on a narrow window the group wraps as one
      h('span', { class: 'control-group' },
        h('button', { class: 'clip-only', 'data-testid': 'mark-in', title: 'Mark in (I)', onclick: () => this.mark('in') }, 'In'),
        h('button', { class: 'clip-only', 'data-testid': 'mark-out', title: 'Mark out (O)', onclick: () => this.mark('out') }, 'Out'),
        h('button', { class: 'primary', 'data-testid': 'open-export', onclick: () => this.openExport() }, 'Export…'),
      ),
    );
  }

  private mark(which: 'in' | 'out'): void {
    const t = this.player.position;
    if (which === 'in') this.timeline.inMark = t;
    else this.timeline.outMark = t;
    if (this.timeline.inMark !== null && this.timeline.outMark !== null && this.timeline.outMark < this.timeline.inMark) {
      [this.timeline.inMark, this.timeline.outMark] = [this.timeline.outMark, this.timeline.inMark];
    }
    this.timeline.invalidate();
  }

  private openExport(): void {
    if (!this.jobId || !this.media || !this.data?.known().length) {
      this.errors.show(new Error('nothing to export yet: open a clip and wait for analysed frames'));
      return;
    }
    this.exporter.open({
      jobId: this.jobId,
      fromS: this.timeline.inMark ?? 0,
      toS: this.timeline.outMark ?? this.player.duration,
      view: this.player.view,
      clipName: this.media.name,
    });
  }

  private currentFrame() {
    const slot = this.player.shownSlot;
    if (!this.jobId || slot === null) return null;
    const jobId = this.jobId;
    const mapIndex = this.player.view.mapIndex;
    return { key: `${jobId}/${slot}/${mapIndex}`, colormap: this.player.view.colormap, trace: () => this.host.call('video.trace', { jobId, slot, mapIndex }) };
  }

  /** how the map on screen was solved (what the convergence panel can say without a replay) */
  private shownMap(): ShownMap | null {
    const slot = this.player.shownSlot;
    const d = this.data;
    const f = slot === null ? undefined : d?.frames[slot];
    const mapIndex = Math.min(this.player.view.mapIndex, Math.max(0, (d?.mapCount ?? 1) - 1));
    const info = d?.mapInfo[mapIndex];
    if (!f || !info) return null;
    const m = f.maps?.[mapIndex];
    return {
      solver: info.solver,
      iterations: m?.iterations ?? f.iterations,
      ...(m?.start ? { start: m.start } : {}),
      ...(m?.adamPasses ? { adamPasses: m.adamPasses } : {}),
      ...(m?.stop ? { stop: m.stop } : {}),
      optimiser: this.request()?.preset === 'paper' ? 'adam' : 'lbfgs',
    };
  }

  /** what follows the analysed frame on screen: its prediction, and the convergence panel's state */
  private showFrameState(): void {
    const slot = this.player.shownSlot;
    this.timeline.setPrediction(predictionLine(slot === null ? null : this.data?.frames[slot]));
    this.convergence.update();
  }

  private bindKeys(): void {
    document.addEventListener('keydown', (ev) => {
      const t = ev.target as HTMLElement | null;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA')) return;
      if (this.workspace.hidden || ev.ctrlKey || ev.metaKey || ev.altKey) return;
      const k = ev.key.toLowerCase();
      if (k === ' ') this.player.togglePlay();
      else if (k === 'arrowleft') this.player.step(-1);
      else if (k === 'arrowright') this.player.step(1);
      else if (k === 'j' || k === 'k' || k === 'l') this.player.shuttle(k);
      else if (k === 'i') this.mark('in');
      else if (k === 'o') this.mark('out');
      else return;
      ev.preventDefault();
    });
  }

  private bindDrop(): void {
    window.addEventListener('dragover', (ev) => {
      ev.preventDefault();
      document.body.classList.add('dragging');
    });
    window.addEventListener('dragleave', () => document.body.classList.remove('dragging'));
    window.addEventListener('drop', (ev) => {
      ev.preventDefault();
      document.body.classList.remove('dragging');
      const files = ev.dataTransfer?.files;
      if (files?.length) void this.openFrom(() => this.host.openDropped(files));
    });
  }

  private async openDialog(): Promise<void> {
    if (this.host.kind === 'web') {
      this.fileInput.click();
      return;
    }
    await this.openFrom(() => this.host.openFile({ kind: 'any' }));
  }

  private async openFrom(get: () => Promise<OpenedFile | null>): Promise<void> {
    try {
      const f = await get();
      if (f) await this.openPath(f);
    } catch (e) {
      this.errors.show(e, 'Opening');
    }
  }

  private async openPath(f: OpenedFile): Promise<void> {
    this.jobBar.set('idle', `opening ${f.name}…`);
    try {
      const media = await this.host.call('media.open', { path: f.path });
      // an upload is stored under a fresh name: show the one the user picked
      await this.showMedia({ ...media, name: f.name });
    } catch (e) {
      this.jobBar.set('idle', 'idle');
      this.errors.show(e, `Opening ${f.name}`);
    }
  }

  private async openSample(): Promise<void> {
    this.jobBar.set('running', 'getting the sample clip…');
    try {
      const s = await this.host.call('media.sample', {});
      this.jobBar.set('idle', 'idle');
      await this.showMedia(s.media);
    } catch (e) {
      this.jobBar.set('idle', 'idle');
      this.errors.show(e, 'Sample');
    }
  }

  private async showMedia(media: MediaDescription): Promise<void> {
    await this.cancelJob();
    this.jobId = null; // the previous clip's events are not this clip's
    // the service keeps finished analyses until they are closed (switching a setting back reuses
    // one at once); another clip closes the previous clip's, once the maps being fetched from them
    // have arrived (closing releases them: a fetch under way would fail)
    const closing = [...this.clipJobs];
    this.clipJobs.clear();
    void Promise.allSettled([...this.fetches]).then(() => {
      for (const jobId of closing) void this.host.call('job.close', { jobId }).catch(() => {});
    });
    this.volume?.dispose();
    this.volume = null;
    // a class picked for one file is rarely the next one's (a cat picture, then a street clip): a
    // new file targets each frame's top-1 until a class is picked for it
    if (this.media?.path !== media.path) this.panel.resetTarget();
    this.media = media;
    (this.root.querySelector('[data-testid=clip-name]') as HTMLElement).textContent = media.name;
    this.start.el.hidden = true;
    for (const w of media.warnings) this.errors.show(new Error(w), media.name);
    if (media.kind === 'volume') {
      this.workspace.hidden = true;
      this.volumeRoot.hidden = false;
      this.volume = mountVolumeView(this.volumeRoot, this.host, {
        media, showError: (e, ctx) => this.errors.show(e, ctx), settle: (ctx) => this.errors.settle(ctx),
        onStatus: (text, state, f) => this.jobBar.set(state, text, f),
      });
      return;
    }
    this.volumeRoot.hidden = true;
    this.workspace.hidden = false;
    // a picture opens as a one-frame clip: what only moves through a clip is hidden (styles.css)
    this.root.dataset.still = String(media.video?.frameCount === 1);
    this.timeline.inMark = this.timeline.outMark = null;
    this.data = null;
    this.player.setTimeline(null);
    this.showData(null, media.video?.durationS ?? 0);
    const playable = media.video?.playable !== false;
    this.player.setNote(null);
    this.player.load(playable ? this.host.mediaUrl(media.mediaId) : null, media);
    if (!playable) void this.playProxy(media);
    void this.host.call('recent.list', {}).then((r) => this.start.setRecent(r), () => {});
    await this.startJob();
  }

  /** A clip the browser cannot play: the service makes a playable copy, shown when it is ready. */
  private async playProxy(media: MediaDescription): Promise<void> {
    this.player.setNote(`${media.video?.codec ?? 'this codec'} does not play in a browser: making a playable copy…`);
    try {
      const copy = await this.host.call('media.proxy', { mediaId: media.mediaId });
      if (this.media !== media) return;
      this.player.setNote(null);
      this.player.load(this.host.mediaUrl(copy.mediaId), media);
    } catch (e) {
      if (this.media !== media) return;
      this.player.setNote(null);
      this.errors.show(e, media.name);
    }
  }

  private showStart(): void {
    this.workspace.hidden = true;
    this.volumeRoot.hidden = true;
    this.start.el.hidden = false;
    void this.host.call('recent.list', {}).then((r) => this.start.setRecent(r), () => {});
  }

  private settingsChanged(_s: AnalysisSettings): void {
    if (!this.media || this.media.kind !== 'video') return;
    // several quick changes (typing a stride) start one job
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => void this.startJob(), 250);
  }

  private request(): VideoJobRequest | null {
    const m = this.media;
    if (!m || m.kind !== 'video') return null;
    const s = this.panel.settings;
    const classSpecific = s.method !== 'l2caf';
    return {
      file: m.path,
      ...(s.model ? { model: s.model } : {}),
      ...(s.layer ? { layer: s.layer } : {}),
      methods: [s.method],
      classes: classSpecific && s.targetClass ? [s.targetClass.index] : [],
      ...solverRequest(s.solver),
      ...limitRequest(s.solver, s.maxIterations),
      warmStart: s.warmStart,
      stride: s.stride,
      ...(s.evalOn ? { eval: { steps: s.evalSteps } } : {}),
    };
  }

  private async startJob(): Promise<void> {
    const req = this.request();
    if (!req) return;
    await this.cancelJob();
    // from here the cancelled job's late frames are not drawn into the new job's timeline
    this.jobId = null;
    this.data = new TimelineData();
    this.data.frameSpanS = frameSpan(req.stride, this.media?.video?.fps ?? 0);
    this.root.dataset.frames = '0';
    this.player.setTimeline(this.data);
    this.timeline.range = null;
    this.showData(this.data, this.media?.video?.durationS ?? 0);
    this.jobBar.set('running', 'starting the analysis…', 0);
    try {
      const { jobId, cached } = await this.host.call('video.start', req);
      this.clipJobs.add(jobId);
      this.jobId = jobId;
      this.jobState = 'running';
      this.root.dataset.jobId = jobId;
      const end = this.endings.take(jobId);
      if (cached) await this.loadTimeline(jobId, true);
      else if (end) this.onEvent(end);
    } catch (e) {
      this.jobState = 'error';
      this.jobBar.set('error', 'the analysis could not start');
      this.errors.show(e, 'Analysis');
    }
  }

  private async cancelJob(): Promise<void> {
    const id = this.jobId;
    if (!id || this.jobState !== 'running') return;
    this.jobState = 'cancelled';
    this.jobBar.set('cancelled', 'cancelled');
    await this.host.call('job.cancel', { jobId: id }).catch((e) => this.errors.show(e, 'Cancel'));
  }

  /** the complete timeline (a finished job) in one binary fetch */
  private async loadTimeline(jobId: string, finished: boolean): Promise<void> {
    try {
      const view = await this.host.call('video.timeline', { jobId });
      if (jobId !== this.jobId) return;
      const all = view.maps ? new Float32Array(await this.fetchBinary(view.maps)) : null;
      if (jobId !== this.jobId) return;
      this.data = TimelineData.fromView(view, all);
      this.root.dataset.frames = String(this.data.known().length);
      this.player.setTimeline(this.data);
      this.showData(this.data, view.video.durationS);
      const known = this.data.known();
      if (known.length) this.timeline.range = { fromS: view.settings.fromS ?? known[0]!.timeS, toS: view.settings.toS ?? view.video.durationS };
      this.panel.setTopClasses(this.data.topClasses(5));
      if (finished) {
        this.jobState = 'done';
        const s = view.summary;
        this.jobBar.set('done', `done: ${view.frames.length} frame${view.frames.length === 1 ? '' : 's'}${s ? `, ${s.fps.toFixed(1)} frames/s${solvesPhrase(s.solves)}` : ''}`, 1);
        this.errors.settle('Analysis');
        for (const w of view.warnings ?? []) this.errors.show(new Error(w), 'Analysis');
      }
    } catch (e) {
      if (jobId === this.jobId) this.errors.show(e, 'Timeline');
    }
  }

  /** host.fetchBinary, tracked so that closing a job waits for it */
  private fetchBinary(ref: Parameters<Host['fetchBinary']>[0]): Promise<ArrayBuffer> {
    const p = this.host.fetchBinary(ref);
    this.fetches.add(p);
    const done = () => this.fetches.delete(p);
    p.then(done, done);
    return p;
  }

  /** The timeline, the faithfulness tracks and the per-frame panel draw the same data. */
  private showData(d: TimelineData | null, durationS: number): void {
    this.timeline.setData(d, durationS);
    this.evalTracks.setData(d, durationS);
    this.framePanel.setData(d);
  }

  private onEvent(e: ServiceEvent): void {
    this.endings.note(e);
    // the sample's download runs under its own id while media.sample is pending
    if (e.type === 'job.progress' && e.kind === 'sample') {
      const mb = (n: number) => (n / 1e6).toFixed(1);
      this.jobBar.set('running', `${e.stage}: ${mb(e.done)} of ${mb(e.total)} MB`, e.total ? e.done / e.total : 0);
      return;
    }
    if (!('jobId' in e) || e.jobId !== this.jobId) return;
    switch (e.type) {
      case 'job.progress':
        if (this.jobState === 'running') {
          // (progress events are throttled, frames are not: the count never lags the timeline's)
          const done = Math.min(e.total || Infinity, Math.max(e.done, this.data?.known().length ?? 0));
          this.jobBar.set('running', `analysing: ${done}/${e.total} frames${e.fps ? `, ${e.fps.toFixed(1)}/s` : ''}${e.etaS != null ? `, ${Math.ceil(e.etaS)} s left` : ''}`, e.total ? done / e.total : 0);
        }
        break;
      case 'job.frame':
        void this.addFrame(e);
        break;
      case 'job.done':
        void this.loadTimeline(e.jobId, true);
        break;
      case 'job.error':
        this.jobState = 'error';
        this.jobBar.set('error', 'the analysis failed');
        this.errors.show(e.error, 'Analysis');
        break;
      case 'job.cancelled':
        this.jobState = 'cancelled';
        this.jobBar.set('cancelled', `cancelled after ${this.data?.known().length ?? 0} frame${this.data?.known().length === 1 ? '' : 's'}`);
        break;
    }
  }

  private async addFrame(e: JobFrameEvent): Promise<void> {
    const data = this.data;
    try {
      const buf = new Float32Array(await this.fetchBinary(e.maps));
      if (data !== this.data || !data || e.jobId !== this.jobId) return;
      const [, , hgt, wid] = e.maps.shape as [number, number, number, number];
      data.addFrame(e.frame, buf, e.mapInfo, wid, hgt);
      this.root.dataset.frames = String(data.known().length);
      if (!this.timeline.range) this.timeline.range = { fromS: e.frame.timeS, toS: this.media?.video?.durationS ?? 0 };
      this.timeline.invalidate();
      this.evalTracks.invalidate();
      this.framePanel.invalidate();
      this.player.refresh();
      if (e.frame.slot % 10 === 0) this.panel.setTopClasses(data.topClasses(5));
    } catch (err) {
      // (a job no longer on screen: nothing to say)
      if (data === this.data && e.jobId === this.jobId) this.errors.show(err, 'Frame');
    }
  }
}
