// The geometry check on a real model: a cat photo in a known, off-centre box of two
// slices, noise elsewhere; the class-specific attention for the photo's class must peak inside that
// box and those slices, slicing along each of x, y and z, so any flip or transposition shows.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { selectBackend } from '../../src/engine/backend.js';
import { openModel } from '../../src/engine/openModel.js';
import type { LoadedModel } from '../../src/models/loadModel.js';
import { analyzeVolume } from '../../src/slices/analyzeVolume.js';
import { peakOf } from '../../src/slices/peak.js';
import { writeAttentionVolumes } from '../../src/slices/writeAttention.js';
import { readNiftiFile } from '../../src/volume/readNifti.js';
import type { Axis } from '../../src/volume/types.js';
import { fixture, haveFixture, FIXTURES } from '../helpers/fixtures.js';
import { BOX, PHOTO_SLICES, PLANE, catVolume, inBox, photoGrey, planeCoords } from './catVolume.js';

const ok = haveFixture('models/darknet-tiny') && haveFixture('images/chelsea.png');

describe.skipIf(!ok)('attention volume geometry (darknet-tiny, a cat in a box)', () => {
  let model: LoadedModel;
  let photo: Float32Array;
  let tmp: string;

  beforeAll(async () => {
    process.env.L2CAF_MODEL_MIRROR = path.join(FIXTURES, 'models');
    await selectBackend();
    model = await openModel({ model: 'darknet-tiny' });
    photo = await photoGrey(fixture('images/chelsea.png'));
    tmp = mkdtempSync(path.join(os.tmpdir(), 'l2caf-geom-'));
  });
  afterAll(() => {
    model?.dispose();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it.each<Axis>(['z', 'y', 'x'])('slicing along %s: the Egyptian cat map peaks in the box and the photo slices', async (axis) => {
    const volume = catVolume(axis, photo);
    const before = tf.memory().numTensors;
    const r = await analyzeVolume({ volume, model, axis, methods: ['l2caf-class', 'gradcam'], classes: ['Egyptian cat'] });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.partial).toBeUndefined();
    expect(r.slices.map((s) => s.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    // the photo slices look far more like a cat than the noise slices
    const catProb = (s: (typeof r.slices)[number]) => s.maps[0]!.targetScore!;
    const photoMin = Math.min(...r.slices.filter((s) => PHOTO_SLICES.includes(s.index)).map(catProb));
    const noiseMax = Math.max(...r.slices.filter((s) => !PHOTO_SLICES.includes(s.index)).map(catProb));
    expect(photoMin).toBeGreaterThan(5 * noiseMax);
    expect(r.attention.map((a) => [a.axis, a.method, a.target?.label])).toEqual([
      [axis, 'l2caf-class', 'Egyptian cat'],
      [axis, 'gradcam', 'Egyptian cat'],
    ]);
    for (const a of r.attention) {
      expect(a.data.length).toBe(volume.data.length);
      const peak = peakOf(a.data, volume.dims, volume.affine);
      const c = planeCoords(axis, peak.voxel);
      expect(inBox(c), `${a.method} peak at u ${c.u}, v ${c.v}, slice ${c.s}`).toBe(true);
      // and not merely the maximum: most of the photo slices' attention lies in the box
      let inside = 0;
      let total = 0;
      for (let n = 0; n < a.data.length; n++) {
        const i = n % volume.dims[0];
        const j = Math.floor(n / volume.dims[0]) % volume.dims[1];
        const k = Math.floor(n / (volume.dims[0] * volume.dims[1]));
        const p = planeCoords(axis, [i, j, k]);
        if (!PHOTO_SLICES.includes(p.s)) continue;
        total += a.data[n]!;
        const boxed = p.u >= BOX.u0 && p.u < BOX.u0 + BOX.width && p.v >= BOX.v0 && p.v < BOX.v0 + BOX.height;
        if (boxed) inside += a.data[n]!;
      }
      const boxShare = (BOX.width * BOX.height) / (PLANE.width * PLANE.height);
      expect(inside / total).toBeGreaterThan(boxShare);
    }
    if (axis === 'y') {
      // written as NIfTI, it reads back on the scan's grid with the scan's affine
      const files = await writeAttentionVolumes(path.join(tmp, 'att.nii.gz'), r);
      expect(files.map((f) => path.basename(f))).toEqual(['att-l2caf-class-285.nii.gz', 'att-gradcam-285.nii.gz'].map((n) => n.replace('285', String(r.attention[0]!.target!.index))));
      const back = await readNiftiFile(files[0]!);
      expect(back.dims).toEqual(volume.dims);
      for (let row = 0; row < 4; row++) for (let col = 0; col < 4; col++) expect(back.affine[row]![col]).toBeCloseTo(volume.affine[row]![col]!, 5);
      expect(Array.from(back.data)).toEqual(Array.from(r.attention[0]!.data));
    }
  });
});
