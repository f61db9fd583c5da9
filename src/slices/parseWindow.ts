// `--window` as typed: "p1,p99" (percentiles of the volume) or "W/L" (window width / level, as a
// radiology viewer shows them, e.g. 400/40 for CT soft tissue). Pure.
import { windowIntensity, type WindowSpec } from '../volume/windowIntensity.js';

export function parseWindow(text: string): WindowSpec {
  const s = text.trim();
  const pct = /^p(\d+(?:\.\d+)?),\s*p(\d+(?:\.\d+)?)$/i.exec(s);
  let spec: WindowSpec | null = null;
  if (pct) spec = { kind: 'percentile', lo: Number(pct[1]), hi: Number(pct[2]) };
  const wl = /^(-?\d+(?:\.\d+)?)\/(-?\d+(?:\.\d+)?)$/.exec(s);
  if (wl) spec = { kind: 'level', width: Number(wl[1]), center: Number(wl[2]) };
  if (!spec) throw new Error(`window "${text}": expected percentiles "pLO,pHI" (e.g. p1,p99) or width/level "W/L" (e.g. 400/40)`);
  // windowIntensity validates the numbers; run it on nothing to get its message now, not mid-job.
  try {
    windowIntensity([], spec);
  } catch (e) {
    throw new Error(`window "${text}": ${(e as Error).message}`);
  }
  return spec;
}

/** The inverse, for JSON and messages. */
export function formatWindow(spec: WindowSpec): string {
  return spec.kind === 'percentile' ? `p${spec.lo},p${spec.hi}` : `${spec.width}/${spec.center}`;
}
