// Attention volumes to float32 NIfTI files with the scan's dims, sform and qform (and the scan's
// xform codes), so they overlay the scan in FSLeyes, ITK-SNAP or 3D Slicer. Each file appears
// atomically; all names are checked before the first is written.
import { writeNifti, sourceXformCodes } from '../volume/writeNifti.js';
import { outputNames } from './outputNames.js';
import type { VolumeAnalysis } from './types.js';

/** Writes every attention volume of `a`; returns the file names in `a.attention` order. */
export async function writeAttentionVolumes(out: string, a: VolumeAnalysis): Promise<string[]> {
  if (a.partial) throw new Error(`${out}: the analysis was cancelled; nothing written`);
  const names = outputNames(out, a.attention);
  const codes = sourceXformCodes(a.volume);
  for (let i = 0; i < names.length; i++) {
    const m = a.attention[i]!;
    const what = `${m.method}${m.target ? ` ${m.target.label}` : m.perSliceTop1 ? ' top-1' : ''} ${m.axis === 'volume' ? '3-D' : `axis ${m.axis}`}`;
    await writeNifti(names[i]!, { dims: a.volume.dims, affine: a.volume.affine, data: m.data }, { ...codes, description: `l2caf ${what}` });
  }
  return names;
}
