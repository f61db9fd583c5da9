// The model panel: model (catalogue or a folder), layer (the default marked), method (L2-CAF
// class-oblivious, class-specific with the class picker, Grad-CAM, CAM), solver, iteration limit, warm start,
// stride, and faithfulness (per-frame deletion/insertion AUC and confidence drop, with its steps).
// Any change is reported at once; the app starts a new job (or reuses a finished one).
import type { AnalysisMethod, Host } from '../host/Host.js';
import { DEFAULT_EVAL_STEPS, EVAL_STEPS_RANGE, type ModelDescription, type ModelList } from '../../src/contract/index.js';
import { h, titledSelect } from '../ui/dom.js';
import { ClassPicker, type ClassChoice } from './classPicker.js';
import { iterationLimitHint, parseIterationLimit, SOLVER_CHOICES, type SolverChoice } from './solverChoice.js';

export interface AnalysisSettings {
  model: string | undefined;
  layer: string | undefined;
  method: AnalysisMethod;
  /** class label for class-specific methods; null = each frame's top-1 (the default, as in the CLI) */
  targetClass: ClassChoice | null;
  /** the solver, and for iterative solves the optimiser (solverRequest says what the job gets) */
  solver: SolverChoice;
  /** bounds each iterative solve (the CLI's --max-iterations); null = the solver's own */
  maxIterations: number | null;
  warmStart: boolean;
  stride: number;
  /** score every analysed frame's map (costs 2(steps+1)+1 forward passes per frame and map) */
  evalOn: boolean;
  evalSteps: number;
}

/** the methods as the app names them (the volume viewer's list too) */
export const METHOD_LABELS: Record<AnalysisMethod, string> = {
  l2caf: 'L2-CAF (class-oblivious)',
  'l2caf-class': 'L2-CAF (class-specific)',
  gradcam: 'Grad-CAM',
  cam: 'CAM',
};

export class ModelPanel {
  readonly el: HTMLElement;
  settings: AnalysisSettings = { model: undefined, layer: undefined, method: 'l2caf', targetClass: null, solver: 'auto', maxIterations: null, warmStart: true, stride: 5, evalOn: false, evalSteps: DEFAULT_EVAL_STEPS };
  private readonly modelSel: HTMLSelectElement;
  private readonly layerSel: HTMLSelectElement;
  private readonly methodSel: HTMLSelectElement;
  private readonly solverSel: HTMLSelectElement;
  private readonly limit: HTMLInputElement;
  private readonly warm: HTMLInputElement;
  private readonly stride: HTMLInputElement;
  private readonly evalOn: HTMLInputElement;
  private readonly evalSteps: HTMLInputElement;
  readonly picker: ClassPicker;
  private readonly pickerWrap: HTMLElement;
  private readonly info: HTMLElement;
  private description: ModelDescription | null = null;
  private folders: string[] = [];

