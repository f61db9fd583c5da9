// How a batch output folder is recognised when it lies inside the inputs (`batch ds --out
// ds/results-jet`, then `batch ds --out ds/results-viridis`): the marker file every run writes into
// its --out, or, for folders written before the marker existed, item folders holding status.json.
// Without this the overlays and maps of the first run would become items of the second.
import type { Dirent } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../fs/writeFileAtomic.js';
import { STATUS_FILE } from './status.js';

export const OUTPUT_MARKER = '.l2caf-batch';

/** An item folder's name: sanitised path + "-" + 8 hex (itemId.ts). */
export const ITEM_FOLDER = /-[0-9a-f]{8}$/;

/** How many item-like subfolders the fallback looks into: enough for a real output, cheap on data. */
const PROBED = 3;

const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

/** Whether `dir` (whose entries are given) is the output of an earlier batch run. */
export async function isBatchOutput(dir: string, entries: readonly Dirent[]): Promise<boolean> {
  if (entries.some((e) => e.name === OUTPUT_MARKER && e.isFile())) return true;
  const items = entries.filter((e) => e.isDirectory() && ITEM_FOLDER.test(e.name)).slice(0, PROBED);
  for (const e of items) if (await exists(path.join(dir, e.name, STATUS_FILE))) return true;
  return false;
}

/** Written at the start of a run (before any item), so a later walk over a parent skips the folder. */
export async function writeOutputMarker(out: string): Promise<void> {
  await writeFileAtomic(path.join(out, OUTPUT_MARKER), JSON.stringify({ by: 'l2caf batch', note: 'results of l2caf batch: input walks skip this folder' }) + '\n');
}
