// Comparing a translated op's output with an ONNX conformance reference, and summarising a run.
// Pure: the runner (conformance.ts) reads the files and runs TF.js.

export type CaseStatus = 'pass' | 'fail' | 'refused';

export interface CaseResult {
  name: string;
  status: CaseStatus;
  /** largest |ours - reference| over the outputs (null when nothing was compared) */
  maxAbsErr: number | null;
  /** why it failed or was refused ('' for a pass) */
  message: string;
}

export interface Summary {
  total: number;
  pass: number;
  fail: number;
  refused: number;
}

/** ONNX's backend-test tolerances: |a - r| <= atol + rtol * |r|; integer outputs exactly. */
export const RTOL = 1e-3;
export const ATOL = 1e-4;

export interface Compared {
  ok: boolean;
  maxAbsErr: number;
  message: string;
}

export function compareValues(
  ours: ArrayLike<number>,
  ourShape: readonly number[],
  ref: ArrayLike<number>,
  refShape: readonly number[],
  integer: boolean,
): Compared {
  if (ourShape.length !== refShape.length || ourShape.some((d, i) => d !== refShape[i])) {
    return { ok: false, maxAbsErr: Infinity, message: `shape [${ourShape.join(', ')}], reference [${refShape.join(', ')}]` };
  }
  let maxAbsErr = 0;
  let worst = -1;
  for (let i = 0; i < ref.length; i++) {
    const a = ours[i]!;
    const r = ref[i]!;
    // NaN in both is a match (Sqrt of a negative); infinities match when equal
    if (Number.isNaN(a) && Number.isNaN(r)) continue;
    if (a === r) continue;
    const err = Math.abs(a - r);
    const bad = integer ? true : !(err <= ATOL + RTOL * Math.abs(r));
    if (!(err <= maxAbsErr)) maxAbsErr = Number.isNaN(err) ? Infinity : err;
    if (bad && worst < 0) worst = i;
  }
  if (worst >= 0) return { ok: false, maxAbsErr, message: `element ${worst}: ${ours[worst]} vs reference ${ref[worst]}` };
  return { ok: true, maxAbsErr, message: '' };
}

export function summarise(results: readonly CaseResult[]): Summary {
  const count = (s: CaseStatus) => results.filter((r) => r.status === s).length;
  return { total: results.length, pass: count('pass'), fail: count('fail'), refused: count('refused') };
}

export function formatResult(r: CaseResult): string {
  const err = r.maxAbsErr === null ? '' : ` max|err| ${r.maxAbsErr.toExponential(2)}`;
  return `${r.status.padEnd(7)} ${r.name}${err}${r.message ? `: ${r.message}` : ''}`;
}

export function formatSummary(s: Summary): string {
  return `${s.total} cases: ${s.pass} pass, ${s.refused} refused, ${s.fail} fail`;
}
