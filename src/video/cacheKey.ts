// What identifies an analysis result: the clip's content (not its name: a renamed or copied file
// still hits, an edited one misses), the model, the layer, the methods and classes, the frame
// selection and everything that changes the solver's output. Pure.
import { createHash } from 'node:crypto';
import type { SolveOptions } from '../attention/types.js';

/**
 * Bump when the timeline format or the analysis changes in a way old entries do not reflect.
 * 2: maps record why their solve ended (`stop`), and L-BFGS finishes after the Adam phase.
 */
export const CACHE_FORMAT = 2;

export interface CacheKeyParts {
  fileSha256: string;
  /** the model as given (--model), or the catalogue default */
  model: string;
  /** the layer as resolved */
  layer: string;
  methods: readonly string[];
  classes: readonly (string | number)[];
  stride: number;
  fromS: number | null;
  toS: number | null;
  preset: string;
  /** solver settings that affect the result (the preset's stop rule, solver choice, seed...) */
  solve: Omit<SolveOptions, 'init' | 'traceEvery'>;
  warmStart: boolean;
  /** preprocessing flags for user models */
  inputSize?: number | { width: number; height: number } | null;
  /** --labels and --output (absent when not given, so older keys still match) */
  labels?: string;
  output?: string;
  scale?: number | null;
  offset?: number | null;
  /** per-channel normalisation (--mean/--std), absent when not given */
  mean?: number[];
  std?: number[];
  /** --eval settings (the per-frame metrics live in the cached frames) */
  eval?: { steps: number; baseline: string } | null;
}

/** Stable JSON: object keys sorted, so the key does not depend on property order. */
export function stableJson(v: unknown): string {
  if (v === undefined) return 'null';
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
    .join(',')}}`;
}

/** sha256 hex of the parts (file-name safe). */
export function cacheKey(parts: CacheKeyParts): string {
  return createHash('sha256').update(stableJson({ format: CACHE_FORMAT, ...parts })).digest('hex');
}
