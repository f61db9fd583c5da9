// Pure: the line under the views that says what the analysed slice at the cursor is, as the video
// app's frame panel and convergence panel do for a frame: the model's top-1 class, the target's
// score for class-specific maps, and how the map was solved (its start, head passes, and whether
// the Adam phase ran after L-BFGS). The slice timeline's bars show the same per slice, only as colour.
import type { VolumeSliceSummary } from '../../src/contract/index.js';

// (the video panel's wording, for slices)
const STARTS: Record<string, string> = {
  warm: "the previous slice's optimum (warm start)",
  uniform: 'the uniform filter',
  linearised: "the linearised head's optimum",
  neighbour: "the previous slice's answer for its class",
  random: 'random noise (--seed)',
};

const score = (p: number) => p.toFixed(2);

/** `optimiser`: what iterative solves of the job ran (Adam for the paper's settings, else L-BFGS). */
export function sliceReadout(s: VolumeSliceSummary | undefined, index: number, total: number, optimiser: 'lbfgs' | 'adam'): string {
  const at = `slice ${index + 1}/${total}`;
  if (!s) return `${at}: not analysed`;
  const parts: string[] = [];
  if (s.top) parts.push(`top-1 "${s.top.label}" ${score(s.top.score)}`);
  // (a class-specific map of the slice's own top-1, the default, has nothing more to say)
  if (s.target && s.targetScore !== null && s.target.index !== s.top?.index) parts.push(`target "${s.target.label}" ${score(s.targetScore)}`);
  const how = solved(s, optimiser);
  if (how) parts.push(how);
  // (' · ': runs of spaces collapse in the page)
  return `${at}: ${parts.join(' · ')}`;
}

/** null for maps without iterations to speak of (Grad-CAM, CAM: no start recorded) */
function solved(s: VolumeSliceSummary, optimiser: 'lbfgs' | 'adam'): string | null {
  if (!s.start) return null;
  if (s.start === 'exact') return 'exact optimum (one solve)';
  const from = STARTS[s.start] ?? `the ${s.start} start`;
  if (optimiser === 'adam') return `Adam from ${from}: ${s.iterations} iteration${s.iterations === 1 ? '' : 's'}`;
  const passes = `${s.iterations} head pass${s.iterations === 1 ? '' : 'es'}`;
  return s.adamPasses ? `L-BFGS from ${from}, then the Adam phase: ${passes}, ${s.adamPasses} of them Adam` : `L-BFGS from ${from}: ${passes}`;
}