  constructor(private readonly host: Host, private readonly onChange: (s: AnalysisSettings) => void, private readonly onError: (e: unknown, ctx?: string) => void,
    /** a model loaded: banners about models (this one failing before, or another) no longer apply */
    private readonly onLoaded: () => void = () => {},
  ) {
    this.modelSel = titledSelect(h('select', { 'data-testid': 'model-select', 'aria-label': 'Model' }));
    this.layerSel = titledSelect(h('select', { 'data-testid': 'layer-select', 'aria-label': 'Layer' }));
    this.methodSel = h('select', { 'data-testid': 'method-select', 'aria-label': 'Method' },
      ...(Object.keys(METHOD_LABELS) as AnalysisMethod[]).map((m) => h('option', { value: m }, METHOD_LABELS[m])));
    this.solverSel = h('select', { 'data-testid': 'solver-select', 'aria-label': 'Solver' },
      ...SOLVER_CHOICES.map((c) => h('option', { value: c.value, title: c.title }, c.label)));
    this.limit = h('input', { type: 'text', inputmode: 'numeric', 'data-testid': 'iteration-limit', 'aria-label': 'Iteration limit', class: 'narrow' });
    this.warm = h('input', { type: 'checkbox', checked: true, 'data-testid': 'warm-start' });
    this.stride = h('input', { type: 'number', min: '1', max: '1000', step: '1', value: String(this.settings.stride), 'data-testid': 'stride' });
    const [lo, hi] = EVAL_STEPS_RANGE;
    this.evalOn = h('input', { type: 'checkbox', 'data-testid': 'eval-on' });
    this.evalSteps = h('input', { type: 'number', min: String(lo), max: String(hi), step: '1', value: String(this.settings.evalSteps), 'data-testid': 'eval-steps', 'aria-label': 'Faithfulness steps' });
    this.picker = new ClassPicker((c) => {
      this.settings.targetClass = c;
      this.changed();
    });
    this.pickerWrap = h('div', { class: 'field picker-wrap', hidden: true }, this.picker.el);
    this.info = h('div', { class: 'model-info', 'data-testid': 'model-info' });
    const field = (label: string, el: HTMLElement) => h('label', { class: 'field' }, h('span', {}, label), el);
    // (a field that matters only for a clip: hidden for a picture, styles.css #app[data-still])
    const clipOnly = (el: HTMLElement): HTMLElement => (el.classList.add('clip-only'), el);
    this.el = h('section', { class: 'panel model-panel', 'data-testid': 'model-panel' },
      h('h2', {}, 'Analysis'),
      field('Model', this.modelSel),
      this.info,
      field('Layer', this.layerSel),
      field('Method', this.methodSel),
      this.pickerWrap,
      field('Solver', this.solverSel),
      h('label', { class: 'field inline' }, h('span', {}, 'Iteration limit'), this.limit),
      h('label', { class: 'field inline clip-only' }, this.warm, h('span', {}, 'Warm start from the previous frame')),
      clipOnly(field('Stride (every Nth frame)', this.stride)),
      h('label', { class: 'field inline', title: 'Deletion/insertion AUC and confidence drop of every analysed frame: 2(steps+1)+1 extra forward passes per frame' },
        this.evalOn, h('span', {}, 'Faithfulness, steps'), this.evalSteps),
    );
    this.modelSel.addEventListener('change', () => void this.pickModel(this.modelSel.value));
    this.layerSel.addEventListener('change', () => {
      this.settings.layer = this.layerSel.value || undefined;
      this.changed();
    });
    this.methodSel.addEventListener('change', () => this.setMethod(this.methodSel.value as AnalysisMethod));
    this.solverSel.addEventListener('change', () => {
      this.settings.solver = this.solverSel.value as SolverChoice;
      this.showLimitHint();
      this.changed();
    });
    this.limit.addEventListener('change', () => {
      let n: number | null;
      try {
        n = parseIterationLimit(this.limit.value);
      } catch (e) {
        this.limit.value = this.settings.maxIterations === null ? '' : String(this.settings.maxIterations);
        this.onError(e);
        return;
      }
      this.limit.value = n === null ? '' : String(n);
      if (n === this.settings.maxIterations) return;
      this.settings.maxIterations = n;
      this.changed();
    });
    this.showLimitHint();
    this.warm.addEventListener('change', () => {
      this.settings.warmStart = this.warm.checked;
      this.changed();
    });
    this.stride.addEventListener('change', () => {
      const n = Math.round(Number(this.stride.value));
      if (!Number.isFinite(n) || n < 1) {
        this.stride.value = String(this.settings.stride);
        this.onError(new Error('the stride must be a whole number of frames, 1 or more'));
        return;
      }
      if (n === this.settings.stride) return;
      this.settings.stride = n;
      this.changed();
    });
    this.bindEval();
  }

  /** The limit field says what empty means for the solver chosen (the exact solver has none). */
  private showLimitHint(): void {
    Object.assign(this.limit, iterationLimitHint(this.settings.solver));
    // Grad-CAM and CAM solve nothing: the L2-CAF solver's controls are off for them (kept as set)
    const noSolve = this.settings.method === 'gradcam' || this.settings.method === 'cam';
    const why = 'Grad-CAM and CAM are computed in one pass: these settings are for L2-CAF';
    this.solverSel.disabled = noSolve;
    this.warm.disabled = noSolve;
    if (noSolve) Object.assign(this.limit, { disabled: true, title: why });
    this.solverSel.title = noSolve ? why : '';
    this.warm.title = noSolve ? why : '';
  }

