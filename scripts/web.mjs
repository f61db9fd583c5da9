// `npm run web`: the app in the browser mode (the same as `l2caf serve`), from the built dist/.
// Extra arguments go to serve (e.g. npm run web -- --port 8080).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entry = path.join(root, 'dist', 'cli', 'serveCommand.js');
if (!existsSync(entry)) {
  console.error(`l2caf: ${entry} is missing: build first (npm run build)`);
  process.exit(1);
}
const { serveCommand } = await import(pathToFileURL(entry).href);
try {
  await serveCommand().exitOverride().parseAsync(process.argv.slice(2), { from: 'user' });
  process.exit(0);
} catch (e) {
  if (e && typeof e === 'object' && 'exitCode' in e) process.exit(e.exitCode === 0 ? 0 : 2);
  console.error(`l2caf: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
