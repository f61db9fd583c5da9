// The child processes this test process started, by command name (Linux `ps`): to check that
// nothing it stopped (an ffmpeg) is left running.
import { execFileSync } from 'node:child_process';

export function childProcesses(name: string): string[] {
  return execFileSync('ps', ['-o', 'comm=', '--ppid', String(process.pid)], { encoding: 'utf8' }).split('\n').filter((c) => c.includes(name));
}
