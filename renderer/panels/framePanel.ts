// The per-frame panel: for the analysed frame under the playhead, the selected map's faithfulness
// (target score, deletion/insertion AUC, confidence drop, increase) and its own numbers (flicker,
// entropy, iterations), with the frame flagged when the clip summary flags it. Hidden when the job
// ran without eval. Each value also sits in data-value, so a test reads the number, not the text.
import { h, fmtTime } from '../ui/dom.js';
import type { TimelineData } from '../timeline/timelineData.js';
import { flagsOf, hasEval, panelRows, seriesSummary } from '../timeline/evalTracks.js';
import { perAnimationFrame } from '../timeline/trackCanvas.js';

export class FramePanel {
  readonly el: HTMLElement;
  private readonly title: HTMLElement;
  private readonly body: HTMLElement;
  private readonly flag: HTMLElement;
  private data: TimelineData | null = null;
  private time = 0;
  /** what is on screen (slot, map): the rows are rebuilt only when it changes */
  private shownKey = '';
  mapIndex = 0;

  constructor() {
    this.title = h('div', { class: 'hint', 'data-testid': 'frame-panel-title' });
    this.flag = h('div', { class: 'frame-flag', hidden: true, 'data-testid': 'frame-panel-flag' });
    this.body = h('dl', { class: 'frame-metrics', 'data-testid': 'frame-metrics' });
    this.el = h('section', { class: 'panel frame-panel', hidden: true, 'data-testid': 'frame-panel' },
      h('h2', {}, 'Faithfulness of this frame'), this.title, this.flag, this.body);
  }

  setData(d: TimelineData | null): void {
    this.data = d;
    this.shownKey = ''; // another timeline (a new job, or the complete one with its flags): redraw
    this.invalidate();
  }

  setTime(t: number): void {
    this.time = t;
    this.invalidate();
  }

  /** At most one update a frame: the playhead moves at the video's rate. */
  readonly invalidate = perAnimationFrame(() => this.render());

  private render(): void {
    const d = this.data;
    const mi = Math.min(this.mapIndex, Math.max(0, (d?.mapCount ?? 1) - 1));
    const slot = d ? d.slotAt(this.time) : null;
    const f = slot === null ? undefined : d?.frames[slot];
    if (!d || !f || !hasEval(d.frames, mi)) {
      this.el.hidden = true;
      this.el.dataset.slot = '';
      this.shownKey = '';
      return;
    }
    this.el.hidden = false;
    const key = `${slot}/${mi}`;
    if (key === this.shownKey) return;
    this.shownKey = key;
    this.el.dataset.slot = String(slot);
    this.el.dataset.index = String(f.index);
    const info = d.mapInfo[mi];
    this.title.textContent = `frame ${f.index} at ${fmtTime(f.timeS)}${info ? ` · ${info.method}${info.target ? ` → ${info.target.label}` : ''}` : ''}`;
    const flags = flagsOf(seriesSummary(d.evalSummary, d.mapInfo, mi), d.complete);
    const why = [flags.faithfulness.has(f.index) ? 'faithfulness falls here' : '', flags.flicker.has(f.index) ? 'the map jumps here' : ''].filter(Boolean);
    this.flag.hidden = why.length === 0;
    this.flag.textContent = why.length ? `Flagged: ${why.join('; ')}` : '';
    this.body.replaceChildren(...panelRows(f, mi).flatMap((r) => [
      h('dt', {}, r.label),
      h('dd', { 'data-testid': `frame-${r.key}`, 'data-value': r.value === null ? '' : String(r.value) }, r.text),
    ]));
  }
}
