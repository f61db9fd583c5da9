// Bundles the Electron shell with esbuild: dist/electron/main.mjs (ESM; node_modules and electron
// stay external) and dist/electron/preload.cjs (CommonJS, self-contained: a sandboxed preload can
// only require 'electron'). The service process is tsc's dist/service/serviceProcess.js.
// Type-checking is `tsc -p tsconfig.electron.json`.
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'dist', 'electron');
const common = { bundle: true, platform: 'node', target: 'node22', sourcemap: true, logLevel: 'warning', external: ['electron'] };
await build({ ...common, entryPoints: [path.join(root, 'electron', 'main.ts')], outfile: path.join(out, 'main.mjs'), format: 'esm', packages: 'external' });
await build({ ...common, entryPoints: [path.join(root, 'electron', 'preload.ts')], outfile: path.join(out, 'preload.cjs'), format: 'cjs' });
console.log(`electron shell built into ${path.relative(root, out)}/`);
