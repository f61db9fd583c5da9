// "wrote FILE" for every file a command wrote, so a user sees where the results went (and what
// names a rule chose, e.g. the per-map overlay names). To stdout, unless a result went to stdout
// ("-"): then stdout carries that result alone and these lines go to stderr.
export function printWritten(files: readonly (string | null | undefined)[], toStdout: readonly (string | null | undefined)[] = files): void {
  const out = toStdout.includes('-') ? process.stderr : process.stdout;
  for (const f of files) if (f && f !== '-') out.write(`wrote ${f}\n`);
}
