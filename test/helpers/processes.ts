// The child processes this test process (or `parent`: a service process it forked) started, by
// command name (Linux `ps`): to check that nothing it stopped (an ffmpeg) is left running.
import { execFileSync } from 'node:child_process';

export function childProcesses(name: string, parent: number = process.pid): string[] {
  let out: string;
  try {
    out = execFileSync('ps', ['-o', 'comm=', '--ppid', String(parent)], { encoding: 'utf8' });
  } catch (e) {
    // ps exits 1 when it lists nothing (another parent than us: ps itself is not its child)
    if ((e as { status?: number }).status === 1) return [];
    throw e;
  }
  return out.split('\n').filter((c) => c.includes(name));
}
