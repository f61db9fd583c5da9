// The long commands' progress line on stderr: redrawn in place on a terminal; elsewhere (a log, a
// pipe, a test) the first update and then one every few seconds, each on its own line.
/** A progress line on stderr, redrawn in place on a terminal, every few seconds otherwise. */
export function progressLine(what: string, enabled = true): { update(text: string): void; done(): void } {
  // (--no-progress: the same calls, nothing written)
  if (!enabled) return { update() {}, done() {} };
  const tty = process.stderr.isTTY;
  let last = 0;
  let shown = false;
  return {
    update(text) {
      const now = Date.now();
      if (now - last < (tty ? 200 : 5000)) return;
      last = now;
      shown = true;
      process.stderr.write(tty ? `\r\x1b[K${what} ${text}` : `${what} ${text}\n`);
    },
    done() {
      if (shown && tty) process.stderr.write('\n');
    },
  };
}
