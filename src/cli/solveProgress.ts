// Progress for a long L2-CAF solve on the command line: nothing for the first 2 s (most solves are
// done by then), then a line every 2 s with the iteration and the limit, so a slow solve (an early
// layer, a big filter) is never silent. The solve is synchronous, so this is called from inside it
// (SolveOptions.onIteration); stderr writes to a terminal, file or pipe are synchronous on Linux.

export interface ProgressSink {
  write(s: string): unknown;
}

/** onIteration for SolveOptions; a solve restarts the clock at its iteration 0. */
export function solveProgress(out: ProgressSink, now: () => number = () => performance.now(), quietMs = 2000, everyMs = 2000): (iteration: number, limit: number) => void {
  let started = now();
  let last = -Infinity;
  return (iteration, limit) => {
    const t = now();
    if (iteration === 0) {
      started = t;
      last = -Infinity;
      return;
    }
    if (t - started < quietMs || t - last < everyMs) return;
    last = t;
    out.write(`l2caf: solving: iteration ${iteration} of at most ${limit}, ${Math.round((t - started) / 1000)} s so far\n`);
  };
}
