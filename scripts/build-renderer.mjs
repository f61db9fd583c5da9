// Bundles renderer/ (browser-only TypeScript) with esbuild into dist/renderer/: app.js (ESM, with
// three.js and the contract), index.html and styles.css. Type-checking is `tsc -p tsconfig.renderer.json`.
import { build } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'dist', 'renderer');
await mkdir(out, { recursive: true });
await build({
  entryPoints: [path.join(root, 'renderer', 'main.ts')],
  outfile: path.join(out, 'app.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome120'],
  sourcemap: true,
  minify: process.argv.includes('--minify'),
  legalComments: 'linked',
  logLevel: 'warning',
});
for (const f of ['index.html', 'styles.css']) await copyFile(path.join(root, 'renderer', f), path.join(out, f));
console.log(`renderer built into ${path.relative(root, out)}/`);
