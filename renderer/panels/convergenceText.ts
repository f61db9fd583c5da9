// Pure: what the convergence panel says about the map on screen before any replay. A map with no
// iterations (the exact solver, Grad-CAM, CAM) has no curve to plot, so the panel says why instead
// of showing empty canvases.

export interface ShownMap {
  /** MapInfo.solver: iterative | exact | gradient | weights */
  solver: string;
  iterations: number;
}

export interface ConvergenceState {
  /** the map has iterations whose convergence a replay can draw as they were solved */
  plottable: boolean;
  text: string;
}

export function convergenceState(m: ShownMap | null): ConvergenceState {
  if (!m) return { plottable: false, text: 'Replays the solve of the frame on screen once it is analysed.' };
  const steps = (n: number) => `${n} iteration${n === 1 ? '' : 's'}`;
  switch (m.solver) {
    case 'exact':
      return { plottable: false, text: 'exact solver: optimum in 1 step (no iterations to plot). Replay solves this frame iteratively to compare.' };
    case 'gradient':
      return { plottable: false, text: 'Grad-CAM: one backward pass (no iterations to plot).' };
    case 'weights':
      return { plottable: false, text: 'CAM: the head\'s weights (no iterations to plot).' };
    default:
      return { plottable: true, text: `${m.solver} solver: ${steps(m.iterations)}. Replay to watch the filter converge.` };
  }
}
