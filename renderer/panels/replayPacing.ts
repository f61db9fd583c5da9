// Pure: how fast the convergence replay animates. 80 ms a step reads well for an L-BFGS solve (tens
// of steps), but the paper's Adam traces 150-1000 iterations (12-80 s at that pace): a replay is
// held to about REPLAY_MS, faster steps first, then every k-th step once a step would be shorter
// than a display frame.
export const REPLAY_MS = 8000;
const STEP_MS = 80;
const MIN_STEP_MS = 16;

/** ms between drawn steps, and which steps are drawn (every `stride`-th; the last always). */
export function replayPacing(steps: number): { intervalMs: number; stride: number } {
  if (!(steps > 0)) return { intervalMs: STEP_MS, stride: 1 };
  const stride = Math.max(1, Math.ceil((steps * MIN_STEP_MS) / REPLAY_MS));
  const drawn = Math.ceil(steps / stride);
  return { intervalMs: Math.max(MIN_STEP_MS, Math.min(STEP_MS, Math.floor(REPLAY_MS / drawn))), stride };
}
