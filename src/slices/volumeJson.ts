// The documented JSON of a volume analysis (`l2caf volume --json`; see README "Volume JSON").
// Attention values are not in it (they are the NIfTI files); everything else a user or script
// needs to find them and judge them is.
import type { Mat4, MetadataValue, Axis } from '../volume/types.js';
import { formatWindow } from './parseWindow.js';
import { peakOf, type Peak } from './peak.js';
import type { SliceRecord, VolumeAnalysis, VolumeModelInfo, VolumeSummary, WholeVolumeRecord } from './types.js';

export interface VolumeJson {
  volume: {
    path: string;
    format: string;
    dims: [number, number, number];
    spacing: [number, number, number];
    /** voxel -> world (RAS+ mm), 4x4 rows */
    affine: Mat4;
    datatype: string;
    /** which volume of a 4-D file */
    t: number;
    frames?: number;
    metadata: Record<string, MetadataValue>;
  };
  model: VolumeModelInfo;
  settings: {
    axes: Axis[];
    methods: string[];
    classes: (string | number)[];
    window: string;
    preset: string;
    warmStart: boolean;
    weighting: string;
  };
  maps: {
    axis: Axis | 'volume';
    method: string;
    target: { index: number; label: string } | null;
    perSliceTop1: boolean;
    /** the NIfTI file it was written to, when written */
    file: string | null;
    peak: Peak;
  }[];
  /** the slice records without their timings */
  slices: Omit<SliceRecord, 'ms'>[];
  whole?: WholeVolumeRecord;
  summary: VolumeSummary;
  /** what the run assumed on the user's behalf, e.g. volume 0 of a 4-D scan when --t was not given */
  warnings: string[];
  partial?: boolean;
}

/** The note for a 4-D scan read without a volume index: which volume was used and how to choose. */
export function fourDNote(frames: number | undefined, tGiven: boolean): string | null {
  if (tGiven || frames === undefined || frames <= 1) return null;
  return `a 4-D scan of ${frames} volumes: volume 0 was analysed (choose another with --t N, 0..${frames - 1})`;
}

const r5 = (v: number) => Math.round(v * 1e5) / 1e5;
const r5n = (v: number | null) => (v == null ? null : r5(v));

/** `files[i]` is where attention[i] was written (null/absent: not written). */
export function volumeJson(a: VolumeAnalysis, files: readonly (string | null)[] = [], warnings: readonly string[] = []): VolumeJson {
  const v = a.volume;
  const out: VolumeJson = {
    volume: {
      path: v.source.path,
      format: v.source.format,
      dims: [...v.dims],
      spacing: [...v.spacing],
      affine: v.affine.map((row) => [...row]),
      datatype: v.datatype,
      t: a.settings.t,
      metadata: v.metadata,
    },
    model: a.model,
    settings: { ...a.settings, window: formatWindow(a.settings.window) },
    maps: a.attention.map((m, i) => ({
      axis: m.axis,
      method: m.method,
      target: m.target,
      perSliceTop1: m.perSliceTop1,
      file: files[i] ?? null,
      peak: peakOf(m.data, v.dims, v.affine),
    })),
    slices: a.slices.map((s) => ({
      axis: s.axis,
      index: s.index,
      predictions: s.predictions.map((p) => ({ ...p, score: r5(p.score) })),
      targetScore: r5n(s.targetScore),
      iterations: s.iterations,
      loss: s.loss,
      warmStarted: s.warmStarted,
      maps: s.maps.map((m) => ({ ...m, targetScore: r5n(m.targetScore), weight: r5(m.weight) })),
    })),
    summary: { ...a.summary, fps: r5(a.summary.fps), wallS: r5(a.summary.wallS) },
    warnings: [...warnings],
  };
  if (v.frames !== undefined) out.volume.frames = v.frames;
  if (a.whole) out.whole = a.whole;
  if (a.partial) out.partial = true;
  return out;
}
