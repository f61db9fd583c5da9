// The linked views of one scan: the cursor (a voxel), the grey window, the attention look, and the
// three 2-D views + the 3-D view that follow them. No host and no controls here (index.ts adds
// those), so the benchmark and the tests drive a viewer directly.
import * as THREE from 'three';
import { getColormap } from '../../src/media/colormaps.js';
import { VIEW_NAMES, viewLayout, voxelIndex, type Mat4, type Vec3, type ViewName } from './geometry.js';
import { Planes3D } from './planes3d.js';
import { lutTexture, setLutColours, type SliceLook } from './sliceMaterial.js';
import { SliceView } from './sliceView.js';
import { el } from './style.js';
import { dragWindow, presetWindow, type GreyWindow, type IntensityStats, type WindowPreset } from './windowLevel.js';

export interface ViewerVolume {
  dims: [number, number, number];
  spacing: [number, number, number];
  affine: Mat4;
  /** x fastest, as Volume.data */
  data: Float32Array;
  stats: IntensityStats;
}

export interface ViewerState {
  cursor: Vec3;
  window: GreyWindow;
  colormap: string;
  opacity: number;
  threshold: number;
  showAttention: boolean;
  showCrosshair: boolean;
}

export class VolumeViewer {
  readonly element: HTMLDivElement;
  readonly views: Record<ViewName, SliceView>;
  readonly planes: Planes3D;
  readonly state: ViewerState;
  private attention: Float32Array | null = null;
  private attentionChanged = false;
  private readonly lut: THREE.DataTexture;
  private readonly listeners = new Set<(s: ViewerState) => void>();
  private frame = 0;
  private dragStart: GreyWindow | null = null;

  constructor(readonly volume: ViewerVolume) {
    const { dims, spacing, affine } = volume;
    this.state = {
      cursor: dims.map((n) => Math.floor(n / 2)) as Vec3,
      window: presetWindow('auto', volume.stats),
      colormap: 'jet',
      opacity: 0.5,
      threshold: 0.2,
      showAttention: true,
      showCrosshair: true,
    };
    this.lut = lutTexture(getColormap(this.state.colormap));
    const host = {
      dims,
      data: volume.data,
      attention: () => this.attention,
      lut: this.lut,
      moveCursor: (ijk: Vec3) => this.setCursor(ijk),
      step: (axis: number, d: number | 'first' | 'last') => this.step(axis, d),
      dragWindow: (phase: 'start' | 'move', dx: number, dy: number) => {
        if (phase === 'start') this.dragStart = { ...this.state.window };
        else if (this.dragStart) this.setWindow(dragWindow(this.dragStart, dx, dy, volume.stats));
      },
    };
    const schedule = () => this.requestRender();
    this.views = Object.fromEntries(VIEW_NAMES.map((v) => [v, new SliceView(viewLayout(affine, dims, spacing, v), host, schedule)])) as Record<ViewName, SliceView>;
    this.planes = new Planes3D(affine, dims, VIEW_NAMES.map((v) => this.views[v]), getColormap(this.state.colormap), schedule);
    this.element = el('div', { testid: 'volume-views' },
      { display: 'grid', gridTemplateColumns: '1fr 1fr', gridTemplateRows: '1fr 1fr', gap: '2px', background: '#333', minHeight: '0', flex: '1 1 auto' },
      this.views.axial.element, this.views.coronal.element, this.views.sagittal.element, this.planes.element);
    this.update();
  }

  onChange(l: (s: ViewerState) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  setCursor(ijk: readonly number[]): void {
    const c = ijk.map((v, a) => Math.max(0, Math.min(this.volume.dims[a]! - 1, Math.round(v)))) as Vec3;
    if (c.every((v, a) => v === this.state.cursor[a])) return;
    this.state.cursor = c;
    this.update();
  }

  step(axis: number, d: number | 'first' | 'last'): void {
    const c = [...this.state.cursor] as Vec3;
    const n = this.volume.dims[axis]!;
    c[axis] = d === 'first' ? 0 : d === 'last' ? n - 1 : c[axis] + d;
    this.setCursor(c);
  }

  setWindow(w: GreyWindow): void {
    this.state.window = { lo: w.lo, hi: w.hi > w.lo ? w.hi : w.lo + 1e-6 };
    this.update();
  }

  applyPreset(p: WindowPreset): void {
    this.setWindow(presetWindow(p, this.volume.stats));
  }

  setLook(look: Partial<Pick<ViewerState, 'colormap' | 'opacity' | 'threshold' | 'showAttention' | 'showCrosshair'>>): void {
    if (look.colormap && look.colormap !== this.state.colormap) {
      const rgb = getColormap(look.colormap);
      setLutColours(this.lut, rgb);
      this.planes.setLut(rgb);
    }
    Object.assign(this.state, look);
    this.update();
  }

  /** Attention on the scan's grid (x fastest, 0..1; see displayAttention), or null to remove it. */
  setAttention(a: Float32Array | null): void {
    if (a && a.length !== this.volume.data.length) throw new Error(`attention has ${a.length} values, the scan ${this.volume.data.length}`);
    this.attention = a;
    this.attentionChanged = true;
    this.update();
  }

  /** The scan's and the attention's value at the cursor. */
  valuesAtCursor(): { intensity: number; attention: number | null } {
    const i = voxelIndex(this.volume.dims, this.state.cursor);
    return { intensity: this.volume.data[i]!, attention: this.attention ? this.attention[i]! : null };
  }

  /** Draws now (benchmarks); the UI uses requestRender. */
  renderNow(): void {
    for (const v of VIEW_NAMES) this.views[v].render();
    this.planes.render();
  }

  requestRender(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.renderNow();
    });
  }

  dispose(): void {
    if (this.frame) cancelAnimationFrame(this.frame);
    for (const v of VIEW_NAMES) this.views[v].dispose();
    this.planes.dispose();
    this.lut.dispose();
    this.listeners.clear();
  }

  private update(): void {
    const s = this.state;
    const look: SliceLook = { lo: s.window.lo, hi: s.window.hi, opacity: s.opacity, threshold: s.threshold, showAttention: s.showAttention };
    for (const v of VIEW_NAMES) this.views[v].update(s.cursor, look, this.attentionChanged, s.showCrosshair);
    this.attentionChanged = false;
    this.planes.update(look, this.attention !== null);
    this.requestRender();
    for (const l of this.listeners) l(s);
  }
}
