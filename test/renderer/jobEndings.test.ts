// A job can end before the call that started it answers (events and replies travel separately):
// JobEndings keeps the ends of jobs nobody has claimed, hands each out once, and stays small.
import { describe, expect, it } from 'vitest';
import { isJobEnd, JobEndings } from '../../renderer/host/jobEndings.js';
import type { ServiceEvent } from '../../src/contract/index.js';

const done = (jobId: string): ServiceEvent => ({ type: 'job.done', jobId, kind: 'export', export: null });
const progress = (jobId: string): ServiceEvent => ({ type: 'job.progress', jobId, kind: 'export', done: 1, total: 2, fps: null, etaS: null, stage: 'encoding' });

describe('JobEndings', () => {
  it('gives a job end that arrived before the id was known, once', () => {
    const e = new JobEndings();
    e.note(progress('job-1'));
    e.note(done('job-1'));
    expect(e.take('job-1')).toEqual(done('job-1'));
    expect(e.take('job-1')).toBeUndefined();
  });

  it('keeps errors and cancellations too, but not progress', () => {
    const e = new JobEndings();
    e.note(progress('a'));
    e.note({ type: 'job.error', jobId: 'b', kind: 'video', error: { code: 'media', message: 'x.mp4: truncated' } });
    e.note({ type: 'job.cancelled', jobId: 'c', kind: 'video' });
    expect(e.take('a')).toBeUndefined();
    expect(e.take('b')?.type).toBe('job.error');
    expect(e.take('c')?.type).toBe('job.cancelled');
    expect(isJobEnd(progress('a'))).toBe(false);
  });

  it('forgets the oldest ends beyond its size', () => {
    const e = new JobEndings(3);
    for (const id of ['1', '2', '3', '4']) e.note(done(id));
    expect(e.take('1')).toBeUndefined();
    expect(e.take('4')?.jobId).toBe('4');
    expect(e.take('2')?.jobId).toBe('2');
  });
});
