// The status of the running job: stage, progress, speed, and a Cancel button.
import type { JobState } from '../../src/contract/index.js';
import { h } from '../ui/dom.js';

export class JobBar {
  readonly el: HTMLElement;
  private readonly text: HTMLElement;
  private readonly bar: HTMLProgressElement;
  private readonly cancel: HTMLButtonElement;

  constructor(onCancel: () => void) {
    this.text = h('span', { class: 'job-text', 'data-testid': 'job-status' }, 'idle');
    this.bar = h('progress', { max: 1, value: 0, 'data-testid': 'job-progress' });
    this.cancel = h('button', { 'data-testid': 'job-cancel', disabled: true, onclick: onCancel }, 'Cancel');
    this.el = h('div', { class: 'job-bar', 'data-testid': 'job-bar' }, this.text, this.bar, this.cancel);
    this.set('idle', 'idle');
  }

  set(state: JobState | 'idle', text: string, fraction?: number): void {
    this.text.textContent = text;
    // the line is cut to fit the header: the whole of it on hover
    this.text.title = text;
    this.text.dataset.state = state;
    this.el.dataset.state = state;
    if (fraction !== undefined) this.bar.value = Math.max(0, Math.min(1, fraction));
    if (state === 'done') this.bar.value = 1;
    this.cancel.disabled = state !== 'running';
  }
}
