// The volume viewer as the app mounts it (media.open answered kind 'volume'): opens the scan in the
// service, fetches its voxels by handle, shows the linked views (viewer.ts) with the controls
// (window/level, attention look, the attention job, exports) and the slice timeline.
import type { Host } from '../host/Host.js';
import type {
  AnalysisMethod, BinaryDType, JobState, MediaDescription, ServiceEvent, VolumeAxis, VolumeDescription, VolumeJobView, VolumeSliceSummary,
} from '../../src/contract/index.js';
import { colormapNames, getColormap } from '../../src/media/colormaps.js';
import { VIEW_NAMES, voxelToWorld, type ViewName } from './geometry.js';
import { el } from './style.js';
import { SliceTimeline } from './timeline.js';
import { sliceReadout } from './sliceReadout.js';
import { ConvergenceView, type ConvergenceTarget } from '../panels/convergenceView.js';
import type { ShownMap } from '../panels/convergenceText.js';
import { solvesPhrase } from '../panels/solvesPhrase.js';
import { attentionReadout, attentionScaleNote, displayAttention } from './attentionScale.js';
import { VolumeViewer } from './viewer.js';
import { JobEndings } from '../host/jobEndings.js';
import { parsePercentiles, WINDOW_PRESETS, type WindowPreset } from './windowLevel.js';
import { iterationLimitHint, limitRequest, parseIterationLimit, SOLVER_CHOICES, solverRequest, type SolverChoice } from '../panels/solverChoice.js';
import { METHOD_LABELS } from '../panels/modelPanel.js';
import { classSuggestions, layerSuggestions, modelSuggestions, type Suggestion } from './suggestions.js';

export interface VolumeViewOptions {
  media: MediaDescription;
  /** show a readable error in the window (the shell's error banner), under what failed ('Attention', 'Export', 'Scan') */
  showError: (error: unknown, context: string) => void;
  /** an attention run finished: the banner's errors about earlier runs and models are out of date */
  settle?: (context: string) => void;
  /**
   * every status line the viewer shows, for the shell's header (it said "opening NAME…" until
   * told otherwise); fraction is the progress of a running job
   */
  onStatus?: (text: string, state: JobState | 'idle', fraction?: number) => void;
}

export interface VolumeView {
  /** cancel the running attention job, if any (the header's Cancel button) */
  cancel(): void;
  dispose(): void;
}

const AXES: VolumeAxis[] = ['x', 'y', 'z'];
/** the banner's contexts: a later successful run settles the attention ones */
const ATTENTION = 'Attention';
const EXPORT = 'Export';
const FAILED: Record<string, string> = { Attention: 'the attention run failed', Export: 'the export failed', Scan: 'the scan could not be shown' };
const METHODS: AnalysisMethod[] = ['l2caf', 'l2caf-class', 'gradcam', 'cam'];
const fmt = (v: number) => (Math.abs(v) >= 1000 || Number.isInteger(v) ? v.toFixed(0) : v.toPrecision(4));

function select(testid: string, options: readonly string[], value: string): HTMLSelectElement {
  const s = el('select', { testid });
  for (const o of options) s.append(el('option', { value: o, text: o }));
  s.value = value;
  return s;
}

/** Replaces a datalist's options. */
function fillDatalist(list: HTMLDataListElement, items: readonly Suggestion[]): void {
  list.replaceChildren(...items.map((s) => el('option', { value: s.value, label: s.label })));
}

function labelled(text: string, control: HTMLElement): HTMLLabelElement {
  return el('label', {}, { display: 'inline-flex', gap: '4px', alignItems: 'center', marginRight: '10px' }, text, control);
}

/** The voxels as float32 whatever type they travelled in (integer scans come compact). */
function toFloat32(buf: ArrayBuffer, dtype: BinaryDType): Float32Array {
  switch (dtype) {
    case 'float32': return new Float32Array(buf);
    case 'uint8': return Float32Array.from(new Uint8Array(buf));
    case 'int16': return Float32Array.from(new Int16Array(buf));
    case 'uint16': return Float32Array.from(new Uint16Array(buf));
  }
}

