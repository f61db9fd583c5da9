// Temporary outputs (a `.part` file beside the final path, a PNG sequence's `.part-` folder, a
// write's `.tmp`) are removed by their owners on success, failure and a first Ctrl-C; a process
// that exits at once (a second signal, the watchdog after the grace period) never reaches those
// paths. What is still registered here then goes at 'exit', synchronously (all 'exit' allows).
import { rmSync } from 'node:fs';

const pending = new Set<string>();
let installed = false;

/** Registers a temporary file or folder for removal at exit; call the answer once it is renamed or removed. */
export function removeAtExit(p: string): () => void {
  if (!installed) {
    installed = true;
    process.on('exit', () => {
      for (const q of pending) {
        try {
          rmSync(q, { recursive: true, force: true });
        } catch {
          // (nothing more can be done at exit)
        }
      }
    });
  }
  pending.add(p);
  return () => void pending.delete(p);
}

/** What is registered now (tests). */
export function pendingAtExit(): string[] {
  return [...pending];
}
