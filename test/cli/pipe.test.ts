// A reader that stops early (`l2caf models | head -1`) closes the pipe under the command: it ends
// as it would, without Node's EPIPE stack trace. Output that cannot be written (a full disk) fails
// the command in one line.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, PROJECT_ROOT } from '../helpers/fixtures.js';

const built = existsSync(path.join(PROJECT_ROOT, 'dist', 'cli', 'main.js'));

/** Runs the command with its stdout closed at once (before it writes): exit code and stderr. */
function withReaderGone(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'l2caf.js'), ...args], {
      env: { ...process.env, L2CAF_MODEL_MIRROR: path.join(FIXTURES, 'models'), L2CAF_OFFLINE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe.skipIf(!built)('output into a pipe whose reader left', () => {
  for (const args of [['models'], ['models', '--json'], ['cache']]) {
    it(`l2caf ${args.join(' ')} ends with its own code, without a stack trace`, async () => {
      const r = await withReaderGone(args);
      expect(r.stderr).not.toMatch(/EPIPE|Unhandled|at .*node:/);
      expect(r.code).toBe(0);
    }, 60_000);
  }
});

/** Runs the command with its stdout on /dev/full (every write fails with ENOSPC). */
function onFullDisk(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const full = openSync('/dev/full', 'w');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'l2caf.js'), ...args], {
      env: { ...process.env, L2CAF_MODEL_MIRROR: path.join(FIXTURES, 'models'), L2CAF_OFFLINE: '1' },
      stdio: ['ignore', full, 'pipe'],
    });
    closeSync(full);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe.skipIf(!built || !existsSync('/dev/full'))('output that cannot be written', () => {
  for (const args of [['models'], ['models', '--json'], ['--help']]) {
    it(`l2caf ${args.join(' ')} > /dev/full fails in one line`, async () => {
      const r = await onFullDisk(args);
      expect(r.stderr).toBe('l2caf: cannot write to standard output (ENOSPC): the output is incomplete\n');
      expect(r.code).toBe(1);
    }, 60_000);
  }
});
