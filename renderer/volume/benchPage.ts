// The page side of src/bench/volumeViewBench.ts (bundled and injected by it): generates a scan in
// the page, mounts the linked views and times the first render and slice steps. The GPU is
// synchronised by reading one pixel back after each draw, so the times include the drawing.
import { VolumeViewer } from './viewer.js';
import { displayAttention } from './attentionScale.js';
import type { ViewName } from './geometry.js';

export interface VolumeBenchResult {
  dims: number[];
  generateMs: number;
  firstRenderMs: number;
  /** per view: median and 95th percentile ms of one slice step + redraw of all views */
  steps: Record<ViewName, { medianMs: number; p95Ms: number }>;
  /** a window/level change (no slice extraction): median ms */
  windowMs: number;
  withAttention: boolean;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

function syncGpu(v: VolumeViewer): void {
  const px = new Uint8Array(4);
  for (const name of ['axial', 'coronal', 'sagittal'] as const) {
    const gl = v.views[name].renderer.getContext();
    gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, px);
  }
}

async function run(dims: [number, number, number], steps: number, withAttention: boolean): Promise<VolumeBenchResult> {
  const t0 = performance.now();
  const [nx, ny, nz] = dims;
  const data = new Float32Array(nx * ny * nz);
  const att = withAttention ? new Float32Array(nx * ny * nz) : null;
  // a textured ellipsoid, so the slices are not constant
  for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) {
    const o = nx * (j + ny * k);
    for (let i = 0; i < nx; i++) {
      const r = ((i - nx / 2) / (nx / 2.2)) ** 2 + ((j - ny / 2) / (ny / 2.2)) ** 2 + ((k - nz / 2) / (nz / 2.2)) ** 2;
      data[o + i] = r < 1 ? 500 + 300 * Math.sin(i / 9) * Math.cos(j / 7) + k : 0;
      if (att) att[o + i] = r < 0.3 ? 1 - r : 0;
    }
  }
  const generateMs = performance.now() - t0;
  const root = document.getElementById('bench')!;
  const t1 = performance.now();
  const v = new VolumeViewer({ dims, spacing: [0.5, 0.5, 1], affine: [[-0.5, 0, 0, 0], [0, 0.5, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], data, stats: { min: 0, max: 1100, p005: 0, p995: 1000 } });
  root.append(v.element);
  if (att) v.setAttention(displayAttention(att).data);
  v.renderNow();
  syncGpu(v);
  const firstRenderMs = performance.now() - t1;
  const out = {} as VolumeBenchResult['steps'];
  for (const name of ['axial', 'coronal', 'sagittal'] as const) {
    const axis = v.views[name].layout.sliceAxis;
    const times: number[] = [];
    for (let s = 0; s < steps; s++) {
      const t = performance.now();
      v.step(axis, s < steps / 2 ? 1 : -1);
      v.renderNow();
      syncGpu(v);
      times.push(performance.now() - t);
    }
    out[name] = { medianMs: quantile(times, 0.5), p95Ms: quantile(times, 0.95) };
  }
  const wt: number[] = [];
  for (let s = 0; s < steps; s++) {
    const t = performance.now();
    v.setWindow({ lo: s, hi: 1000 - s });
    v.renderNow();
    syncGpu(v);
    wt.push(performance.now() - t);
  }
  v.dispose();
  return { dims, generateMs, firstRenderMs, steps: out, windowMs: quantile(wt, 0.5), withAttention };
}

(window as unknown as { runVolumeBench: typeof run }).runVolumeBench = run;
