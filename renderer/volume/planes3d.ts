// The 3-D view: the three slices through the cursor placed in world mm by the affine (planeToWorld),
// drawn with the same material as the 2-D views, inside the scan's bounding box; drag to orbit.
// Its textures are its own (a WebGL context cannot share them) but read the 2-D views' arrays.
import * as THREE from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import { planeToWorld, voxelToWorld, type Mat4 } from './geometry.js';
import { applyLook, floatTexture, lutTexture, setLutColours, sliceMaterial, type SliceLook, fitRendererTo } from './sliceMaterial.js';
import type { SliceView } from './sliceView.js';
import { el } from './style.js';

interface Plane {
  view: SliceView;
  mesh: THREE.Mesh;
  scan: THREE.DataTexture;
  att: THREE.DataTexture;
  material: THREE.ShaderMaterial;
  version: number;
}

export class Planes3D {
  readonly element: HTMLDivElement;
  readonly canvas: HTMLCanvasElement;
  private readonly renderer: THREE.WebGLRenderer;
  private readonly scene = new THREE.Scene();
  private readonly camera = new THREE.PerspectiveCamera(40, 1, 0.1, 1e5);
  private readonly controls: OrbitControls;
  private readonly planes: Plane[];
  private readonly lut: THREE.DataTexture;
  private dirty = true;
  private readonly resize: ResizeObserver;

  constructor(private readonly affine: Mat4, dims: readonly number[], views: SliceView[], lutRgb: Uint8Array, onChange: () => void) {
    this.canvas = el('canvas', { testid: 'volume-canvas-3d' }, { width: '100%', height: '100%', display: 'block' });
    this.element = el('div', { testid: 'volume-view-3d' }, { position: 'relative', background: '#111', overflow: 'hidden', minHeight: '0', minWidth: '0' },
      this.canvas, el('div', { text: '3-D' }, { position: 'absolute', left: '4px', top: '2px', color: '#ddd', font: '12px monospace', pointerEvents: 'none' }));
    this.renderer = new THREE.WebGLRenderer({ canvas: this.canvas, antialias: false, preserveDrawingBuffer: true });
    this.renderer.setPixelRatio(1);
    this.lut = lutTexture(lutRgb);
    this.planes = views.map((view) => {
      const scan = floatTexture(view.scanData, view.layout.nRight, view.layout.nUp);
      const att = floatTexture(view.attData, view.layout.nRight, view.layout.nUp);
      const material = sliceMaterial(scan, att, this.lut);
      const mesh = new THREE.Mesh(new THREE.PlaneGeometry(1, 1), material);
      mesh.matrixAutoUpdate = false;
      this.scene.add(mesh);
      return { view, mesh, scan, att, material, version: -1 };
    });
    // the scan's bounding box (voxel edges), for a sense of where the planes are
    const corners: THREE.Vector3[] = [];
    for (const c of [[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0], [0, 0, 1], [1, 0, 1], [1, 1, 1], [0, 1, 1]]) {
      corners.push(new THREE.Vector3(...voxelToWorld(affine, c.map((f, a) => (f ? dims[a]! - 0.5 : -0.5)))));
    }
    const edges = [0, 1, 1, 2, 2, 3, 3, 0, 4, 5, 5, 6, 6, 7, 7, 4, 0, 4, 1, 5, 2, 6, 3, 7];
    const box = new THREE.BufferGeometry().setFromPoints(edges.map((i) => corners[i]!));
    this.scene.add(new THREE.LineSegments(box, new THREE.LineBasicMaterial({ color: 0x666666 })));

    const centre = new THREE.Vector3(...voxelToWorld(affine, dims.map((n) => (n - 1) / 2)));
    const diag = corners[0]!.distanceTo(corners[6]!);
    this.camera.up.set(0, 0, 1);
    // from the front, right and above (RAS: +x right, +y anterior, +z superior)
    this.camera.position.copy(centre).add(new THREE.Vector3(0.9, 1.4, 0.8).normalize().multiplyScalar(diag * 1.5));
    this.controls = new OrbitControls(this.camera, this.canvas);
    this.controls.target.copy(centre);
    this.controls.update();
    this.controls.addEventListener('change', () => {
      this.dirty = true;
      onChange();
    });
    this.resize = new ResizeObserver(() => {
      this.dirty = true;
      onChange();
    });
    this.resize.observe(this.element);
  }

  setLut(rgb: Uint8Array): void {
    setLutColours(this.lut, rgb);
    this.dirty = true;
  }

  update(look: SliceLook, hasAttention: boolean): void {
    for (const p of this.planes) {
      if (p.version !== p.view.version) {
        p.version = p.view.version;
        p.scan.needsUpdate = true;
        p.att.needsUpdate = true;
        const m = planeToWorld(this.affine, p.view.layout, p.view.index);
        p.mesh.matrix.set(...(m.flat() as Parameters<THREE.Matrix4['set']>));
        p.mesh.matrixWorldNeedsUpdate = true;
      }
      applyLook(p.material, look, hasAttention);
    }
    this.dirty = true;
  }

  render(): void {
    if (!this.dirty) return;
    const { w, h } = fitRendererTo(this.renderer, this.element);
    this.camera.aspect = w / h;
    this.camera.updateProjectionMatrix();
    this.renderer.render(this.scene, this.camera);
    this.dirty = false;
  }

  dispose(): void {
    this.resize.disconnect();
    this.controls.dispose();
    for (const p of this.planes) {
      p.scan.dispose();
      p.att.dispose();
      p.material.dispose();
      p.mesh.geometry.dispose();
    }
    this.lut.dispose();
    this.renderer.dispose();
    this.renderer.forceContextLoss();
  }
}
