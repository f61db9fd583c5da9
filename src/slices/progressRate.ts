// Slices per second and time left, from the count done and the time elapsed. Pure.
import type { VolumeJobProgress } from './types.js';

export function progressOf(slicesDone: number, slicesTotal: number, elapsedS: number): VolumeJobProgress {
  const fps = elapsedS > 0 ? slicesDone / elapsedS : 0;
  const etaS = slicesDone > 0 && fps > 0 ? (slicesTotal - slicesDone) / fps : null;
  return { slicesDone, slicesTotal, fps, etaS };
}
