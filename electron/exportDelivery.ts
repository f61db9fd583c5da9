// `shell.saveExport` in Electron's main process: the page names a finished export by its handle
// and the main process does the rest: it asks the service where that export is (only the
// service's own exports have handles), asks the user where to save it with the native dialog
// (which asks before replacing a file: the user's answer is the consent to replace it), copies it
// there (with its timeline sidecars) and shows it in its folder. A PNG-sequence folder is shown
// where it is. The page never names a path, so a compromised page cannot write anywhere.
// No electron import: the dialog and the folder reveal are passed in (tests pass fakes).
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { ServiceError } from '../src/contract/index.js';
import { copyFileAtomic } from '../src/fs/copyFileAtomic.js';
import type { Service } from '../src/service/service.js';

export interface DeliveryDeps {
  service: Pick<Service, 'downloadPath'>;
  /** the save dialog: the chosen path, or null when cancelled */
  askSavePath(defaultName: string): Promise<string | null>;
  reveal(file: string): void;
}

/** The sidecars the service wrote beside a file export (src/video/sidecars.ts), when they exist. */
async function sidecarsOf(file: string): Promise<string[]> {
  const names = [`${file}.timeline.json`, `${file}.timeline.csv`];
  const found: string[] = [];
  for (const n of names) if (await stat(n).then((s) => s.isFile(), () => false)) found.push(n);
  return found;
}

export async function saveExport(deps: DeliveryDeps, download: string): Promise<{ path: string } | null> {
  const src = await deps.service.downloadPath(download);
  if (!src) throw new ServiceError('not-found', 'no such export (it may have been removed)');
  const st = await stat(src).catch(() => null);
  if (!st) throw new ServiceError('not-found', `the export ${path.basename(src)} is gone`);
  if (st.isDirectory()) {
    deps.reveal(src);
    return { path: src };
  }
  const dest = await deps.askSavePath(path.basename(src));
  if (!dest) return null;
  if (path.resolve(dest) !== path.resolve(src)) {
    await copyFileAtomic(src, dest);
    for (const side of await sidecarsOf(src)) await copyFileAtomic(side, `${dest}${side.slice(src.length)}`);
  }
  deps.reveal(dest);
  return { path: dest };
}
