// The names `image --overlay F.png` writes: F itself for one map; with several, one file per map
// with the method and, for class-specific maps, the class index added, so that every map of a run
// gets its own file and the names say which map is which.
import path from 'node:path';

export interface OverlayMap {
  method: string;
  target: { index: number } | null;
}

export function overlayNames(file: string, maps: readonly OverlayMap[]): string[] {
  if (maps.length === 1) return [file];
  const ext = path.extname(file) || '.png';
  const stem = path.join(path.dirname(file), path.basename(file, ext));
  return maps.map((m) => `${stem}-${m.method}${m.target ? '-' + m.target.index : ''}${ext}`);
}
