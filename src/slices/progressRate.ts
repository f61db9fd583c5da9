// Slices per second and time left, from the count done and the time elapsed (eta.ts: the first
// slice's start-up cost is left out of the estimate).
import { EtaEstimator } from '../jobs/eta.js';
import type { VolumeJobProgress } from './types.js';

/** One per job: call with each new count. */
export function progressTracker(): (slicesDone: number, slicesTotal: number, elapsedS: number, computed?: number) => VolumeJobProgress {
  const eta = new EtaEstimator();
  // `computed`: the slices this run solved (a resumed job's earlier slices took none of its time)
  return (slicesDone, slicesTotal, elapsedS, computed = slicesDone) => ({
    slicesDone,
    slicesTotal,
    fps: elapsedS > 0 ? computed / elapsedS : 0,
    etaS: eta.update(slicesDone, slicesTotal, elapsedS),
  });
}
