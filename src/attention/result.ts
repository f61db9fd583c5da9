// Assembling the AttentionMap every method returns, so `raw`/`values` mean the same everywhere.
import { normalise01 } from './normalise.js';
import type { AttentionMap } from './types.js';

export function makeAttentionMap(
  fields: Omit<AttentionMap, 'values' | 'shape' | 'ms'> & { filterShape: readonly number[]; startedAt: number },
): AttentionMap {
  const { filterShape, startedAt, ...rest } = fields;
  return {
    ...rest,
    shape: [...filterShape],
    values: normalise01(rest.raw),
    ms: performance.now() - startedAt,
  };
}