export function mountVolumeView(root: HTMLElement, host: Host, opts: VolumeViewOptions): VolumeView {
  let disposed = false;
  let viewer: VolumeViewer | null = null;
  let desc: VolumeDescription | null = null;
  let jobId: string | null = null;
  let jobAxis: VolumeAxis = 'z';
  let slices: VolumeSliceSummary[] = [];
  let attention: Float32Array | null = null;
  const exportJobs = new Set<string>();
  // job ends that arrive before the call that started the job has answered (a NIfTI export is fast)
  const endings = new JobEndings();

  const status = el('span', { testid: 'volume-status', text: `opening ${opts.media.name}...` }, { marginLeft: '8px', color: '#ccc' });
  const setStatus = (text: string, state: JobState | 'idle', fraction?: number) => {
    status.textContent = text;
    opts.onStatus?.(text, state, fraction);
  };
  const info = el('div', { testid: 'volume-info' }, { font: '12px monospace', color: '#ddd', padding: '2px 4px' });
  // the analysed slice at the cursor: its class and how its map was solved (empty before a job)
  const sliceInfo = el('div', { testid: 'volume-slice-info' }, { font: '12px monospace', color: '#bbb', padding: '0 4px 2px', minHeight: '14px', flex: '1 1 auto' });
  /** what the shown job's iterative solves ran: Adam with the paper's settings, else L-BFGS */
  let jobOptimiser: 'lbfgs' | 'adam' = 'lbfgs';
  let jobMethod: AnalysisMethod = 'l2caf';
  const header = el('div', { testid: 'volume-header' }, { font: '13px sans-serif', color: '#eee', padding: '2px 4px' });
  const tInput = el('input', { testid: 'volume-t', type: 'number', min: '0', value: '0' }, { width: '4em' });
  const preset = select('volume-window-preset', WINDOW_PRESETS, 'auto');
  const lo = el('input', { testid: 'volume-window-lo', type: 'number', step: 'any' }, { width: '6em' });
  const hi = el('input', { testid: 'volume-window-hi', type: 'number', step: 'any' }, { width: '6em' });
  // (free text with suggestions: a model folder, a layer or a class can be typed as on the command line)
  const modelList = el('datalist', { id: 'volume-model-list', testid: 'volume-model-list' });
  const layerList = el('datalist', { id: 'volume-layer-list', testid: 'volume-layer-list' });
  const classList = el('datalist', { id: 'volume-class-list', testid: 'volume-class-list' });
  const model = el('input', { testid: 'volume-model', type: 'text', placeholder: 'default model', list: modelList.id }, { width: '10em' });
  const method = select('volume-method', METHODS, 'l2caf');
  for (const o of method.options) o.textContent = METHOD_LABELS[o.value as AnalysisMethod];
  const klass = el('input', { testid: 'volume-class', type: 'text', placeholder: 'top-1', list: classList.id }, { width: '8em' });
  const axis = select('volume-axis', AXES, 'z');
  const layer = el('input', { testid: 'volume-layer', type: 'text', placeholder: 'default layer', list: layerList.id }, { width: '11em' });
  const modelWindow = el('input', { testid: 'volume-model-window', type: 'text', value: '0.5,99.5', title: 'intensity percentiles the model sees' }, { width: '6em' });
  // the solver, and for iterative solves the optimiser: the video panel's choices
  const solver = el('select', { testid: 'volume-solver' });
  for (const c of SOLVER_CHOICES) solver.append(el('option', { value: c.value, text: c.label, title: c.title }));
  // bounds each iterative solve (the CLI's --max-iterations); empty: the solver's own, which the placeholder says
  const limit = el('input', { testid: 'volume-iteration-limit', type: 'text', inputmode: 'numeric', 'aria-label': 'Iteration limit' }, { width: '7.5em' });
  const showLimitHint = (): void => void Object.assign(limit, iterationLimitHint(solver.value as SolverChoice));
  solver.addEventListener('change', showLimitHint);
  showLimitHint();
  const warm = el('input', { testid: 'volume-warm-start', type: 'checkbox' });
  warm.checked = true;
  const run = el('button', { testid: 'volume-run', text: 'Run attention' });
  const cancel = el('button', { testid: 'volume-cancel', text: 'Cancel', disabled: '' });
  const colormap = select('volume-colormap', colormapNames, 'jet');
  const opacity = el('input', { testid: 'volume-opacity', type: 'range', min: '0', max: '1', step: '0.05', value: '0.5' });
  const threshold = el('input', { testid: 'volume-threshold', type: 'range', min: '0', max: '1', step: '0.05', value: '0.2' });
  const show = el('input', { testid: 'volume-show-attention', type: 'checkbox' });
  show.checked = true;
  const crosshair = el('input', { testid: 'volume-show-crosshair', type: 'checkbox' });
  crosshair.checked = true;
  const exportFormat = select('volume-export-format', ['mp4', 'webm', 'gif'], 'mp4');
  const exportVideo = el('button', { testid: 'volume-export-video', text: 'Export sweep', disabled: '' });
  const exportNifti = el('button', { testid: 'volume-export-nifti', text: 'Export attention NIfTI', disabled: '' });
  const pngButtons = [...VIEW_NAMES, '3d' as const].map((v) => el('button', { testid: `volume-export-png-${v}`, text: `PNG ${v}` }));
  const timeline = new SliceTimeline((index) => {
    if (!viewer) return;
    const c = [...viewer.state.cursor];
    c[AXES.indexOf(jobAxis)] = index;
    viewer.setCursor(c);
  });
  // the views take what the window leaves after the controls, the timeline and the exports
  const stage = el('div', {}, { display: 'flex', flexDirection: 'column', flex: '1 1 auto', minHeight: '240px', position: 'relative' });
  // The convergence replay of the slice at the cursor, as the video app's panel (over the views'
  // bottom-right corner, the 3-D view's, while open: the viewer has no side column).
  /** the slice along the job's axis at the cursor, and its summary once analysed */
  const cursorSlice = (): { index: number; summary: VolumeSliceSummary | undefined } | null => {
    if (!viewer) return null;
    const index = viewer.state.cursor[AXES.indexOf(jobAxis)]!;
    return { index, summary: slices.find((s) => s.index === index) };
  };
  const sliceAtCursor = (): VolumeSliceSummary | undefined => cursorSlice()?.summary;
  const convergence = new ConvergenceView(
    host,
    (): ConvergenceTarget | null => {
      const s = sliceAtCursor();
      const id = jobId;
      return s && id ? { key: `${id}/${s.index}`, colormap: colormap.value, trace: () => host.call('volume.trace', { jobId: id, index: s.index }) } : null;
    },
    (): ShownMap | null => {
      const s = sliceAtCursor();
      if (!s) return null;
      const solver = s.start === 'exact' ? 'exact' : s.start ? 'iterative' : jobMethod === 'cam' ? 'weights' : 'gradient';
      return { solver, iterations: s.iterations, ...(s.start ? { start: s.start } : {}), ...(s.adamPasses ? { adamPasses: s.adamPasses } : {}), ...(s.stop ? { stop: s.stop } : {}), optimiser: jobOptimiser };
    },
    (e, context) => fail(e, context ?? 'Convergence'),
    'slice',
  );
  // (in the panel's title row, so that the open panel covers nothing of the views below it)
  const convClose = el('button', { testid: 'volume-convergence-close', text: '×', title: 'Close', 'aria-label': 'Close' }, { position: 'absolute', top: '8px', right: '8px', padding: '0 7px', fontSize: '16px', lineHeight: '22px' });
  const convBox = el('div', { testid: 'volume-convergence' }, { position: 'absolute', right: '8px', bottom: '8px', width: '320px', zIndex: '5', display: 'none' }, convergence.el, convClose);
  const convOpen = el('button', { testid: 'volume-convergence-open', text: 'Convergence…', disabled: '' });
  convOpen.addEventListener('click', () => {
    convBox.style.display = 'block';
    convergence.update();
  });
  convClose.addEventListener('click', () => {
    convergence.stop();
    convBox.style.display = 'none';
  });
  const row = (...c: HTMLElement[]) => el('div', {}, { display: 'flex', flexWrap: 'wrap', alignItems: 'center', padding: '2px 4px', gap: '2px', color: '#ddd', font: '13px sans-serif' }, ...c);
  const container = el('div', { testid: 'volume-viewer' }, { display: 'flex', flexDirection: 'column', flex: '1 1 auto', minHeight: '0', background: '#202020' },
    header,
    row(labelled('volume t', tInput), labelled('window', preset), labelled('lo', lo), labelled('hi', hi)),
    row(labelled('model', model), labelled('layer', layer), labelled('method', method), labelled('class', klass), labelled('axis', axis),
      labelled('model window %', modelWindow), labelled('solver', solver), labelled('limit', limit), labelled('warm start', warm), run, cancel, status),
    row(labelled('colour map', colormap), labelled('opacity', opacity), labelled('threshold (of max)', threshold), labelled('attention', show), labelled('crosshair', crosshair)),
    stage, info, el('div', {}, { display: 'flex', alignItems: 'center', gap: '8px', paddingRight: '4px' }, sliceInfo, convOpen), timeline.element,
    row(exportNifti, labelled('sweep', exportFormat), exportVideo, ...pngButtons), modelList, layerList, classList);
  root.replaceChildren(container);

  /** e: a thrown error or a job's ErrorInfo (its code, e.g. 'model', reaches the banner) */
  const fail = (e: unknown, context = 'Scan') => {
    // the banner holds the explanation: the status lines say what failed
    setStatus(FAILED[context] ?? `${context.toLowerCase()} failed`, 'error');
    opts.showError(e, context);
  };

  const showInfo = () => {
    if (!viewer || !desc) return;
    const c = viewer.state.cursor;
    const w = voxelToWorld(desc.affine, c);
    const v = viewer.valuesAtCursor();
    info.textContent = `voxel (${c.join(', ')})  world (${w.map((x) => x.toFixed(1)).join(', ')}) mm  intensity ${fmt(v.intensity)}` +
      (v.attention === null ? '' : `  ${attentionReadout(v.attention)}`);
    container.dataset.cursor = c.join(',');
    showSlice();
    lo.value = fmt(viewer.state.window.lo);
    hi.value = fmt(viewer.state.window.hi);
    timeline.setCurrent(c[AXES.indexOf(jobAxis)]!);
  };

  const showSlice = () => {
    const at = cursorSlice();
    if (!at || !desc) return;
    sliceInfo.textContent = slices.length ? sliceReadout(at.summary, at.index, desc.dims[AXES.indexOf(jobAxis)]!, jobOptimiser) : '';
    if (slices.length) convOpen.removeAttribute('disabled');
    else convOpen.setAttribute('disabled', '');
    convergence.update();
  };

  const jobView = (): ViewName => VIEW_NAMES.find((v) => viewer!.views[v].layout.sliceAxis === AXES.indexOf(jobAxis))!;

  async function open(t: number): Promise<void> {
    setStatus(`opening ${opts.media.name}...`, 'idle');
    const d = await host.call('volume.open', { path: opts.media.path, t });
    const buf = await host.fetchBinary(d.voxels);
    if (disposed) return;
    viewer?.dispose();
    desc = d;
    attention = null;
    ranWith = null;
    delete container.dataset.stale;
    const data = toFloat32(buf, d.voxels.dtype);
    viewer = new VolumeViewer({ dims: d.dims, spacing: d.spacing, affine: d.affine, data, stats: d.stats });
    stage.replaceChildren(viewer.element, convBox);
    viewer.onChange(showInfo);
    header.textContent = `${d.name}  ${d.dims.join(' x ')} voxels  ${d.spacing.map((s) => s.toFixed(2)).join(' x ')} mm  ${d.datatype}` +
      (d.frames > 1 ? `  volume ${d.t + 1} of ${d.frames}` : '');
    tInput.max = String(d.frames - 1);
    tInput.disabled = d.frames <= 1;
    jobAxis = d.acquisitionAxis;
    axis.value = jobAxis;
    slices = [];
    closeJob();
    timeline.setSlices(d.dims[AXES.indexOf(jobAxis)]!, []);
    exportNifti.disabled = true;
    exportVideo.disabled = true;
    setStatus('ready', 'idle');
    container.dataset.ready = 'true';
    showInfo();
  }

  /** The attention volume being fetched: a job is closed (its binaries released) once it has arrived. */
  let fetching: Promise<unknown> = Promise.resolve();

  /** The service keeps a finished result until it is closed: the job shown is being replaced. */
  function closeJob(): void {
    const id = jobId;
    jobId = null;
    if (id) void fetching.catch(() => {}).then(() => host.call('job.close', { jobId: id })).catch(() => {});
  }

  async function loadResult(id: string): Promise<void> {
    const r: VolumeJobView = await host.call('volume.result', { jobId: id });
    if (disposed || id !== jobId || !viewer || !desc) return;
    slices = r.slices;
    timeline.setSlices(r.total, slices);
    showSlice();
    if (r.attention) {
      const p = host.fetchBinary(r.attention);
      fetching = p;
      const buf = await p;
      if (disposed || id !== jobId || !viewer) return;
      const shown = displayAttention(new Float32Array(buf));
      const att = shown.data;
      attention = att;
      viewer.setAttention(att);
      timeline.setAttention(att, desc.dims, viewer.views[jobView()].layout, getColormap(viewer.state.colormap));
      exportNifti.disabled = false;
      exportVideo.disabled = false;
      container.dataset.attention = 'true';
      doneText = `done: ${r.slices.length} slices` + (r.summary ? ` in ${r.summary.wallS.toFixed(1)} s, ${r.summary.meanIterations.toFixed(1)} iterations on average${solvesPhrase(r.summary.solves)}` : '') +
        `; ${attentionScaleNote(shown.max)}`;
      setStatus(doneText, 'done', 1);
      markStale();
    }
  }

  // The maps shown are of the settings of their run: once a setting differs, the status says so
  // (the video app starts a new job on a change; here a run is asked for with the button).
  const settingsKey = (): string =>
    JSON.stringify([model.value.trim(), layer.value.trim(), method.value, klass.value.trim(), axis.value, modelWindow.value.trim(), solver.value, limit.value.trim(), warm.checked]);
  /** the settings of the run whose maps are shown (null: none shown), and its status line */
  let ranWith: string | null = null;
  let doneText = '';
  function markStale(): void {
    if (ranWith === null || !attention) return;
    const stale = settingsKey() !== ranWith;
    container.dataset.stale = String(stale);
    if (stale) setStatus(`settings changed: the maps shown are of the last run (${jobMethod}, axis ${jobAxis}): Run attention for the new settings`, 'idle');
    else setStatus(doneText, 'done', 1);
  }
  for (const c of [model, layer, klass, modelWindow, limit]) c.addEventListener('input', markStale);
  for (const c of [method, axis, solver, warm]) c.addEventListener('change', markStale);

  const onEvent = (e: ServiceEvent) => {
    if (disposed) return;
    endings.note(e);
    if (e.type === 'volume.slice' && e.jobId === jobId) {
      slices.push(e.slice);
      timeline.setSlices(e.total, slices);
      showSlice();
      setStatus(`slice ${e.done}/${e.total}`, 'running', e.total ? e.done / e.total : 0);
    } else if (e.type === 'job.progress' && e.jobId === jobId) {
      setStatus(`${e.stage} ${e.done}/${e.total}${e.etaS !== null ? `, ${Math.ceil(e.etaS)} s left` : ''}`, 'running', e.total ? e.done / e.total : 0);
    } else if (e.type === 'job.done' && e.jobId === jobId) {
      cancel.disabled = true;
      run.disabled = false;
      loadResult(e.jobId).then(() => opts.settle?.(ATTENTION), (err) => fail(err, ATTENTION));
    } else if (e.type === 'job.error' && (e.jobId === jobId || exportJobs.has(e.jobId))) {
      cancel.disabled = true;
      run.disabled = false;
      fail(e.error, exportJobs.delete(e.jobId) ? EXPORT : ATTENTION);
    } else if (e.type === 'job.cancelled' && e.jobId === jobId) {
      cancel.disabled = true;
      run.disabled = false;
      setStatus('cancelled', 'cancelled');
    } else if (e.type === 'job.done' && exportJobs.has(e.jobId)) {
      exportJobs.delete(e.jobId);
      if (e.export) {
        setStatus(`exported ${e.export.name}`, 'done');
        container.dataset.exported = e.export.path;
        host.deliver({ download: e.export.download, name: e.export.name }).catch((err) => fail(err, EXPORT));
      }
    }
  };
  const unsubscribe = host.onEvent(onEvent);

  run.addEventListener('click', () => {
    if (!desc) return;
    const c = klass.value.trim();
    const win = parsePercentiles(modelWindow.value);
    if (!win) return fail(new Error(`model window "${modelWindow.value}": give two percentiles lo,hi with 0 <= lo < hi <= 100`), ATTENTION);
    let maxIterations: number | null;
    try {
      // (a value left in the field disabled for the exact solver is not read)
      maxIterations = limit.disabled ? null : parseIterationLimit(limit.value);
    } catch (e) {
      return fail(e, ATTENTION);
    }
    jobAxis = axis.value as VolumeAxis;
    ranWith = settingsKey();
    delete container.dataset.stale;
    slices = [];
    showSlice();
    const asked = solverRequest(solver.value as SolverChoice);
    jobOptimiser = asked.preset === 'paper' ? 'adam' : 'lbfgs';
    jobMethod = method.value as AnalysisMethod;
    viewer?.setAttention(null);
    attention = null;
    timeline.setSlices(desc.dims[AXES.indexOf(jobAxis)]!, []);
    timeline.setAttention(null, desc.dims, viewer!.views[jobView()].layout, getColormap('jet'));
    delete container.dataset.attention;
    run.disabled = true;
    cancel.disabled = false;
    setStatus('starting...', 'running', 0);
    closeJob();
    host.call('volume.start', {
      volumeId: desc.volumeId,
      ...(model.value.trim() ? { model: model.value.trim() } : {}),
      method: method.value as AnalysisMethod,
      ...(layer.value.trim() ? { layer: layer.value.trim() } : {}),
      ...(c ? { class: /^\d+$/.test(c) ? Number(c) : c } : {}),
      axis: jobAxis,
      window: win,
      ...asked,
      ...limitRequest(solver.value as SolverChoice, maxIterations),
      warmStart: warm.checked,
    }).then((r) => {
      jobId = r.jobId;
      container.dataset.jobId = r.jobId;
      const end = endings.take(r.jobId);
      if (end) onEvent(end);
    }).catch((e) => {
      run.disabled = false;
      cancel.disabled = true;
      fail(e, ATTENTION);
    });
  });
  cancel.addEventListener('click', () => {
    if (jobId) host.call('job.cancel', { jobId }).catch((e) => fail(e, ATTENTION));
  });
  tInput.addEventListener('change', () => {
    open(Math.max(0, Math.floor(Number(tInput.value) || 0))).catch(fail);
  });
  preset.addEventListener('change', () => viewer?.applyPreset(preset.value as WindowPreset));
  const typedWindow = () => {
    const l = Number(lo.value);
    const u = Number(hi.value);
    if (viewer && Number.isFinite(l) && Number.isFinite(u) && u > l) viewer.setWindow({ lo: l, hi: u });
  };
  lo.addEventListener('change', typedWindow);
  hi.addEventListener('change', typedWindow);
  colormap.addEventListener('change', () => {
    if (!viewer || !desc) return;
    viewer.setLook({ colormap: colormap.value });
    if (attention) timeline.setAttention(attention, desc.dims, viewer.views[jobView()].layout, getColormap(colormap.value));
  });
  opacity.addEventListener('input', () => viewer?.setLook({ opacity: Number(opacity.value) }));
  threshold.addEventListener('input', () => viewer?.setLook({ threshold: Number(threshold.value) }));
  show.addEventListener('change', () => viewer?.setLook({ showAttention: show.checked }));
  crosshair.addEventListener('change', () => viewer?.setLook({ showCrosshair: crosshair.checked }));

  const startExport = (format: 'nifti' | 'mp4' | 'webm' | 'gif') => {
    if (!jobId || !viewer) return;
    const l = viewer.views[jobView()].layout;
    const s = viewer.state;
    host.call('volume.export', {
      jobId, format,
      ...(format === 'nifti' ? {} : {
        axis: jobAxis,
        orientation: { right: l.right, flipRight: l.flipRight, up: l.up, flipUp: l.flipUp },
        windowLo: s.window.lo, windowHi: s.window.hi, colormap: s.colormap, opacity: s.opacity, threshold: s.threshold,
      }),
    }).then((r) => {
      exportJobs.add(r.jobId);
      setStatus('exporting...', 'idle');
      const end = endings.take(r.jobId);
      if (end) onEvent(end);
    }).catch((e) => fail(e, EXPORT));
  };
  exportNifti.addEventListener('click', () => startExport('nifti'));
  exportVideo.addEventListener('click', () => startExport(exportFormat.value as 'mp4' | 'webm' | 'gif'));
  pngButtons.forEach((b, i) => b.addEventListener('click', () => {
    if (!viewer || !desc) return;
    const v = i < 3 ? VIEW_NAMES[i]! : '3d';
    viewer.renderNow();
    const canvas = v === '3d' ? viewer.planes.canvas : viewer.views[v].canvas;
    canvas.toBlob((blob) => {
      if (!blob) return fail(new Error(`the ${v} view could not be captured`), EXPORT);
      const a = el('a', { href: URL.createObjectURL(blob), download: `${desc!.name.replace(/(\.nii)?(\.gz)?$/i, '')}-${v}.png` });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
    }, 'image/png');
  }));

  // The suggestions: the catalogue once, the layers and labels of the model in the field (again when it changes)
  void host.call('models.list', {}).then((l) => fillDatalist(modelList, modelSuggestions(l.models)), () => {});
  /** the model field's value last described (null: none yet) */
  let described: string | null = null;
  const describeModel = (): void => {
    const m = model.value.trim();
    if (m === described) return;
    described = m;
    host.call('models.describe', m ? { model: m } : {}).then((d) => {
      if (disposed || described !== m) return;
      fillDatalist(layerList, layerSuggestions(d));
      fillDatalist(classList, classSuggestions(d.labels));
      layer.placeholder = `default: ${d.defaultLayer}`;
    }, () => {
      // (a model that cannot be described says why when it is run)
      if (described !== m) return;
      fillDatalist(layerList, []);
      fillDatalist(classList, []);
      layer.placeholder = 'default layer';
    });
  };
  model.addEventListener('change', describeModel);
  describeModel();

  open(0).catch(fail);

  return {
    cancel() {
      if (jobId && run.disabled) host.call('job.cancel', { jobId }).catch(fail);
    },
    dispose() {
      disposed = true;
      unsubscribe();
      if (jobId && run.disabled) host.call('job.cancel', { jobId }).catch(() => {});
      if (desc) host.call('volume.close', { volumeId: desc.volumeId }).catch(() => {});
      convergence.stop();
      viewer?.dispose();
      root.replaceChildren();
    },
  };
}

export { VolumeViewer } from './viewer.js';
