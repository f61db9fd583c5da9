// Where models live on disk: the per-user cache, the offline mirror named by L2CAF_MODEL_MIRROR and
// the bundled catalogue. Pure functions of (env, platform, home, cwd) so that tests can pin them.
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

type Env = Readonly<Record<string, string | undefined>>;

/** Sub-path under the platform's cache root. */
const APP_DIR = 'l2caf-studio';

/**
 * The model cache directory:
 * - env L2CAF_CACHE_DIR when set (relative paths resolve against `cwd`);
 * - Linux and other Unixes: `$XDG_CACHE_HOME/l2caf-studio/models` (XDG_CACHE_HOME only when it is an
 *   absolute path, as the XDG spec asks), else `~/.cache/l2caf-studio/models`;
 * - macOS: `~/Library/Caches/l2caf-studio/models`;
 * - Windows: `%LOCALAPPDATA%\l2caf-studio\Cache\models`, else `~\AppData\Local\l2caf-studio\Cache\models`.
 */
export function defaultCacheDir(
  env: Env = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = os.homedir(),
  cwd: string = process.cwd(),
): string {
  const explicit = env.L2CAF_CACHE_DIR;
  if (explicit) return pathFor(platform).resolve(cwd, explicit);
  if (platform === 'win32') {
    const local = env.LOCALAPPDATA || path.win32.join(home, 'AppData', 'Local');
    return path.win32.join(local, APP_DIR, 'Cache', 'models');
  }
  if (platform === 'darwin') {
    return path.posix.join(home, 'Library', 'Caches', APP_DIR, 'models');
  }
  const xdg = env.XDG_CACHE_HOME;
  const root = xdg && path.posix.isAbsolute(xdg) ? xdg : path.posix.join(home, '.cache');
  return path.posix.join(root, APP_DIR, 'models');
}

/**
 * The offline mirror named by env L2CAF_MODEL_MIRROR (a folder holding `<id>/` folders), resolved
 * against `cwd` when relative; null when unset or empty.
 */
export function mirrorDirFromEnv(env: Env = process.env, cwd: string = process.cwd()): string | null {
  const m = env.L2CAF_MODEL_MIRROR;
  if (!m) return null;
  return path.resolve(cwd, m);
}

/** The catalogue shipped with the package: `<package root>/models/catalogue.json`. */
export function bundledCataloguePath(): string {
  // src/models/paths.ts and dist/models/paths.js are both two levels below the package root.
  return fileURLToPath(new URL('../../models/catalogue.json', import.meta.url));
}

function pathFor(platform: NodeJS.Platform): path.PlatformPath {
  return platform === 'win32' ? path.win32 : path.posix;
}