  private bindEval(): void {
    this.evalOn.addEventListener('change', () => {
      this.settings.evalOn = this.evalOn.checked;
      this.changed();
    });
    this.evalSteps.addEventListener('change', () => {
      const [lo, hi] = EVAL_STEPS_RANGE;
      const n = Number(this.evalSteps.value);
      if (!Number.isInteger(n) || n < lo || n > hi) {
        this.evalSteps.value = String(this.settings.evalSteps);
        this.onError(new Error(`faithfulness steps must be a whole number from ${lo} to ${hi}`));
        return;
      }
      if (n === this.settings.evalSteps) return;
      this.settings.evalSteps = n;
      // the steps matter only with faithfulness on: no new job otherwise
      if (this.settings.evalOn) this.changed();
    });
  }

  async init(list: ModelList): Promise<void> {
    this.renderModels(list);
    this.settings.model = list.defaultModel;
    this.modelSel.value = list.defaultModel;
    await this.describe(list.defaultModel);
  }

  private list: ModelList | null = null;

  private renderModels(list: ModelList): void {
    this.list = list;
    this.modelSel.replaceChildren(
      ...list.models.map((m) => h('option', { value: m.id }, `${m.name}${m.isDefault ? ' (default)' : ''}`)),
      ...this.folders.map((f) => h('option', { value: f }, `folder: ${f}`)),
      h('option', { value: '__folder__' }, 'Model folder…'),
    );
  }

  private async pickModel(value: string): Promise<void> {
    const previous = this.settings.model;
    let model = value;
    if (value === '__folder__') {
      const f = await this.host.openFile({ kind: 'model-folder' }).catch((e) => (this.onError(e), null));
      if (!f) {
        this.modelSel.value = previous ?? '';
        return;
      }
      model = f.path;
    }
    const ok = await this.describe(model);
    if (!ok) {
      this.modelSel.value = previous ?? '';
      return;
    }
    if (value === '__folder__' && !this.folders.includes(model)) {
      this.folders.push(model);
      if (this.list) this.renderModels(this.list);
    }
    this.modelSel.value = model;
    this.settings.model = model;
    this.settings.layer = undefined;
    this.settings.targetClass = null;
    this.picker.choose(null, false);
    this.changed();
  }

  /** loads layers and labels; false (with a message in the window) when the model cannot be used */
  private async describe(model: string): Promise<boolean> {
    this.info.textContent = 'loading model…';
    try {
      const d = await this.host.call('models.describe', { model });
      this.description = d;
      this.layerSel.replaceChildren(
        ...d.layers.filter((l) => l.spatial).map((l) =>
          h('option', { value: l.name, selected: l.name === d.defaultLayer }, `${l.name === d.defaultLayer ? '★ ' : ''}${l.name} [${(l.shape ?? []).filter((x) => x !== null).join('×')}]${l.name === d.defaultLayer ? ' (default)' : ''}`)),
      );
      this.picker.setLabels(d.labels);
      this.info.textContent = `${d.id} · input ${d.inputSize.join('×')} · ${d.labels ? `${d.labels.length} classes` : 'no labels'}`;
      this.onLoaded();
      for (const a of d.assumptions) this.onError(new Error(a), 'model');
      return true;
    } catch (e) {
      this.info.textContent = 'the model could not be loaded';
      this.onError(e, 'Model');
      if (this.description) this.info.textContent = `${this.description.id} (kept)`;
      return false;
    }
  }

  setMethod(m: AnalysisMethod, notify = true): void {
    this.settings.method = m;
    this.methodSel.value = m;
    this.pickerWrap.hidden = m === 'l2caf';
    this.showLimitHint();
    if (notify) this.changed();
  }

  /**
   * The clip's top classes, offered in the picker. Nothing is chosen for the user: with no class
   * the target is each frame's top-1, the rule `l2caf video` follows without --class.
   */
  setTopClasses(top: ClassChoice[]): void {
    this.picker.setTop(top);
  }

  /** Another file: class-specific maps target each frame's top-1 again (no job is started here). */
  resetTarget(): void {
    this.settings.targetClass = null;
    this.picker.choose(null, false);
    this.picker.setTop([]);
  }

  get labels(): string[] | null {
    return this.description?.labels ?? null;
  }

  private changed(): void {
    this.onChange({ ...this.settings });
  }
}
