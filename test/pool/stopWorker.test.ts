// stopWorker: a worker that honours the stop message exits by itself; one that cannot (busy in a
// synchronous loop) is terminated once the grace period is over.
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { isStopMessage, STOP_MESSAGE, stopWorker } from '../../src/pool/stopWorker.js';

const listening = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', (m) => { if (m && m.type === ${JSON.stringify(STOP_MESSAGE.type)}) process.exit(7); });
parentPort.postMessage('up');
`;
const busy = `require('node:worker_threads').parentPort.postMessage('up'); for (;;) {}`;

function started(code: string): Promise<{ worker: Worker; code: Promise<number> }> {
  const worker = new Worker(code, { eval: true });
  const exitCode = new Promise<number>((r) => worker.once('exit', r));
  return new Promise((resolve) => worker.once('message', () => resolve({ worker, code: exitCode })));
}

describe('stopWorker', () => {
  it('recognises only the stop message', () => {
    expect(isStopMessage(STOP_MESSAGE)).toBe(true);
    for (const m of [null, undefined, 'stop', { type: 'run' }, { id: 1 }]) expect(isStopMessage(m)).toBe(false);
  });

  it('a listening worker exits from its own handler, before the grace period', async () => {
    const w = await started(listening);
    await stopWorker(w.worker, 60_000);
    expect(await w.code).toBe(7);
  });

  it('a worker that has already exited resolves at once', async () => {
    const w = await started(listening);
    await w.worker.terminate();
    await w.code;
    const t0 = performance.now();
    await stopWorker(w.worker, 60_000);
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('a worker stuck in a loop is terminated after the grace period', async () => {
    const w = await started(busy);
    const t0 = performance.now();
    await stopWorker(w.worker, 300);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(250);
    expect(await w.code).toBe(1); // terminate()'s exit code
  });
});
