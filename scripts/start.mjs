// `npm start`: the desktop app. Builds the renderer and the Electron shell, then launches
// Electron. Where its binary cannot be had (offline install), says so and serves the same UI in
// the browser mode instead (scripts/web.mjs), printing the address.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { electronBinary } from './electronBinary.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const run = (args) =>
  new Promise((resolve, reject) => {
    const c = spawn(process.execPath, args, { cwd: root, stdio: 'inherit' });
    c.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${args.join(' ')} exited with ${code}`))));
  });

await run([path.join(root, 'scripts', 'build-renderer.mjs')]);
const electron = electronBinary();
if (!electron.path) {
  console.log(`l2caf: cannot start the desktop app: ${electron.reason}.`);
  console.log('l2caf: serving the same app in the browser mode instead.');
  await import('./web.mjs');
} else {
  await run([path.join(root, 'scripts', 'build-electron.mjs')]);
  const child = spawn(electron.path, [path.join(root, 'dist', 'electron', 'main.mjs'), ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code) => process.exit(code ?? 0));
}
