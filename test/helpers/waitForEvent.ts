import type { ServiceEvent } from '../../src/contract/index.js';

/** The first event in `events` (a list the test's listener fills) that `pred` accepts, polled every 20 ms. */
export function waitFor(events: ServiceEvent[], pred: (e: ServiceEvent) => boolean, ms = 120_000): Promise<ServiceEvent> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = () => {
      const e = events.find(pred);
      if (e) return resolve(e);
      if (Date.now() - t0 > ms) return reject(new Error('timed out waiting for an event'));
      setTimeout(tick, 20);
    };
    tick();
  });
}
