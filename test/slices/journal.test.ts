// The volume journal: a scan stopped mid-way resumes at its next slice, and the result is the one
// an uninterrupted run gives; a journal of other settings, torn or out of order, is not trusted.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { selectBackend } from '../../src/engine/backend.js';
import { inProcessRunner, type BackboneRunner } from '../../src/engine/backboneRunner.js';
import { openModel } from '../../src/engine/openModel.js';
import type { LoadedModel } from '../../src/models/loadModel.js';
import { analyzeVolume } from '../../src/slices/analyzeVolume.js';
import { openSliceJournal, parseJournal } from '../../src/slices/sliceJournal.js';
import type { Volume } from '../../src/volume/types.js';
import { saveLayersModel } from '../helpers/saveModel.js';
import { nonlinearHead } from '../models/tinyModels.js';

let tmp: string;
let model: LoadedModel;

/** A blob drifting across 8 slices along z. */
function blob(): Volume {
  const [nx, ny, nz] = [10, 9, 8];
  const data = new Float32Array(nx * ny * nz);
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) data[i + nx * (j + ny * k)] = 1000 * Math.exp(-((i - 2 - 0.8 * k) ** 2 + (j - 4) ** 2) / 6) + 30 * Math.sin(i + 2 * j + 3 * k);
  return {
    dims: [nx, ny, nz], spacing: [1, 1, 1],
    affine: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]],
    data, datatype: 'float32', source: { path: 'blob.nii', format: 'nifti1' }, metadata: {},
  };
}

beforeAll(async () => {
  await selectBackend('wasm');
  tmp = mkdtempSync(path.join(os.tmpdir(), 'l2caf-journal-'));
  model = await openModel({ model: await saveLayersModel(nonlinearHead(3, 16), path.join(tmp, 'model')), inputSize: 16 });
});
afterAll(() => {
  model?.dispose();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('volume journal', () => {
  it('a run stopped after 3 of 8 slices resumes at the 4th: only 5 backbone passes, the same attention and records', async () => {
    const volume = blob();
    const opts = { volume, model, axis: 'z' as const, methods: ['l2caf' as const, 'gradcam' as const], solve: { solver: 'iterative' as const } };
    const full = await analyzeVolume(opts);

    const file = path.join(tmp, 'a', 'slices.jsonl');
    const first = await openSliceJournal(file, 'job-1');
    expect(first.done).toEqual([]);
    const ac = new AbortController();
    let n = 0;
    const stopped = await analyzeVolume({ ...opts, resume: first, signal: ac.signal, onSlice: () => ++n === 3 && ac.abort() });
    expect(stopped.partial).toBe(true);
    // a torn last line, as a kill during a write leaves
    writeFileSync(file, readFileSync(file, 'utf8') + '{"axis":"z","ind');

    const again = await openSliceJournal(file, 'job-1');
    expect(again.done.map((d) => d.index)).toEqual([0, 1, 2]);
    let passes = 0;
    const counted = (r: BackboneRunner): BackboneRunner => ({ ...r, run: (...a) => (passes++, r.run(...a)) });
    const split = model.split();
    const resumed = await analyzeVolume({ ...opts, resume: again, runner: counted(inProcessRunner(model, split)) });
    expect(passes).toBe(5);
    expect(resumed.slices.map((s) => s.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(resumed.slices.slice(0, 3)).toEqual(full.slices.slice(0, 3).map((s, i) => ({ ...s, ms: stopped.slices[i]!.ms })));
    expect(resumed.slices[3]!.warmStarted).toBe(true);
    for (const [i, a] of resumed.attention.entries()) {
      const b = full.attention[i]!.data;
      let maxDiff = 0;
      for (let v = 0; v < b.length; v++) maxDiff = Math.max(maxDiff, Math.abs(a.data[v]! - b[v]!));
      // Grad-CAM is exact; L2-CAF's 4th slice starts from the 3rd's filter without its curvature
      expect(maxDiff, a.method).toBeLessThan(a.method === 'gradcam' ? 1e-6 : 0.02);
    }
    // the finished journal holds every slice, for a rerun killed before the results were written
    expect(parseJournal(readFileSync(file, 'utf8'), 'job-1').map((d) => d.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('another job, a corrupt line or an empty file: nothing, or only what came before', () => {
    const line = (index: number) => JSON.stringify({ axis: 'z', index, record: { maps: [] }, maps: [], params: {} });
    const text = [JSON.stringify({ key: 'k' }), line(0), line(1), 'not json', line(2), ''].join('\n');
    expect(parseJournal(text, 'k').map((d) => d.index)).toEqual([0, 1]);
    expect(parseJournal(text, 'other')).toEqual([]);
    expect(parseJournal('', 'k')).toEqual([]);
    expect(parseJournal(JSON.stringify({ key: 'k' }), 'k')).toEqual([]); // a torn header
  });
});
