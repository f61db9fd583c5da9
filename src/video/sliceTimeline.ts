// The timeline of a part of the clip: what the sidecars of an export of a marked range carry, so
// a 2 s clip's CSV/JSON list that clip's frames and numbers, not the whole clip's. Pure.
import { evalSummary } from './evalSummary.js';
import { summarise } from './timelineFrame.js';
import type { Timeline } from './types.js';

/** the slack decodeFrames.selectFrames gives frame times (probe sums such as 30.159999999999997) */
const EPS = 1e-7;

/**
 * The analysed frames with fromS <= time < toS (the export's range, `--to` exclusive as in the
 * CLI; an absent end is the clip's), the summary recomputed over them (the run's fps and wall time
 * kept: they describe how the frames were made) and the range in the settings.
 */
export function sliceTimeline(t: Timeline, fromS?: number | null, toS?: number | null): Timeline {
  const from = fromS ?? -Infinity;
  const to = toS ?? Infinity;
  const frames = t.frames.filter((f) => f.timeS >= from - EPS && f.timeS < to - EPS);
  const base = summarise(frames, t.summary.wallS, 0);
  return {
    ...t,
    settings: { ...t.settings, fromS: fromS ?? t.settings.fromS, toS: toS ?? t.settings.toS },
    frames,
    summary: { ...base, fps: t.summary.fps, ...(t.summary.eval ? { eval: evalSummary(frames) } : {}) },
  };
}
