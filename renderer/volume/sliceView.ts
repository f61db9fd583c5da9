// One 2-D view (axial, coronal or sagittal): the slice through the cursor drawn with three.js in
// an orthographic camera, sized in mm (anisotropic voxels keep their shape), with the crosshair,
// the orientation letters at the edges and the slice number. Pointer and keys are turned into
// requests to the viewer (move the cursor, step, change the window); the viewer owns the state.
import * as THREE from 'three';
import { extractViewSlice, screenToVoxel, voxelToScreen, type Vec3, type ViewLayout } from './geometry.js';
import { applyLook, floatTexture, sliceMaterial, type SliceLook, fitRendererTo } from './sliceMaterial.js';
import { el } from './style.js';

export interface SliceViewHost {
  dims: readonly number[];
  data: Float32Array;
  attention(): Float32Array | null;
  lut: THREE.Texture;
  moveCursor(ijk: Vec3): void;
  step(sliceAxis: number, delta: number | 'first' | 'last'): void;
  dragWindow(phase: 'start' | 'move', dx: number, dy: number): void;
}

const CROSSHAIR = 0x33ff66;

export class SliceView {
  readonly element: HTMLDivElement;
  readonly canvas: HTMLCanvasElement;
  readonly renderer: THREE.WebGLRenderer;
  /** the slice textures' data (shared with the 3-D view) */
  readonly scanData: Float32Array;
  readonly attData: Float32Array;
  readonly scanTex: THREE.DataTexture;
  readonly attTex: THREE.DataTexture;
  readonly material: THREE.ShaderMaterial;
  /** bumped when the slice's textures change (the 3-D view re-uploads its copies) */
  version = 0;
  index = -1;
  private attSource: Float32Array | null = null;
  private readonly scene = new THREE.Scene();
  private readonly camera = new THREE.OrthographicCamera(-1, 1, 1, -1, -10, 10);
  private readonly cross: THREE.LineSegments;
  private readonly info: HTMLDivElement;
  private readonly resize: ResizeObserver;
  private dirty = true;

  constructor(readonly layout: ViewLayout, private readonly host: SliceViewHost, onResize: () => void) {
    const l = layout;
    this.canvas = el('canvas', { testid: `volume-canvas-${l.view}` }, { width: '100%', height: '100%', display: 'block', cursor: 'crosshair' });
    const label = (where: 'left' | 'right' | 'top' | 'bottom') => {
      const pos = {
        left: { left: '4px', top: '50%', transform: 'translateY(-50%)' },
        right: { right: '4px', top: '50%', transform: 'translateY(-50%)' },
        top: { top: '2px', left: '50%', transform: 'translateX(-50%)' },
        bottom: { bottom: '2px', left: '50%', transform: 'translateX(-50%)' },
      }[where];
      return el('div', { testid: `volume-label-${l.view}-${where}`, text: l.labels[where] }, { position: 'absolute', color: '#fc3', font: 'bold 14px sans-serif', pointerEvents: 'none', ...pos });
    };
    this.info = el('div', { testid: `volume-slice-${l.view}` }, { position: 'absolute', left: '4px', top: '2px', color: '#ddd', font: '12px monospace', pointerEvents: 'none' });
    this.element = el('div', { testid: `volume-view-${l.view}`, tabindex: '0', 'aria-label': `${l.view} view` },
      { position: 'relative', background: '#000', overflow: 'hidden', minHeight: '0', minWidth: '0', outline: 'none' },
      this.canvas, label('left'), label('right'), label('top'), label('bottom'), this.info);

    this.renderer = new THREE.WebGLRenderer({ canvas: this.canvas, antialias: false, preserveDrawingBuffer: true });
    this.renderer.setPixelRatio(1);
    this.scanData = new Float32Array(l.nRight * l.nUp);
    this.attData = new Float32Array(l.nRight * l.nUp);
    this.scanTex = floatTexture(this.scanData, l.nRight, l.nUp);
    this.attTex = floatTexture(this.attData, l.nRight, l.nUp);
    this.material = sliceMaterial(this.scanTex, this.attTex, host.lut);
    this.scene.add(new THREE.Mesh(new THREE.PlaneGeometry(l.widthMm, l.heightMm), this.material));
    const g = new THREE.BufferGeometry();
    g.setAttribute('position', new THREE.BufferAttribute(new Float32Array(12), 3));
    this.cross = new THREE.LineSegments(g, new THREE.LineBasicMaterial({ color: CROSSHAIR, transparent: true, opacity: 0.8 }));
    this.scene.add(this.cross);

    this.resize = new ResizeObserver(() => {
      this.dirty = true;
      onResize();
    });
    this.resize.observe(this.element);
    this.bindInput();
  }

