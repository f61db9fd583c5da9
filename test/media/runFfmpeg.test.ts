import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { ffmpegBinary } from '../../src/media/ffmpegPath.js';
import {
  FfmpegError,
  StderrBuffer,
  lastMeaningfulLine,
  liveFfmpegCount,
  meaningfulLines,
  runFfmpeg,
} from '../../src/media/runFfmpeg.js';
import { PROJECT_ROOT } from '../helpers/fixtures.js';

/** True while a process with this pid exists (signal 0 only checks). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Dead: absent from `ps`, or a zombie (Z) left to an init that does not reap, as in some containers
 * once the process's own parent has exited; a zombie runs nothing and holds no resources but a pid.
 */
function dead(pid: number): boolean {
  try {
    const stat = execFileSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    return stat === '' || stat.startsWith('Z');
  } catch {
    return true; // ps exits non-zero when the pid is not listed
  }
}

/** `ps` agrees: no process (not even a zombie) with this pid. */
function absentFromPs(pid: number): boolean {
  try {
    execFileSync('ps', ['-o', 'pid=', '-p', String(pid)], { encoding: 'utf8' });
    return false; // ps exits 0 when it lists the pid
  } catch {
    return true;
  }
}

/** An ffmpeg run that never ends by itself: an endless synthetic source into the null muxer. */
const ENDLESS = ['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-f', 'null', '-'];

