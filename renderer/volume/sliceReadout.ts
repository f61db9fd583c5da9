// Pure: the line under the views that says what the analysed slice at the cursor is, as the video
// app's frame panel and convergence panel do for a frame: the model's top-1 class, the target's
// score for class-specific maps, and how the map was solved (its start, head passes, and whether
// the Adam phase ran after L-BFGS). The slice timeline's bars show the same per slice, only as colour.
import { stopWords, type VolumeSliceSummary } from '../../src/contract/index.js';
import { startName } from '../panels/convergenceText.js';


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
  // (the convergence panel's wording, for slices)
  const from = startName(s.start, 'slice');
  if (optimiser === 'adam') {
    const ended = stopWords(s.stop);
    return `Adam from ${from}: ${s.iterations} iteration${s.iterations === 1 ? '' : 's'}${ended ? `, ${ended}` : ''}`;
  }
  const passes = `${s.iterations} head pass${s.iterations === 1 ? '' : 'es'}`;
  // why L-BFGS ended where it did not certify an optimum (the line says nothing more for the usual case)
  const why = s.stop !== 'optimal' ? stopWords(s.stop) : null;
  if (s.adamPasses) return `L-BFGS from ${from}, then the Adam phase${why ? ` (L-BFGS ${why})` : ''}: ${passes}, ${s.adamPasses} of them Adam`;
  return `L-BFGS from ${from}: ${passes}${why ? `, ${why}` : ''}`;
}