  /** Brings the slice to the cursor and the look. */
  update(cursor: Vec3, look: SliceLook, attentionChanged: boolean, crosshair = true): void {
    const l = this.layout;
    const index = cursor[l.sliceAxis];
    const att = this.host.attention();
    if (index !== this.index) {
      this.index = index;
      extractViewSlice(this.host.data, this.host.dims, l, index, this.scanData);
      this.scanTex.needsUpdate = true;
      attentionChanged = true;
      this.version++;
    }
    if (attentionChanged || att !== this.attSource) {
      this.attSource = att;
      if (att) extractViewSlice(att, this.host.dims, l, index, this.attData);
      else this.attData.fill(0);
      this.attTex.needsUpdate = true;
      this.version++;
    }
    applyLook(this.material, look, att !== null);
    const { fx, fy } = voxelToScreen(l, cursor);
    const x = (fx - 0.5) * l.widthMm;
    const y = (0.5 - fy) * l.heightMm;
    const p = this.cross.geometry.getAttribute('position') as THREE.BufferAttribute;
    const hw = l.widthMm / 2;
    const hh = l.heightMm / 2;
    p.array.set([-hw, y, 1, hw, y, 1, x, -hh, 1, x, hh, 1]);
    p.needsUpdate = true;
    this.cross.visible = crosshair;
    this.info.textContent = `${l.view} ${index + 1}/${this.host.dims[l.sliceAxis]}`;
    this.dirty = true;
  }

  render(): void {
    if (!this.dirty) return;
    const { w, h } = fitRendererTo(this.renderer, this.element);
    // fit the slice (mm) into the canvas with a small margin, same scale on both axes
    const l = this.layout;
    const scale = Math.min(w / l.widthMm, h / l.heightMm) * 0.94;
    this.camera.left = -w / 2 / scale;
    this.camera.right = w / 2 / scale;
    this.camera.top = h / 2 / scale;
    this.camera.bottom = -h / 2 / scale;
    this.camera.updateProjectionMatrix();
    this.renderer.render(this.scene, this.camera);
    this.dirty = false;
  }

  /** Where the slice image sits in the canvas (CSS pixels): for clicks and tests. */
  imageRect(): { x: number; y: number; width: number; height: number } {
    const w = this.element.clientWidth;
    const h = this.element.clientHeight;
    const l = this.layout;
    const scale = Math.min(w / l.widthMm, h / l.heightMm) * 0.94;
    const width = l.widthMm * scale;
    const height = l.heightMm * scale;
    return { x: (w - width) / 2, y: (h - height) / 2, width, height };
  }

  dispose(): void {
    this.resize.disconnect();
    this.scanTex.dispose();
    this.attTex.dispose();
    this.material.dispose();
    this.cross.geometry.dispose();
    (this.cross.material as THREE.Material).dispose();
    this.renderer.dispose();
    this.renderer.forceContextLoss();
  }

  private voxelAt(ev: PointerEvent): Vec3 {
    const b = this.canvas.getBoundingClientRect();
    const r = this.imageRect();
    const fx = (ev.clientX - b.left - r.x) / r.width;
    const fy = (ev.clientY - b.top - r.y) / r.height;
    return screenToVoxel(this.layout, this.host.dims, this.index, fx, fy);
  }

  private bindInput(): void {
    let mode: 'cursor' | 'window' | null = null;
    let sx = 0;
    let sy = 0;
    this.canvas.addEventListener('contextmenu', (e) => e.preventDefault());
    this.canvas.addEventListener('pointerdown', (e) => {
      this.element.focus();
      this.canvas.setPointerCapture(e.pointerId);
      if (e.button === 2 || (e.button === 0 && (e.ctrlKey || e.shiftKey))) {
        mode = 'window';
        sx = e.clientX;
        sy = e.clientY;
        this.host.dragWindow('start', 0, 0);
      } else if (e.button === 0) {
        mode = 'cursor';
        this.host.moveCursor(this.voxelAt(e));
      }
    });
    this.canvas.addEventListener('pointermove', (e) => {
      if (mode === 'cursor') this.host.moveCursor(this.voxelAt(e));
      else if (mode === 'window') this.host.dragWindow('move', e.clientX - sx, e.clientY - sy);
    });
    const end = () => {
      mode = null;
    };
    this.canvas.addEventListener('pointerup', end);
    this.canvas.addEventListener('pointercancel', end);
    this.element.addEventListener('wheel', (e) => {
      e.preventDefault();
      this.host.step(this.layout.sliceAxis, e.deltaY > 0 ? -1 : 1);
    }, { passive: false });
    this.element.addEventListener('keydown', (e) => {
      const steps: Record<string, number | 'first' | 'last'> = { ArrowUp: 1, ArrowRight: 1, ArrowDown: -1, ArrowLeft: -1, PageUp: 10, PageDown: -10, Home: 'first', End: 'last' };
      const s = steps[e.key];
      if (s === undefined) return;
      e.preventDefault();
      this.host.step(this.layout.sliceAxis, s);
    });
  }
}

