// Draws build/icon.png (512x512): a jet-coloured attention blob on a dark rounded square, the
// app's motif. Run once; the PNG is kept in build/ for electron-builder.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const S = 512;
const png = new PNG({ width: S, height: S });
const clamp = (v) => Math.max(0, Math.min(1, v));
const jet = (t) => [clamp(1.5 - Math.abs(4 * t - 3)), clamp(1.5 - Math.abs(4 * t - 2)), clamp(1.5 - Math.abs(4 * t - 1))];
for (let y = 0; y < S; y++) {
  for (let x = 0; x < S; x++) {
    const i = (y * S + x) * 4;
    // rounded square mask
    const r = 96;
    const dx = Math.max(r - x, 0, x - (S - 1 - r));
    const dy = Math.max(r - y, 0, y - (S - 1 - r));
    const inside = dx * dx + dy * dy <= r * r;
    // two gaussian blobs: where the network looks
    const g = (cx, cy, s) => Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * s * s));
    const t = clamp(0.95 * g(300, 220, 70) + 0.6 * g(190, 330, 55));
    const [cr, cg, cb] = jet(t);
    const a = 0.25 + 0.75 * t;
    png.data[i] = Math.round(255 * (0.06 * (1 - a) + cr * a));
    png.data[i + 1] = Math.round(255 * (0.07 * (1 - a) + cg * a));
    png.data[i + 2] = Math.round(255 * (0.09 * (1 - a) + cb * a));
    png.data[i + 3] = inside ? 255 : 0;
  }
}
writeFileSync(path.join(root, 'build', 'icon.png'), PNG.sync.write(png));
console.log('build/icon.png written');
