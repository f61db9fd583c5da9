// mkdir -p, one level at a time. Node's mkdir({ recursive: true }) loops forever, at full CPU,
// where mkdir answers ENOENT under a parent that exists (procfs: `--out /proc/x` hung `l2caf
// batch`, `--cache-dir /proc/x` hung `l2caf video`): here the first level that cannot be made
// throws mkdir's own error (ENOENT, EACCES, ...), which the callers put in their one-line message.
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';

const notDir = (dir: string, at: string): Error => Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${dir}'`), { code: 'ENOTDIR', path: at });

/** Makes `dir` and its missing parents (`mode` for the ones made); a file in the way is ENOTDIR. */
export async function makeDirs(dir: string, mode?: number): Promise<void> {
  const missing: string[] = [];
  let d = path.resolve(dir);
  for (;;) {
    const st = await stat(d).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return null;
      throw e;
    });
    if (st) {
      if (!st.isDirectory()) throw notDir(dir, d);
      break;
    }
    missing.push(d);
    const parent = path.dirname(d);
    if (parent === d) break;
    d = parent;
  }
  for (const m of missing.reverse()) {
    await mkdir(m, mode === undefined ? {} : { mode }).catch(async (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e;
      // Made meanwhile by another writer: fine if it is a folder. A link to nowhere (an unmounted
      // drive) or a file is not: stat says so (ENOENT), or ENOTDIR is thrown.
      const st = await stat(m);
      if (!st.isDirectory()) throw notDir(dir, m);
    });
  }
}
