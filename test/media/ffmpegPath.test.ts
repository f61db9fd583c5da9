import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { ffmpegBinary, ffprobeBinary, findOnPath, resolveFfmpeg, resolveFfprobe, type ResolveDeps } from '../../src/media/ffmpegPath.js';
import { isMediaError } from '../../src/media/errors.js';

/** A fake world: which files are executables, which packages are installed. */
function world(files: string[], modules: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): ResolveDeps {
  return {
    env,
    platform: 'linux',
    isExecutable: (f) => files.includes(f),
    loadModule: (name) => {
      if (!(name in modules)) throw Object.assign(new Error(`Cannot find module '${name}'`), { code: 'MODULE_NOT_FOUND' });
      const m = modules[name];
      if (m instanceof Error || typeof m === 'function') throw typeof m === 'function' ? (m as () => unknown)() : m;
      return m;
    },
  };
}

describe('resolveFfmpeg (injected world)', () => {
  const installer = { '@ffmpeg-installer/ffmpeg': { path: '/nm/@ffmpeg-installer/linux-x64/ffmpeg' } };

  it('prefers FFMPEG_PATH', () => {
    const deps = world(['/opt/ff/ffmpeg', '/nm/ffmpeg-static/ffmpeg', '/nm/@ffmpeg-installer/linux-x64/ffmpeg'], { 'ffmpeg-static': '/nm/ffmpeg-static/ffmpeg', ...installer }, { FFMPEG_PATH: '/opt/ff/ffmpeg' });
    expect(resolveFfmpeg(deps)).toEqual({ path: '/opt/ff/ffmpeg', source: 'env' });
  });

  it('fails loudly when FFMPEG_PATH points nowhere instead of falling back', () => {
    const deps = world(['/nm/@ffmpeg-installer/linux-x64/ffmpeg'], installer, { FFMPEG_PATH: '/nope/ffmpeg' });
    expect(() => resolveFfmpeg(deps)).toThrow(/FFMPEG_PATH is set to "\/nope\/ffmpeg".*no executable/);
  });

  it('uses ffmpeg-static when installed and its binary exists', () => {
    const deps = world(['/nm/ffmpeg-static/ffmpeg', '/nm/@ffmpeg-installer/linux-x64/ffmpeg'], { 'ffmpeg-static': '/nm/ffmpeg-static/ffmpeg', ...installer });
    expect(resolveFfmpeg(deps)).toEqual({ path: '/nm/ffmpeg-static/ffmpeg', source: 'ffmpeg-static' });
  });

  it('skips ffmpeg-static whose download failed (file missing), and a null export', () => {
    const deps = world(['/nm/@ffmpeg-installer/linux-x64/ffmpeg'], { 'ffmpeg-static': '/nm/ffmpeg-static/ffmpeg', ...installer });
    expect(resolveFfmpeg(deps).source).toBe('@ffmpeg-installer/ffmpeg');
    const deps2 = world(['/nm/@ffmpeg-installer/linux-x64/ffmpeg'], { 'ffmpeg-static': null, ...installer });
    expect(resolveFfmpeg(deps2).source).toBe('@ffmpeg-installer/ffmpeg');
  });

  it('survives @ffmpeg-installer throwing a string (its way of saying "unsupported platform") and uses PATH', () => {
    const deps = world(['/usr/bin/ffmpeg'], { '@ffmpeg-installer/ffmpeg': () => 'Unsupported platform/architecture: linux-mips' }, { PATH: '/bin:/usr/bin' });
    expect(resolveFfmpeg(deps)).toEqual({ path: '/usr/bin/ffmpeg', source: 'PATH' });
  });

  it('uses the app.asar.unpacked copy inside a packaged Electron app', () => {
    const asar = '/app/resources/app.asar/node_modules/ffmpeg-static/ffmpeg';
    const unpacked = '/app/resources/app.asar.unpacked/node_modules/ffmpeg-static/ffmpeg';
    const deps = world([asar, unpacked], { 'ffmpeg-static': asar });
    expect(resolveFfmpeg(deps).path).toBe(unpacked);
  });

  it('explains what was tried and how to fix it when nothing is found', () => {
    const deps = world([], {}, { PATH: '/bin' });
    let error: unknown;
    try {
      resolveFfmpeg(deps);
    } catch (e) {
      error = e;
    }
    expect(isMediaError(error, 'ffmpeg-missing')).toBe(true);
    const msg = (error as Error).message;
    expect(msg).toMatch(/No ffmpeg binary found/);
    expect(msg).toMatch(/ffmpeg-static: not installed/);
    expect(msg).toMatch(/FFMPEG_PATH/);
    expect(msg).toMatch(/PATH/);
    expect(msg).not.toContain('\n');
  });
});

describe('resolveFfprobe (injected world)', () => {
  const ffmpeg = { path: '/opt/ff/bin/ffmpeg', source: 'env' as const };
  it('FFPROBE_PATH, then beside ffmpeg, then PATH, else null', () => {
    expect(resolveFfprobe(ffmpeg, world(['/x/ffprobe', '/opt/ff/bin/ffprobe'], {}, { FFPROBE_PATH: '/x/ffprobe' }))).toEqual({ path: '/x/ffprobe', source: 'env' });
    expect(resolveFfprobe(ffmpeg, world(['/opt/ff/bin/ffprobe', '/usr/bin/ffprobe'], {}, { PATH: '/usr/bin' }))).toEqual({ path: '/opt/ff/bin/ffprobe', source: 'beside-ffmpeg' });
    expect(resolveFfprobe(ffmpeg, world(['/usr/bin/ffprobe'], {}, { PATH: '/usr/bin' }))).toEqual({ path: '/usr/bin/ffprobe', source: 'PATH' });
    expect(resolveFfprobe(ffmpeg, world([], {}, { PATH: '/usr/bin' }))).toBeNull();
  });
});

describe('findOnPath', () => {
  it('walks PATH in order; on Windows adds PATHEXT extensions', () => {
    expect(findOnPath('ffmpeg', { PATH: '/a::/b:/c' }, 'linux', (f) => f === '/b/ffmpeg' || f === '/c/ffmpeg')).toBe('/b/ffmpeg');
    expect(findOnPath('ffmpeg', { Path: 'C:\\tools;C:\\ff\\bin', PATHEXT: '.COM;.EXE' }, 'win32', (f) => f === 'C:\\ff\\bin\\ffmpeg.EXE')).toBe('C:\\ff\\bin\\ffmpeg.EXE');
    expect(findOnPath('ffmpeg', {}, 'linux', () => true)).toBeNull();
  });
});

describe('on this machine', () => {
  it('finds a working ffmpeg (the bundled one unless FFMPEG_PATH or ffmpeg-static says otherwise)', () => {
    const loc = ffmpegBinary();
    expect(existsSync(loc.path)).toBe(true);
    if (!process.env.FFMPEG_PATH) expect(['ffmpeg-static', '@ffmpeg-installer/ffmpeg', 'PATH']).toContain(loc.source);
    const version = execFileSync(loc.path, ['-hide_banner', '-version'], { encoding: 'utf8' });
    expect(version).toMatch(/^ffmpeg version/);
  });

  it('ffprobe is either a real file or null', () => {
    const probe = ffprobeBinary();
    if (probe) expect(existsSync(probe.path)).toBe(true);
    else expect(probe).toBeNull();
  });
});
