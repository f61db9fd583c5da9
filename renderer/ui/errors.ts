// Readable errors in the window: a banner stack at the top. Every failed call and every
// unexpected exception ends here, so the window never goes blank or silent.
import { toErrorInfo } from '../../src/contract/index.js';
import { h } from './dom.js';

export class ErrorBanner {
  readonly el: HTMLElement;

  constructor() {
    this.el = h('div', { class: 'errors', role: 'alert', 'data-testid': 'errors' });
  }

  show(e: unknown, context?: string): void {
    const info = toErrorInfo(e);
    const text = context ? `${context}: ${info.message}` : info.message;
    // the same message twice in a row is shown once
    if (this.el.lastElementChild?.getAttribute('data-message') === text) return;
    const item = h(
      'div',
      { class: `error error-${info.code}`, 'data-testid': 'error-message', 'data-message': text, 'data-code': info.code, 'data-context': context ?? '' },
      h('span', { class: 'error-text' }, text),
      h('button', { class: 'icon', title: 'Dismiss', 'aria-label': 'Dismiss', onclick: () => item.remove() }, '×'),
    );
    this.el.append(item);
    while (this.el.children.length > 4) this.el.firstElementChild?.remove();
  }

  clear(): void {
    this.el.replaceChildren();
  }

  /**
   * A run under `context` succeeded: its earlier failures no longer describe what is on screen.
   * 'Model' (a model loaded in the Model menu) also settles every model error, wherever it showed.
   * A successful analysis does not: it ran on the model kept after a failed choice, and the
   * message about that choice must stay until the user has read it or chosen again.
   */
  settle(context: string): void {
    for (const item of [...this.el.children]) {
      if (item.getAttribute('data-context') === context || (context === 'Model' && item.getAttribute('data-code') === 'model')) item.remove();
    }
  }

  /** window errors and unhandled rejections go to the banner too */
  catchGlobal(win: Window): void {
    win.addEventListener('error', (ev) => this.show(ev.error ?? ev.message));
    win.addEventListener('unhandledrejection', (ev) => this.show(ev.reason));
  }
}
