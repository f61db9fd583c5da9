// Shared by the video pipeline tests: OS thread count (worker threads are OS threads, so a leaked
// worker shows up here) and the files left in a folder.
import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';

/** Threads of this process per /proc (Linux); null elsewhere. */
export function osThreads(): number | null {
  try {
    const m = /^Threads:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

export async function filesIn(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).sort();
}
