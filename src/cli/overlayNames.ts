// The names `image --overlay F.png` writes: F itself for one map; with several, one file per map
// with the method and, for class-specific maps, the class index added, so that every map of a run
// gets its own file and the names say which map is which.
import path from 'node:path';

export interface OverlayMap {
  method: string;
  target: { index: number } | null;
}

/**
 * The names knowable before any work, from the flags: class-oblivious maps, and class-specific maps
 * of classes given by index (a label or the top-1 is resolved by the model). Checked against the
 * inputs before the run; all names are checked again once the maps are known. A single map is
 * written to `file` itself, which the caller checks already: no extra names then.
 */
export function overlayNamesBefore(file: string, methods: readonly string[], classes: readonly string[]): string[] {
  const maps: OverlayMap[] = [];
  let unknown = 0;
  for (const m of methods) {
    if (m === 'l2caf') maps.push({ method: m, target: null });
    else if (classes.length === 0) unknown++;
    else for (const c of classes) /^\d+$/.test(c) ? maps.push({ method: m, target: { index: Number(c) } }) : unknown++;
  }
  return maps.length + unknown <= 1 ? [] : maps.map((m) => suffixedName(file, m));
}

export function overlayNames(file: string, maps: readonly OverlayMap[]): string[] {
  return maps.length === 1 ? [file] : maps.map((m) => suffixedName(file, m));
}

function suffixedName(file: string, m: OverlayMap): string {
  const ext = path.extname(file) || '.png';
  const stem = path.join(path.dirname(file), path.basename(file, ext));
  return `${stem}-${m.method}${m.target ? '-' + m.target.index : ''}${ext}`;
}
