// File names for several attention volumes from one --out name: attention.nii.gz becomes
// attention-z.nii.gz (several axes), attention-l2caf-class-285.nii.gz (several maps), or both
// (attention-z-gradcam-285.nii.gz). One map keeps the name as given. Pure.
import path from 'node:path';
import type { AttentionVolume } from './types.js';

/** Splits a NIfTI name into stem and extension, keeping .nii.gz whole. */
export function splitNiftiName(file: string): { stem: string; ext: string } {
  const m = /(\.nii\.gz|\.nii)$/i.exec(file);
  if (!m) throw new Error(`${file}: the output must end in .nii or .nii.gz`);
  return { stem: file.slice(0, -m[1]!.length), ext: m[1]! };
}

export function mapSuffix(a: Pick<AttentionVolume, 'method' | 'target' | 'perSliceTop1'>): string {
  if (a.target) return `${a.method}-${a.target.index}`;
  return a.perSliceTop1 ? `${a.method}-top1` : a.method;
}

export function outputNames(out: string, maps: readonly Pick<AttentionVolume, 'axis' | 'method' | 'target' | 'perSliceTop1'>[]): string[] {
  const { stem, ext } = splitNiftiName(out);
  const axes = new Set(maps.map((m) => m.axis));
  const kinds = new Set(maps.map((m) => mapSuffix(m)));
  const names = maps.map((m) => {
    const parts = [stem];
    if (axes.size > 1) parts.push(m.axis);
    if (kinds.size > 1) parts.push(mapSuffix(m));
    return parts.join('-') + ext;
  });
  if (new Set(names.map((n) => path.resolve(n))).size !== names.length) throw new Error(`${out}: output names collide`);
  return names;
}
