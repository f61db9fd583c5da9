// Which maps each slice gets: methods x classes, where a class-specific method without a fixed
// class explains each slice's own top-1 class. Pure.
import type { Method } from '../attention/types.js';
import type { MapRequest } from '../engine/analyze.js';

/** A request as the job sees it: target null on a class-specific method = the slice's top-1. */
export interface RequestTemplate {
  method: Method;
  target: number | null;
  perSliceTop1: boolean;
}

export function requestTemplates(methods: readonly Method[], targets: readonly number[] | null): RequestTemplate[] {
  const out: RequestTemplate[] = [];
  for (const method of methods) {
    if (method === 'l2caf') out.push({ method, target: null, perSliceTop1: false });
    else if (targets && targets.length) for (const t of targets) out.push({ method, target: t, perSliceTop1: false });
    else out.push({ method, target: null, perSliceTop1: true });
  }
  return out;
}

export function concreteRequest(t: RequestTemplate, top1: number): MapRequest {
  return { method: t.method, target: t.perSliceTop1 ? top1 : t.target };
}
