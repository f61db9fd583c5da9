// A job's events and the reply to the call that started it travel separately (server-sent events
// vs the POST's response; IPC events vs invoke's reply), so a job that ends quickly (a NIfTI export,
// a short analysis) can report job.done before its caller has the id. JobEndings remembers how the
// most recent jobs ended, so a caller that learns an id late still sees the end. Pure, no DOM.
import type { JobCancelledEvent, JobDoneEvent, JobErrorEvent, ServiceEvent } from '../../src/contract/index.js';

export type JobEndEvent = JobDoneEvent | JobErrorEvent | JobCancelledEvent;

export function isJobEnd(e: ServiceEvent): e is JobEndEvent {
  return e.type === 'job.done' || e.type === 'job.error' || e.type === 'job.cancelled';
}

export class JobEndings {
  private readonly ended = new Map<string, JobEndEvent>();

  /** @param keep how many ends to remember (the oldest are dropped: the map stays small) */
  constructor(private readonly keep = 64) {}

  /** Feed every event the component receives; only job ends are kept. */
  note(e: ServiceEvent): void {
    if (!isJobEnd(e)) return;
    this.ended.delete(e.jobId);
    this.ended.set(e.jobId, e);
    while (this.ended.size > this.keep) this.ended.delete(this.ended.keys().next().value!);
  }

  /** How `jobId` ended, if that has arrived already (then forgotten, so it is handled once). */
  take(jobId: string): JobEndEvent | undefined {
    const e = this.ended.get(jobId);
    this.ended.delete(jobId);
    return e;
  }
}
