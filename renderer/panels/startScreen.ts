// The start screen: open a file (dialog, file input, drop, or in the browser mode a path on this
// computer), the catalogue's sample clip, and the recent files.
import type { RecentFile } from '../../src/contract/index.js';
import type { Host } from '../host/Host.js';
import { h } from '../ui/dom.js';
import { recentKind } from './recentKind.js';

export interface StartActions {
  openDialog(): void;
  openPath(path: string): void;
  openSample(): void;
}

export class StartScreen {
  readonly el: HTMLElement;
  private readonly recent: HTMLElement;

  constructor(host: Host, private readonly actions: StartActions) {
    this.recent = h('ul', { class: 'recent', 'data-testid': 'recent-list' });
    const pathInput = h('input', { type: 'text', placeholder: '/path/to/clip.mp4 or scan.nii.gz', 'data-testid': 'open-path-input', 'aria-label': 'Path of a file on this computer' });
    const pathForm = h('form', { class: 'path-form', onsubmit: (ev: Event) => { ev.preventDefault(); if (pathInput.value.trim()) actions.openPath(pathInput.value.trim()); } },
      pathInput, h('button', { type: 'submit', 'data-testid': 'open-path' }, 'Open path'));
    this.el = h('section', { class: 'start', 'data-testid': 'start-screen' },
      h('div', { class: 'start-card' },
        h('h1', {}, 'See where the network looks'),
        h('p', { class: 'lead' }, 'Open an image, a video or a 3-D scan (NIfTI, DICOM) to see its attention (L2-CAF, Grad-CAM, CAM), frame by frame or slice by slice, scrub the attention timeline and export annotated clips and maps.'),
        h('div', { class: 'start-actions' },
          h('button', { class: 'primary big', 'data-testid': 'open-file', onclick: () => actions.openDialog() }, 'Open image, video or scan…'),
          h('button', { class: 'big', 'data-testid': 'open-sample', onclick: () => actions.openSample() }, 'Open the sample clip'),
        ),
        h('p', { class: 'hint' }, host.kind === 'electron' ? 'or drop a file on the window' : 'or drop a file on the page, or type a path on this computer:'),
        host.kind === 'web' ? pathForm : null,
        h('h3', {}, 'Recent'),
        this.recent,
      ));
  }

  setRecent(list: RecentFile[]): void {
    this.recent.replaceChildren(
      ...(list.length
        ? list.map((r) => h('li', {}, h('button', { class: 'link', 'data-testid': 'recent-item', title: r.path, onclick: () => this.actions.openPath(r.path) }, r.name), h('span', { class: 'hint' }, ` ${recentKind(r)}`)))
        : [h('li', { class: 'hint' }, 'nothing yet')]),
    );
  }
}
