// The app's faithfulness request -> the pipeline's eval options. The argument spec already bounds
// the fields; this fills the defaults and re-checks, because the handlers are also called directly
// (tests, the service process) and a bad value must fail here with a readable message, not deep in
// the pipeline after the model has loaded.
import {
  DEFAULT_EVAL_BASELINE, DEFAULT_EVAL_STEPS, EVAL_BASELINES, EVAL_STEPS_RANGE, ServiceError,
  type VideoEvalRequest, type VideoJobRequest,
} from '../contract/index.js';
import type { VideoEvalOptions } from '../video/types.js';

/** The eval options with defaults filled in; undefined when the request asks for none. */
export function evalOptionsOf(e: VideoEvalRequest | undefined): VideoEvalOptions | undefined {
  if (e === undefined) return undefined;
  const steps = e.steps ?? DEFAULT_EVAL_STEPS;
  const baseline = e.baseline ?? DEFAULT_EVAL_BASELINE;
  const [lo, hi] = EVAL_STEPS_RANGE;
  if (!Number.isInteger(steps) || steps < lo || steps > hi) {
    throw new ServiceError('bad-arguments', `faithfulness steps must be a whole number from ${lo} to ${hi}, got ${String(steps)}`);
  }
  if (!EVAL_BASELINES.includes(baseline)) {
    throw new ServiceError('bad-arguments', `unknown faithfulness baseline "${String(baseline)}" (choose ${EVAL_BASELINES.join(', ')})`);
  }
  return { steps, baseline };
}

/**
 * The request as the job keeps it: eval with its defaults spelled out, so `{ eval: {} }` and
 * `{ eval: { steps: 20 } }` are recognised as the same job, and the timeline's settings say what ran.
 */
export function normaliseRequest(req: VideoJobRequest): VideoJobRequest {
  const ev = evalOptionsOf(req.eval);
  const { eval: _drop, ...rest } = req;
  return ev ? { ...rest, eval: ev } : rest;
}
