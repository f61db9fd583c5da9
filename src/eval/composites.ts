// Ground truth by construction: composites of two fixture images side by side (or stacked), each
// scaled to the model's input size, so each object's box is exactly one half of the composite.
// Used by the reproducible comparison (compare.ts); tests build their own the same way.
import path from 'node:path';
import { runFfmpeg } from '../media/runFfmpeg.js';
import type { EvalBox } from './types.js';

export interface Composite {
  file: string;
  /** the two source images, first = left (or top) */
  parts: [string, string];
  /** one box per part, labelled with the class given for that part */
  boxes: EvalBox[];
}

/** Every unordered pair of `images`: pair k is side by side when k is even, stacked when odd. */
export function compositePlan(images: readonly string[]): { a: number; b: number; layout: 'h' | 'v' }[] {
  const out: { a: number; b: number; layout: 'h' | 'v' }[] = [];
  for (let i = 0; i < images.length; i++)
    for (let j = i + 1; j < images.length; j++) {
      const k = out.length;
      // alternate which image comes first so no class always sits on the same side
      out.push(k % 4 < 2 ? { a: i, b: j, layout: k % 2 ? 'v' : 'h' } : { a: j, b: i, layout: k % 2 ? 'v' : 'h' });
    }
  return out;
}

/** Boxes of the two halves of a composite of two size x size tiles. Pure. */
export function halfBoxes(layout: 'h' | 'v', size: number, labels: [string, string]): EvalBox[] {
  return layout === 'h'
    ? [{ x: 0, y: 0, width: size, height: size, label: labels[0] }, { x: size, y: 0, width: size, height: size, label: labels[1] }]
    : [{ x: 0, y: 0, width: size, height: size, label: labels[0] }, { x: 0, y: size, width: size, height: size, label: labels[1] }];
}

export async function buildComposites(images: readonly string[], labels: readonly string[], size: number, dir: string): Promise<Composite[]> {
  const out: Composite[] = [];
  for (const { a, b, layout } of compositePlan(images)) {
    const name = `${path.parse(images[a]!).name}-${layout === 'h' ? 'left' : 'top'}-${path.parse(images[b]!).name}.png`;
    const file = path.join(dir, name);
    await runFfmpeg(
      ['-v', 'error', '-i', images[a]!, '-i', images[b]!, '-filter_complex',
        `[0:v]scale=${size}:${size}:flags=area,format=rgb24[a];[1:v]scale=${size}:${size}:flags=area,format=rgb24[b];[a][b]${layout === 'h' ? 'hstack' : 'vstack'}=inputs=2`,
        '-frames:v', '1', '-y', file],
      { input: images[a] },
    );
    out.push({ file, parts: [images[a]!, images[b]!], boxes: halfBoxes(layout, size, [labels[a]!, labels[b]!]) });
  }
  return out;
}
