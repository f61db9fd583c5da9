// Running and finished jobs: id -> AbortController, state, and what the job keeps (a timeline,
// an export result). start() answers with the id at once and runs the work in the background;
// cancel() aborts it. A job that finished with a result is kept until its user closes it (close():
// the app does when it replaces or closes what showed it): a result someone waited for is never
// dropped because other jobs finished after it. Only failed and cancelled jobs, which hold no
// result, are dropped on their own, the oldest first beyond a limit (onDrop releases their binaries).
import { randomBytes } from 'node:crypto';
import type { JobId, JobInfo, JobKind, JobState } from '../contract/index.js';

export interface Job<T = unknown> {
  id: JobId;
  kind: JobKind;
  state: JobState;
  startedAt: Date;
  controller: AbortController;
  /** what the job keeps for later calls (e.g. the video job's timeline state) */
  data: T;
  done: Promise<void>;
}

export interface JobHooks {
  onDone?(job: Job): void;
  onError?(job: Job, error: unknown): void;
  onCancelled?(job: Job): void;
  onDrop?(job: Job): void;
}

export class JobRegistry {
  private readonly jobs = new Map<JobId, Job>();

  constructor(private readonly hooks: JobHooks = {}, private readonly keepUnfinished = 8) {}

  /**
   * Registers a job and starts `run` on the next tick (so that the caller can answer with the id
   * before the first event). `run` gets the job; when it rejects after an abort the job is
   * 'cancelled', otherwise 'error'.
   */
  start<T>(kind: JobKind, data: T, run: (job: Job<T>) => Promise<void>): Job<T> {
    const id = `${kind}-${randomBytes(6).toString('hex')}`;
    const controller = new AbortController();
    const job: Job<T> = { id, kind, state: 'running', startedAt: new Date(), controller, data, done: Promise.resolve() };
    this.jobs.set(id, job as Job);
    job.done = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => run(job))
      .then(
        () => {
          if (controller.signal.aborted) {
            job.state = 'cancelled';
            this.hooks.onCancelled?.(job as Job);
          } else {
            job.state = 'done';
            this.hooks.onDone?.(job as Job);
          }
        },
        (e: unknown) => {
          if (controller.signal.aborted) {
            job.state = 'cancelled';
            this.hooks.onCancelled?.(job as Job);
          } else {
            job.state = 'error';
            this.hooks.onError?.(job as Job, e);
          }
        },
      )
      .finally(() => this.prune());
    return job;
  }

  get(id: JobId): Job | undefined {
    return this.jobs.get(id);
  }

  /** Aborts a running job; false when it is unknown or already finished. */
  cancel(id: JobId): boolean {
    const job = this.jobs.get(id);
    if (!job || job.state !== 'running') return false;
    job.controller.abort(new Error('cancelled by the user'));
    return true;
  }

  list(): JobInfo[] {
    return [...this.jobs.values()].map((j) => ({ jobId: j.id, kind: j.kind, state: j.state, startedAt: j.startedAt.toISOString() }));
  }

  running(): Job[] {
    return [...this.jobs.values()].filter((j) => j.state === 'running');
  }

  /** Cancels everything and waits for the jobs to end (shutdown: no ffmpeg or worker left behind). */
  async cancelAll(): Promise<void> {
    const running = this.running();
    for (const j of running) j.controller.abort(new Error('the app is closing'));
    await Promise.all(running.map((j) => j.done));
  }

  /** Forgets a job (cancelling it first when it runs); false when it is unknown. */
  close(id: JobId): boolean {
    const job = this.jobs.get(id);
    if (!job) return false;
    if (job.state === 'running') job.controller.abort(new Error('closed by the user'));
    this.jobs.delete(id);
    this.hooks.onDrop?.(job);
    return true;
  }

  private prune(): void {
    const ended = [...this.jobs.values()].filter((j) => j.state === 'error' || j.state === 'cancelled');
    for (const j of ended.slice(0, Math.max(0, ended.length - this.keepUnfinished))) {
      this.jobs.delete(j.id);
      this.hooks.onDrop?.(j);
    }
  }
}