async function rejection(p: Promise<unknown>): Promise<FfmpegError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(FfmpegError);
    return e as FfmpegError;
  }
  throw new Error('expected a rejection');
}

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'l2caf-run-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('runFfmpeg', () => {
  it('collects stdout bytes: a 4x2 red frame as rgb24', async () => {
    const run = await runFfmpeg(['-v', 'error', '-f', 'lavfi', '-i', 'color=c=red:s=4x2', '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']);
    expect(run.code).toBe(0);
    expect(run.stdout.length).toBe(4 * 2 * 3);
    for (let i = 0; i < 8; i++) {
      expect(run.stdout[i * 3]).toBeGreaterThan(240);
      expect(run.stdout[i * 3 + 1]).toBeLessThan(10);
      expect(run.stdout[i * 3 + 2]).toBeLessThan(10);
    }
    expect(alive(run.pid)).toBe(false);
    expect(liveFfmpegCount()).toBe(0);
  });

  it('names the input and ffmpeg\'s reason when the file is missing', async () => {
    const missing = path.join(tmp, 'missing.png');
    const e = await rejection(runFfmpeg(['-i', `file:${missing}`, '-f', 'null', '-'], { input: missing }));
    expect(e.code).toBe('ffmpeg-failed');
    expect(e.message).toContain(`"${missing}"`);
    expect(e.message).toContain('No such file or directory');
    expect(e.message).not.toContain(`file:${missing}:`); // ffmpeg's repeat of the name is stripped
    expect(e.exitCode).not.toBe(0);
    expect(e.message).not.toContain('\n');
  });

  it('accepts exit code 1 when asked (probing with ffmpeg -i)', async () => {
    const run = await runFfmpeg(['-f', 'lavfi', '-i', 'color=c=blue:s=8x8'], { okExitCodes: [0, 1] });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Input #0, lavfi');
  });

  it('abort kills ffmpeg, and the promise settles only after it is gone', async () => {
    const ac = new AbortController();
    const lines: string[] = [];
    const p = runFfmpeg(ENDLESS, { signal: ac.signal, input: 'testsrc', onStderrLine: (l) => lines.push(l) });
    await new Promise((r) => setTimeout(r, 500));
    expect(liveFfmpegCount()).toBe(1);
    ac.abort();
    const e = await rejection(p);
    expect(e.code).toBe('aborted');
    expect(e.name).toBe('AbortError');
    expect(e.message).toMatch(/cancelled on "testsrc"/);
    expect(e.pid).toBeGreaterThan(0);
    expect(alive(e.pid!)).toBe(false);
    expect(absentFromPs(e.pid!)).toBe(true);
    expect(liveFfmpegCount()).toBe(0);
    expect(lines.some((l) => l.startsWith('Input #0'))).toBe(true);
  });

  it('rejects at once, without starting ffmpeg, when the signal is already aborted', async () => {
    const e = await rejection(runFfmpeg(ENDLESS, { signal: AbortSignal.abort() }));
    expect(e.code).toBe('aborted');
    expect(e.pid).toBeUndefined();
  });

  it('times out', async () => {
    const t0 = Date.now();
    const e = await rejection(runFfmpeg(ENDLESS, { timeoutMs: 300, input: 'endless' }));
    expect(e.code).toBe('timeout');
    expect(e.message).toMatch(/timed out after 0\.3 s on "endless"/);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(alive(e.pid!)).toBe(false);
  });

  it.skipIf(process.platform === 'win32')('SIGKILLs a process that ignores SIGTERM after the grace period', async () => {
    // A stand-in binary that ignores SIGTERM (ignored dispositions survive exec) and sleeps.
    const stubborn = path.join(tmp, 'stubborn.sh');
    await writeFile(stubborn, "#!/bin/sh\ntrap '' TERM\nexec sleep 60\n");
    await chmod(stubborn, 0o755);
    const ac = new AbortController();
    const p = runFfmpeg([], { ffmpegPath: stubborn, signal: ac.signal, killGraceMs: 300 });
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    ac.abort();
    const e = await rejection(p);
    expect(e.code).toBe('aborted');
    expect(e.exitSignal).toBe('SIGKILL');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(alive(e.pid!)).toBe(false);
  });

  it('stops ffmpeg when its output exceeds maxStdoutBytes', async () => {
    const e = await rejection(
      runFfmpeg(['-f', 'lavfi', '-i', 'testsrc=size=64x64', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], { maxStdoutBytes: 64 * 64 * 3 * 5 }),
    );
    expect(e.code).toBe('output-limit');
    expect(alive(e.pid!)).toBe(false);
  });

  it('stops ffmpeg when the stdout consumer throws', async () => {
    const e = await rejection(
      runFfmpeg(['-f', 'lavfi', '-i', 'testsrc=size=64x64', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], {
        onStdout: () => {
          throw new Error('consumer broke');
        },
      }),
    );
    expect(e.message).toContain('consumer broke');
    expect(alive(e.pid!)).toBe(false);
  });

  it('reports a binary that cannot be started', async () => {
    const e = await rejection(runFfmpeg(['-version'], { ffmpegPath: path.join(tmp, 'no-such-ffmpeg'), input: 'x.png' }));
    expect(e.code).toBe('ffmpeg-missing');
    expect(e.message).toMatch(/could not start ffmpeg .*no-such-ffmpeg.* for "x\.png".*ENOENT.*FFMPEG_PATH/);
  });

  it('feeds stdin', async () => {
    // 2x1 raw RGB in, scaled to 4x1 out: stdin works as an input.
    const run = await runFfmpeg(
      ['-v', 'error', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', '2x1', '-i', 'pipe:0', '-vf', 'scale=4:1:flags=neighbor', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'],
      { stdin: new Uint8Array([255, 0, 0, 0, 0, 255]) },
    );
    expect([...run.stdout]).toEqual([255, 0, 0, 255, 0, 0, 0, 0, 255, 0, 0, 255]);
  });

  it.skipIf(process.platform !== 'linux')('kills its ffmpeg when the parent process exits', async () => {
    // Run runFfmpeg in a separate Node process (transpiled with the project's TypeScript), which
    // starts an endless ffmpeg and calls process.exit; the exit hook must take ffmpeg with it.
    const out = path.join(tmp, 'exit-hook');
    await rm(out, { recursive: true, force: true });
    await import('node:fs/promises').then((fs) => fs.mkdir(out, { recursive: true }));
    await writeFile(path.join(out, 'package.json'), '{"type":"module"}');
    for (const name of ['runFfmpeg', 'errors', 'ffmpegPath']) {
      const src = await readFile(path.join(PROJECT_ROOT, 'src', 'media', `${name}.ts`), 'utf8');
      const js = ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
      await writeFile(path.join(out, `${name}.js`), js);
    }
    // The script says "ready" once ffmpeg talks, and exits (process.exit) when told to on stdin.
    await writeFile(
      path.join(out, 'main.js'),
      `import { runFfmpeg } from './runFfmpeg.js';
       let told = false;
       runFfmpeg(${JSON.stringify(ENDLESS)}, { onStderrLine: () => { if (!told) { told = true; console.log('ready'); } } }).catch(() => {});
       process.stdin.once('data', () => process.exit(0));`,
    );
    const child = spawn(process.execPath, [path.join(out, 'main.js')], {
      env: { ...process.env, FFMPEG_PATH: ffmpegBinary().path },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      child.on('exit', () => reject(new Error('helper exited before ffmpeg started')));
    });
    const kids = execFileSync('ps', ['-o', 'pid=', '--ppid', String(child.pid)], { encoding: 'utf8' })
      .split('\n').map((s) => Number(s.trim())).filter((n) => n > 0);
    expect(kids.length).toBe(1);
    const ffmpegPid = kids[0]!;
    expect(dead(ffmpegPid)).toBe(false);
    const exited = new Promise((r) => child.on('exit', r));
    child.stdin!.write('exit\n');
    try {
      await exited;
      // SIGKILL is delivered at once, but give the kernel a moment before asking ps.
      for (let i = 0; i < 20 && !dead(ffmpegPid); i++) await new Promise((r) => setTimeout(r, 50));
      expect(dead(ffmpegPid)).toBe(true);
    } finally {
      if (!dead(ffmpegPid)) process.kill(ffmpegPid, 'SIGKILL');
    }
  });
});

