// Backbone outputs of axial slices of the someones_anatomy.nii.gz fixture, as `l2caf volume`
// prepares them (windowed, padded to the model's square input): for tests of slice chains.
import type { LoadedModel } from '../../src/models/loadModel.js';
import type { BackboneOutput, SplitModel } from '../../src/models/split.js';
import { inputTensor } from '../../src/models/preprocess.js';
import { sliceInput } from '../../src/slices/sliceInput.js';
import { readVolume } from '../../src/volume/readVolume.js';
import { windowIntensity } from '../../src/volume/windowIntensity.js';
import { fixture } from './fixtures.js';

export const ANATOMY = 'volumes/someones_anatomy.nii.gz';

/** A function giving slice z's backbone output (the caller disposes it). */
export async function anatomySlices(model: LoadedModel, split: SplitModel): Promise<(z: number) => Promise<BackboneOutput>> {
  const vol = await readVolume(fixture(ANATOMY));
  const windowed = { dims: vol.dims, spacing: vol.spacing, data: windowIntensity(vol.data) };
  return async (z) => {
    const s = sliceInput(windowed, 'z', z, model.inputSize);
    const x = inputTensor(s.rgb, s.width, s.height, model.preprocessing);
    try {
      return await split.runBackbone(x);
    } finally {
      x.dispose();
    }
  };
}
