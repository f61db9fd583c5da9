// The analysis settings of a batch run, and the part of them each kind of item depends on: a new
// --stride redoes the clips but not the images. The per-kind view is what the settings hash covers.
import type { Constraint, Method, SolveOptions, SolverChoice } from '../attention/types.js';
import { defaultSolveOptions, presetLimit } from '../attention/index.js';
import type { ModelFlags } from '../engine/openModel.js';
import type { Axis } from '../volume/types.js';
import type { WindowSpec } from '../volume/windowIntensity.js';
import { settingsHash } from './settingsHash.js';
import type { ItemKind } from './types.js';
import type { TintBlend } from '../media/tint.js';

export type ExportFormat = 'mp4' | 'webm' | 'gif';

export interface BatchSettings {
  /** the model-finding flags, without callbacks */
  model: Omit<ModelFlags, 'onProgress' | 'signal' | 'log'>;
  layer?: string;
  methods: Method[];
  classes: string[];
  preset: 'paper' | 'converged';
  solver: SolverChoice;
  constraint: Constraint;
  seed?: number;
  /** --max-iterations (absent: the preset's limit) */
  maxIterations?: number;
  warmStart: boolean;
  video: {
    stride: number;
    fromS?: number;
    toS?: number;
    eval: { steps: number; baseline: 'blur' | 'mean' | 'zero' } | null;
    export: ExportFormat | null;
    colormap: string;
    opacity: number;
    /** the tint (media/tint.ts) where not the default (threshold 0, blend 'attention'): absent, the hash of earlier runs holds */
    threshold?: number;
    blend?: TintBlend;
    workers: number;
  };
  volume: { axis?: Axis | 'all'; window?: WindowSpec; weight: boolean };
  image: { colormap: string; opacity: number; threshold?: number; blend?: TintBlend };
}

/** What changes an item of this kind's result (worker counts do not). */
export function settingsOfKind(s: BatchSettings, kind: ItemKind | null): unknown {
  const common = { model: s.model, layer: s.layer, methods: s.methods, classes: s.classes, preset: s.preset, solver: s.solver, constraint: s.constraint, seed: s.seed, maxIterations: s.maxIterations };
  if (kind === 'video') {
    const { workers: _workers, ...v } = s.video;
    return { kind, ...common, warmStart: s.warmStart, ...v };
  }
  if (kind === 'volume') return { kind, ...common, warmStart: s.warmStart, ...s.volume };
  if (kind === 'image') return { kind, ...common, ...s.image };
  return { kind, ...common };
}

export function hashForKind(s: BatchSettings, kind: ItemKind | null): string {
  return settingsHash(settingsOfKind(s, kind));
}

/** The flags' changes to the preset's solver options (what the video and volume pipelines take). */
export function solveOverrides(s: BatchSettings): Partial<SolveOptions> {
  return { solver: s.solver, constraint: s.constraint, ...(s.seed !== undefined ? { seed: s.seed, start: 'also-random' as const } : {}), ...presetLimit(s.preset, s.maxIterations) };
}

/** The full solver options (what the image pipeline takes): the preset, then the flags. */
export function solveOf(s: BatchSettings): SolveOptions {
  return { ...defaultSolveOptions(s.preset), ...solveOverrides(s) };
}
