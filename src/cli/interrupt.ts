// Ctrl-C (SIGINT) and SIGTERM for the long commands. The first signal aborts the command's
// AbortSignal: every phase that holds something (an ffmpeg child, worker threads, a temporary
// output, the cache lock) lets it go through that signal, the resumable cache is kept, and the
// command ends with the conventional code (128 + the signal's number: 130, 143) after saying what
// was kept. A second signal (not the same one repeated within a second), or a command that has not
// ended 15 s after the first, exits at once (exit hooks still remove the cache's lock and any
// temporary output: src/fs/exitCleanup.ts). Phases in this process that never yield to the
// event loop (a long synchronous solve) see the signal only when they end.
import { EXIT_SIGINT, EXIT_SIGTERM } from './exitCodes.js';

export class Interrupted extends Error {
  constructor(readonly signalName: 'SIGINT' | 'SIGTERM', message = `interrupted by ${signalName}`) {
    super(message);
    this.name = 'Interrupted';
  }

  /** The same interruption, told the way the command words it (what was kept, how to resume). */
  saying(message: string): Interrupted {
    return new Interrupted(this.signalName, message);
  }

  get exitCode(): number {
    return this.signalName === 'SIGINT' ? EXIT_SIGINT : EXIT_SIGTERM;
  }
}

/** The Interrupted reason behind an error or an aborted signal, if that is what stopped the work. */
export function interruptedBy(e: unknown, signal?: AbortSignal): Interrupted | null {
  if (e instanceof Interrupted) return e;
  return signal?.aborted && signal.reason instanceof Interrupted ? signal.reason : null;
}

export interface InterruptScope {
  signal: AbortSignal;
  /** throws the Interrupted reason when a signal came (call between phases) */
  check(): void;
  dispose(): void;
}

/** How close a repeat of the first signal must follow it to count as the same delivery (see onInterrupt). */
export const DUPLICATE_MS = 1000;

/** Installs the handlers for one command run (see the top of this file); dispose() removes them. */
export function onInterrupt(graceMs = 15_000): InterruptScope {
  const controller = new AbortController();
  let watchdog: NodeJS.Timeout | undefined;
  let first: { sig: 'SIGINT' | 'SIGTERM'; at: number } | null = null;
  const handler = (sig: 'SIGINT' | 'SIGTERM') => {
    const reason = new Interrupted(sig);
    // The same signal again within DUPLICATE_MS is one interruption delivered twice (`timeout`
    // signals the command and then its process group; a terminal's Ctrl-C reaches every process
    // of the group), not the user asking to stop at once.
    if (first && first.sig === sig && performance.now() - first.at < DUPLICATE_MS) return;
    if (controller.signal.aborted) process.exit(reason.exitCode);
    first = { sig, at: performance.now() };
    process.stderr.write(`\nl2caf: ${sig}: stopping (again to stop at once)\n`);
    controller.abort(reason);
    watchdog = setTimeout(() => process.exit(reason.exitCode), graceMs);
    watchdog.unref();
  };
  const onInt = () => handler('SIGINT');
  const onTerm = () => handler('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return {
    signal: controller.signal,
    check() {
      if (controller.signal.aborted) throw controller.signal.reason;
    },
    dispose() {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      if (watchdog) clearTimeout(watchdog);
      // The command may end (as it should) before the duplicate of its signal arrives: without a
      // handler, or once the process is shutting down, that duplicate kills it by default and the
      // exit code it is about to set is lost (seen in 5 of 12 runs with the duplicate 20 ms
      // behind). So the process stays up, swallowing it, for the rest of the window (< 1 s).
      const left = first ? DUPLICATE_MS - (performance.now() - first.at) : 0;
      if (first && left > 0) {
        const sig = first.sig;
        const swallow = (): void => {};
        process.on(sig, swallow);
        setTimeout(() => process.off(sig, swallow), left);
      }
    },
  };
}

/**
 * Resolves once the event loop has polled: a signal that arrived during synchronous work (an
 * image's solve) has then run its handler. One setImmediate is not enough: it may run in the same
 * loop turn, before the poll that reads the signal; the second runs after that poll.
 */
export function signalsDelivered(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}
