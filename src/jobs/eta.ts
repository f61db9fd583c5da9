// Time left of a job, from its count done and the time elapsed. The first unit carries the start-up
// cost (model load, worker spawn, the first backbone pass compiling its kernels), so a rate taken
// from it promised "56:49 left" after one frame of a clip that took two minutes. The rate is
// measured from the first finished unit on, and no estimate is given until a few units have been
// timed; the rate (not the time left, which falls steadily and would lag) is smoothed so one slow
// unit does not make the line jump.
// Pure apart from the small state it keeps.

/** Units timed after the first before an estimate is given. */
export const ETA_MIN_UNITS = 3;
/** Weight of the newest estimate in the running one. */
const SMOOTHING = 0.3;

export class EtaEstimator {
  private origin: { done: number; atS: number } | null = null;
  private rate: number | null = null;

  /** `done` of `total` units after `elapsedS` seconds: seconds left, or null while unknown. */
  update(done: number, total: number, elapsedS: number): number | null {
    if (done >= total) return 0;
    if (done <= 0) return null;
    if (this.origin === null || done < this.origin.done) {
      this.origin = { done, atS: elapsedS };
      this.rate = null;
      return null;
    }
    const units = done - this.origin.done;
    const seconds = elapsedS - this.origin.atS;
    if (units < ETA_MIN_UNITS || seconds <= 0) return null;
    const raw = units / seconds;
    this.rate = this.rate === null ? raw : SMOOTHING * raw + (1 - SMOOTHING) * this.rate;
    return (total - done) / this.rate;
  }
}
