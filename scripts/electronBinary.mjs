// Where the Electron binary is, or why there is none. Read from the electron package's files
// (path.txt + dist/) rather than require('electron'), which tries to download a missing binary.
// ELECTRON_OVERRIDE_DIST_PATH (the package's own override) is honoured.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export function electronBinary(root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')) {
  const pkg = path.join(root, 'node_modules', 'electron');
  if (!existsSync(path.join(pkg, 'package.json'))) return { path: null, reason: 'the electron package is not installed' };
  const pathFile = path.join(pkg, 'path.txt');
  const rel = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null;
  const dist = process.env.ELECTRON_OVERRIDE_DIST_PATH || path.join(pkg, 'dist');
  const bin = path.join(dist, rel || (process.platform === 'win32' ? 'electron.exe' : 'electron'));
  if (rel && existsSync(bin)) return { path: bin, reason: null };
  return { path: null, reason: `the Electron binary is not installed (no ${bin}): the electron package downloads it at install time, which needs the internet` };
}