describe('lastMeaningfulLine / meaningfulLines (captured ffmpeg 4.1 stderr)', () => {
  it('skips the consequences and finds the cause of a decode failure', () => {
    const stderr = [
      '[png @ 0x16dba840] Invalid PNG signature 0x1AFD19BBECF9DC44.',
      '[png @ 0x16dc0f40] Invalid PNG signature 0x1AFD19BBECF9DC44.',
      'Error while decoding stream #0:0: Invalid data found when processing input',
      'Cannot determine format of input stream 0:0 after EOF',
      'Error marking filters as finished',
      'Conversion failed!',
      '',
    ].join('\n');
    expect(lastMeaningfulLine(stderr)).toBe('Error while decoding stream #0:0: Invalid data found when processing input');
    expect(meaningfulLines(stderr)).toEqual([
      '[png] Invalid PNG signature 0x1AFD19BBECF9DC44.',
      'Error while decoding stream #0:0: Invalid data found when processing input',
    ]);
  });

  it('strips the input name ffmpeg repeats, and ignores the probe\'s "At least one output file"', () => {
    expect(lastMeaningfulLine('file:/tmp/a b.png: Invalid data found when processing input\n', ['file:/tmp/a b.png'])).toBe(
      'Invalid data found when processing input',
    );
    const probe = [
      "Input #0, png_pipe, from 'file:/x/chelsea.png':",
      '  Duration: N/A, bitrate: N/A',
      '    Stream #0:0: Video: png, rgb24(pc), 451x300 [SAR 2835:2835 DAR 451:300], 25 tbr, 25 tbn, 25 tbc',
      'At least one output file must be specified',
    ].join('\n');
    expect(lastMeaningfulLine(probe)).toBeNull();
  });

  it('ignores stats lines separated by carriage returns', () => {
    const s = 'frame=   13 fps=0.0 q=-0.0 size=N/A time=00:00:01.04 bitrate=N/A speed=70.4x    \rframe=   26 fps=0.0 q=-0.0 Lsize=N/A time=00:00:02.04 bitrate=N/A speed=70x    \n[aac @ 0x1] Too many bits\n';
    expect(lastMeaningfulLine(s)).toBe('[aac] Too many bits');
  });
});

describe('StderrBuffer', () => {
  it('keeps the head and the tail of long output, with a marker in between', () => {
    const b = new StderrBuffer(10, 10);
    b.push('HEAD-12345');
    for (let i = 0; i < 100; i++) b.push(`m${i % 10}`);
    b.push('TAIL');
    const t = b.text();
    expect(t.startsWith('HEAD-12345')).toBe(true);
    expect(t.endsWith('TAIL')).toBe(true);
    expect(t).toMatch(/characters of ffmpeg output omitted/);
    expect(t.length).toBeLessThan(100);
  });
});
