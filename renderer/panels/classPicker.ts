// A searchable class picker over the model's labels; the clip's top classes are offered first.
import { h } from '../ui/dom.js';
import { searchLabels, type ClassChoice } from './labelSearch.js';

export type { ClassChoice };

export class ClassPicker {
  readonly el: HTMLElement;
  private readonly input: HTMLInputElement;
  private readonly list: HTMLElement;
  private readonly chosenEl: HTMLElement;
  private labels: string[] = [];
  private top: ClassChoice[] = [];
  chosen: ClassChoice | null = null;

  constructor(private readonly onPick: (c: ClassChoice) => void) {
    this.input = h('input', { type: 'search', placeholder: 'Search classes…', 'data-testid': 'class-search', 'aria-label': 'Search classes' });
    this.list = h('div', { class: 'class-list', 'data-testid': 'class-list', role: 'listbox' });
    this.chosenEl = h('div', { class: 'class-chosen', 'data-testid': 'class-chosen' }, 'top class of each frame');
    this.el = h('div', { class: 'class-picker' }, h('label', {}, 'Target class'), this.chosenEl, this.input, this.list);
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
    this.chosen = c;
    // a model without labels names its classes "class #N" already (engine/targets.ts labelOf)
    this.chosenEl.textContent = c ? (c.label === `class #${c.index}` ? c.label : `${c.label} (#${c.index})`) : 'top class of each frame';
    this.chosenEl.dataset.index = c ? String(c.index) : '';
    if (c && notify) this.onPick(c);
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
