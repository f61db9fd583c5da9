// A searchable class picker over the model's labels; the clip's top classes are offered first.
// With no class chosen the target is each frame's top-1: the same default as `l2caf video`
// without --class, so the app and the CLI draw the same maps for the same settings.
import { h } from '../ui/dom.js';
import { searchLabels, type ClassChoice } from './labelSearch.js';

export type { ClassChoice };

/** What the picker says when no class is chosen (shown, so the default is never a silent pick). */
export const EACH_FRAME_TOP1 = "each frame's top-1 class (default)";

export class ClassPicker {
  readonly el: HTMLElement;
  private readonly input: HTMLInputElement;
  private readonly list: HTMLElement;
  private readonly chosenEl: HTMLElement;
  private readonly resetBtn: HTMLButtonElement;
  private labels: string[] = [];
  private top: ClassChoice[] = [];
  chosen: ClassChoice | null = null;

  /** onPick(null): back to each frame's top-1 */
  constructor(private readonly onPick: (c: ClassChoice | null) => void) {
    this.input = h('input', { type: 'search', placeholder: 'Search classes…', 'data-testid': 'class-search', 'aria-label': 'Search classes' });
    this.list = h('div', { class: 'class-list', 'data-testid': 'class-list', role: 'listbox' });
    this.chosenEl = h('div', { class: 'class-chosen', 'data-testid': 'class-chosen', 'data-index': '' }, EACH_FRAME_TOP1);
    this.resetBtn = h('button', { class: 'link', hidden: true, 'data-testid': 'class-reset', title: 'Target each frame\'s top-1 class again', onclick: () => this.choose(null) }, 'use each frame\'s top-1');
    this.el = h('div', { class: 'class-picker' }, h('label', {}, 'Target class'), this.chosenEl, this.resetBtn, this.input, this.list);
    this.input.addEventListener('input', () => this.renderList());
  }

  setLabels(labels: string[] | null): void {
    this.labels = labels ?? [];
    this.renderList();
  }

  /** the clip's top classes (from the analysed frames' predictions) */
  setTop(top: ClassChoice[]): void {
    this.top = top;
    this.renderList();
  }

  choose(c: ClassChoice | null, notify = true): void {
    const changed = c?.index !== this.chosen?.index;
    this.chosen = c;
    // a model without labels names its classes "class #N" already (engine/targets.ts labelOf)
    this.chosenEl.textContent = c ? (c.label === `class #${c.index}` ? c.label : `${c.label} (#${c.index})`) : EACH_FRAME_TOP1;
    this.chosenEl.dataset.index = c ? String(c.index) : '';
    this.resetBtn.hidden = c === null;
    if (notify && changed) this.onPick(c);
  }

  private renderList(): void {
    const q = this.input.value;
    const items = q ? searchLabels(this.labels, q) : this.top;
    const heading = q ? (items.length ? null : 'no class matches') : items.length ? 'top classes in this clip' : null;
    this.list.replaceChildren(
      ...(heading ? [h('div', { class: 'class-heading' }, heading)] : []),
      ...items.map((c) =>
        h('button', { class: 'class-item', role: 'option', 'data-testid': 'class-item', 'data-index': String(c.index), onclick: () => { this.input.value = ''; this.choose(c); this.renderList(); } }, c.label),
      ),
    );
  }
}
