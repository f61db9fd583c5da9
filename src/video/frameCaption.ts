// The text burned into an exported frame: the method and target label with its score, and the
// time. The score is the softmax probability when the target is among the top-5 predictions,
// else the raw output ("logit"). Pure.
import { formatTimestamp } from '../media/annotate.js';
import type { FrameMap, TimelineFrame } from './types.js';

export function frameCaption(frame: TimelineFrame, map: FrameMap, timeS: number): string[] {
  let label: string;
  if (map.target) {
    const p = frame.predictions.find((x) => x.index === map.target!.index);
    const score = p ? p.score.toFixed(2) : map.targetScore != null ? `logit ${map.targetScore.toFixed(2)}` : '';
    label = `${map.target.label} ${score}`.trim();
  } else {
    const top = frame.predictions[0];
    label = top ? `${top.label} ${top.score.toFixed(2)}` : '';
  }
  // The 5x7 font is ASCII: anything else would draw as a placeholder.
  const ascii = (s: string) => s.replace(/[^\x20-\x7e]/g, '?');
  return [ascii(`${map.method}: ${label}`), formatTimestamp(timeS)];
}
