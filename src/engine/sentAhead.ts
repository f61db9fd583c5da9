// The signal a job's inputs sent ahead to a runner listen to: the job's own (a stop), and the job's
// end. A job that fails takes what it queued off the runner at once; on a caller's pool, which
// stays open, that work would otherwise run for nothing (video frames, a scan's slices).
export interface SentAhead {
  signal: AbortSignal;
  /** calls off whatever is still queued (a finished job has nothing left) */
  end(): void;
}

export function sentAhead(job?: AbortSignal): SentAhead {
  const own = new AbortController();
  return { signal: job ? AbortSignal.any([job, own.signal]) : own.signal, end: () => own.abort() };
}
