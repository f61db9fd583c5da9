// Slices per second and time left, from the count done and the time elapsed (eta.ts: the first
// slice's start-up cost is left out of the estimate).
import { EtaEstimator } from '../jobs/eta.js';
import type { VolumeJobProgress } from './types.js';

/** One per job: call with each new count. */
export function progressTracker(): (slicesDone: number, slicesTotal: number, elapsedS: number) => VolumeJobProgress {
  const eta = new EtaEstimator();
  return (slicesDone, slicesTotal, elapsedS) => ({
    slicesDone,
    slicesTotal,
    fps: elapsedS > 0 ? slicesDone / elapsedS : 0,
    etaS: eta.update(slicesDone, slicesTotal, elapsedS),
  });
}
