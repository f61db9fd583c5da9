// Finds the ffmpeg (and, when there is one, ffprobe) binary. Order for ffmpeg:
//   1. env FFMPEG_PATH          (the user's explicit choice; an error when it points nowhere)
//   2. ffmpeg-static            (optional dependency: its install downloads a binary, so it may be
//                                absent, or present with the download failed: check the file)
//   3. @ffmpeg-installer/ffmpeg (regular dependency, ships per-platform binaries as packages)
//   4. `ffmpeg` on PATH
// ffprobe is optional everywhere: the parsers in probe.ts read `ffmpeg -i` output instead, so a
// missing ffprobe is `null`, not an error.
import { accessSync, constants, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { MediaError } from './errors.js';

export type FfmpegSource = 'env' | 'ffmpeg-static' | '@ffmpeg-installer/ffmpeg' | 'PATH';
export type FfprobeSource = 'env' | 'beside-ffmpeg' | 'PATH';

export interface BinaryLocation<S extends string = FfmpegSource> {
  /** Absolute (or PATH-resolved) file name of the executable. */
  path: string;
  /** Where it was found, reported by `l2caf doctor`-style diagnostics and in errors. */
  source: S;
}

/** Everything the resolver reads from the outside world; injectable so tests need no real binaries. */
export interface ResolveDeps {
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  /** Loads a package by name; throws (as require does) when it is not installed. */
  loadModule?: (name: string) => unknown;
  /** True when `file` is a regular file we may execute. */
  isExecutable?: (file: string) => boolean;
}

const nodeRequire = createRequire(import.meta.url);

function defaultIsExecutable(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    // Windows has no execute bit; existence is the best test there.
    if (process.platform !== 'win32') accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function exeName(base: string, platform: NodeJS.Platform): string {
  return platform === 'win32' ? `${base}.exe` : base;
}

/**
 * Inside a packaged Electron app, node_modules live in app.asar, which child_process cannot execute
 * from; electron-builder unpacks binaries to app.asar.unpacked. Prefer that copy when it exists.
 */
function unpackedAsar(file: string, isExecutable: (f: string) => boolean): string {
  const marker = `app.asar${path.sep}`;
  if (!file.includes(marker)) return file;
  const unpacked = file.replace(marker, `app.asar.unpacked${path.sep}`);
  return isExecutable(unpacked) ? unpacked : file;
}

/** The first executable `name` in the PATH directories (with PATHEXT extensions on Windows). */
export function findOnPath(
  name: string,
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  isExecutable: (file: string) => boolean = defaultIsExecutable,
): string | null {
  // Windows spells the variable Path; env lookups there are case-insensitive but a plain object is not.
  const pathVar = env.PATH ?? env.Path ?? '';
  const delimiter = platform === 'win32' ? ';' : ':';
  const exts =
    platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT;.COM').split(';').filter(Boolean) : [''];
  const join = platform === 'win32' ? path.win32.join : path.posix.join;
  for (const dir of pathVar.split(delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const candidate = join(dir, name + (name.toLowerCase().endsWith(ext.toLowerCase()) ? '' : ext));
      if (isExecutable(candidate)) return candidate;
    }
  }
  return null;
}

/** An explicit env override must point at a binary: silently falling back would hide the mistake. */
function fromEnv(variable: string, env: NodeJS.ProcessEnv, isExecutable: (f: string) => boolean): string | null {
  const value = env[variable]?.trim();
  if (!value) return null;
  if (!isExecutable(value)) {
    throw new MediaError(
      'ffmpeg-missing',
      `${variable} is set to "${value}", but there is no executable file there: point it at the binary or unset it.`,
      { file: value },
    );
  }
  return value;
}

/**
 * Resolves the ffmpeg binary (see the order at the top of this file). Throws a MediaError
 * ('ffmpeg-missing') listing what was tried and how to fix it when none is found.
 */
export function resolveFfmpeg(deps: ResolveDeps = {}): BinaryLocation {
  const env = deps.env ?? process.env;
  const platform = deps.platform ?? process.platform;
  const load = deps.loadModule ?? nodeRequire;
  const isExecutable = deps.isExecutable ?? defaultIsExecutable;
  const tried: string[] = [];

  const envPath = fromEnv('FFMPEG_PATH', env, isExecutable);
  if (envPath) return { path: envPath, source: 'env' };
  tried.push('FFMPEG_PATH: not set');

  // ffmpeg-static exports the binary's path as a string (null on unsupported platforms). The
  // package can be installed while its postinstall download failed, hence the file check.
  try {
    const p = load('ffmpeg-static');
    const file = typeof p === 'string' ? p : null;
    if (file && isExecutable(unpackedAsar(file, isExecutable))) {
      return { path: unpackedAsar(file, isExecutable), source: 'ffmpeg-static' };
    }
    tried.push(file ? `ffmpeg-static: ${file} does not exist (its download failed?)` : 'ffmpeg-static: no binary for this platform');
  } catch {
    tried.push('ffmpeg-static: not installed');
  }

  // @ffmpeg-installer/ffmpeg throws (a string, not an Error) when the platform package is missing.
  try {
    const m = load('@ffmpeg-installer/ffmpeg') as { path?: unknown } | undefined;
    const file = typeof m?.path === 'string' ? m.path : null;
    if (file && isExecutable(unpackedAsar(file, isExecutable))) {
      return { path: unpackedAsar(file, isExecutable), source: '@ffmpeg-installer/ffmpeg' };
    }
    tried.push(file ? `@ffmpeg-installer/ffmpeg: ${file} does not exist` : '@ffmpeg-installer/ffmpeg: no path exported');
  } catch (e) {
    tried.push(`@ffmpeg-installer/ffmpeg: ${e instanceof Error ? 'not installed' : String(e)}`);
  }

  const onPath = findOnPath(exeName('ffmpeg', platform), env, platform, isExecutable);
  if (onPath) return { path: onPath, source: 'PATH' };
  tried.push('PATH: no ffmpeg');

  throw new MediaError(
    'ffmpeg-missing',
    `No ffmpeg binary found (${tried.join('; ')}). Fix: install ffmpeg so it is on PATH, ` +
      `or set FFMPEG_PATH to an ffmpeg executable, or reinstall dependencies (npm install) so ` +
      `@ffmpeg-installer/ffmpeg or ffmpeg-static provides one.`,
  );
}

/**
 * Resolves ffprobe: env FFPROBE_PATH, then `ffprobe` in the same folder as ffmpeg (distributions and
 * static builds ship them together; @ffmpeg-installer does not), then PATH. Null when there is none.
 */
export function resolveFfprobe(
  ffmpeg: BinaryLocation | null,
  deps: ResolveDeps = {},
): BinaryLocation<FfprobeSource> | null {
  const env = deps.env ?? process.env;
  const platform = deps.platform ?? process.platform;
  const isExecutable = deps.isExecutable ?? defaultIsExecutable;

  const envPath = fromEnv('FFPROBE_PATH', env, isExecutable);
  if (envPath) return { path: envPath, source: 'env' };

  if (ffmpeg) {
    const dir = platform === 'win32' ? path.win32.dirname(ffmpeg.path) : path.posix.dirname(ffmpeg.path);
    const join = platform === 'win32' ? path.win32.join : path.posix.join;
    const beside = join(dir, exeName('ffprobe', platform));
    if (isExecutable(beside)) return { path: beside, source: 'beside-ffmpeg' };
  }

  const onPath = findOnPath(exeName('ffprobe', platform), env, platform, isExecutable);
  return onPath ? { path: onPath, source: 'PATH' } : null;
}

let cachedFfmpeg: BinaryLocation | undefined;
let cachedFfprobe: BinaryLocation<FfprobeSource> | null | undefined;

/** resolveFfmpeg() for this process, computed once (the answer does not change while running). */
export function ffmpegBinary(): BinaryLocation {
  cachedFfmpeg ??= resolveFfmpeg();
  return cachedFfmpeg;
}

/** resolveFfprobe() for this process, computed once; null when there is no ffprobe. */
export function ffprobeBinary(): BinaryLocation<FfprobeSource> | null {
  if (cachedFfprobe === undefined) {
    let ffmpeg: BinaryLocation | null = null;
    try {
      ffmpeg = ffmpegBinary();
    } catch {
      ffmpeg = null;
    }
    cachedFfprobe = resolveFfprobe(ffmpeg);
  }
  return cachedFfprobe;
}
