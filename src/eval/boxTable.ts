// Ground-truth boxes by image. Files name images in their own way (a path relative to the boxes
// file, a bare file name, a name without extension as VOC's annotation files do), so lookups try
// the full path, then the base name, then the base name without its extension. A short name shared
// by two different images is refused rather than guessed.
import path from 'node:path';
import type { EvalBox } from './types.js';

export class BoxTable {
  private readonly boxes = new Map<string, EvalBox[]>();
  /** short name -> the full paths that have it */
  private readonly shortNames = new Map<string, Set<string>>();

  /** `source`: the boxes file or folder (relative image names are resolved from its folder). */
  constructor(readonly source: string, private readonly base = path.dirname(source)) {}

  add(image: string, boxes: readonly EvalBox[]): void {
    const full = path.resolve(this.base, image);
    this.boxes.set(full, [...(this.boxes.get(full) ?? []), ...boxes]);
    for (const k of [path.basename(image), stripExt(path.basename(image))]) {
      const s = this.shortNames.get(k) ?? new Set<string>();
      s.add(full);
      this.shortNames.set(k, s);
    }
  }

  /** Number of images with boxes. */
  get size(): number {
    return this.boxes.size;
  }

  /** The boxes of `image`, or null when the table has none for it. */
  lookup(image: string): EvalBox[] | null {
    const hit = this.boxes.get(path.resolve(image));
    if (hit) return hit;
    for (const k of [path.basename(image), stripExt(path.basename(image))]) {
      const owners = this.shortNames.get(k);
      if (!owners) continue;
      if (owners.size > 1) throw new Error(`${this.source}: several images are named "${k}"; name them by path`);
      return this.boxes.get([...owners][0]!)!;
    }
    return null;
  }
}

function stripExt(name: string): string {
  const e = path.extname(name);
  return e ? name.slice(0, -e.length) : name;
}
