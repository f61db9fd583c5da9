// Classifies a translated head as layersSplit does for layers models: 'gap-affine' when it is a
// chain of pointwise/identity ops, then global average pooling, then affine ops (exact solvers and
// CAM apply); 'affine' when every op is affine in the filter (exact solvers apply); else
// 'nonlinear'. Pure, over the steps' kinds and where their data inputs come from.
import type { HeadLinearity } from '../../attention/types.js';
import type { OpKind } from '../layersTranslate.js';

/** A data input of a step: the filtered features, an earlier step, a backbone side tensor, or a constant. */
export type StepSource = 'f' | number | 'side' | 'static';

export interface StepShape {
  kind: OpKind;
  sources: StepSource[];
}

export function classifyHead(steps: readonly StepShape[]): HeadLinearity {
  const kinds = steps.map((s) => s.kind);
  if (kinds.includes('nonlinear')) return 'nonlinear';
  // A chain: each step reads exactly one filter-dependent input, the step before it, and no side tensor.
  const chain = steps.every((s, i) => {
    const varying = s.sources.filter((x) => x !== 'static');
    return varying.length === 1 && varying[0] === (i === 0 ? 'f' : i - 1);
  });
  if (chain) {
    const g = kinds.indexOf('gap');
    if (g >= 0 && kinds.slice(0, g).every((k) => k === 'pointwise' || k === 'identity')) return 'gap-affine';
  }
  return 'affine';
}
