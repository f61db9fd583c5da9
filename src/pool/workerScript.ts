// Where the compiled worker script is. Worker threads run plain JavaScript files: Node cannot load
// the .ts sources that vitest runs, and a worker does not inherit vitest's on-the-fly TypeScript
// transform. So:
// - compiled code (dist/pool/backbonePool.js) uses the sibling dist/pool/backboneWorker.js;
// - code run from the sources (src/pool/backbonePool.ts under vitest) uses the project's
//   dist/pool/backboneWorker.js, which `npm test` builds first (tsc runs before vitest).
// A missing build is an error that says what to run, not a crash inside the worker.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const WORKER_FILE = 'backboneWorker.js';

/** The worker script for a module at `moduleUrl` (pure apart from the existence check). */
export function resolveWorkerScript(moduleUrl: string, exists: (p: string) => boolean = existsSync): string {
  const here = fileURLToPath(moduleUrl);
  const dir = path.dirname(here);
  const candidates: string[] = [];
  if (here.endsWith('.js')) candidates.push(path.join(dir, WORKER_FILE));
  // <root>/src/pool/x.ts -> <root>/dist/pool/backboneWorker.js
  const root = path.resolve(dir, '..', '..');
  candidates.push(path.join(root, 'dist', 'pool', WORKER_FILE));
  for (const c of candidates) if (exists(c)) return c;
  throw new Error(`backbone worker script not found (looked for ${candidates.join(', ')}): build the project first with \`npx tsc -p tsconfig.json\``);
}
