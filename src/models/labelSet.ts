// A catalogue label set (`labelSets` in models/catalogue.json) as a file on disk, for `--labels
// imagenet` on a model that came without labels: the copy a catalogue model using the set already
// installed (cache or mirror), else one downloaded once into the cache's labelsets/ folder. Every
// copy is checked against the catalogue's sha256, so a list in the wrong order is never used.
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { loadCatalogue, type Catalogue, type LabelSet } from './catalogue.js';
import { downloadFile } from './download.js';
import { defaultCacheDir, mirrorDirFromEnv } from './paths.js';
import { digestFile } from './sha256.js';
import { makeDirs } from '../fs/makeDirs.js';

/** The names `--labels` takes for a catalogue label set. */
export const LABEL_SET_ALIASES: Readonly<Record<string, string>> = { imagenet: 'imagenet-ilsvrc2012' };

export interface LabelSetOptions {
  cacheDir?: string;
  /** null: no mirror; undefined: env L2CAF_MODEL_MIRROR */
  mirror?: string | null;
  signal?: AbortSignal;
  catalogue?: Catalogue;
}

async function matches(file: string, set: LabelSet): Promise<boolean> {
  try {
    const d = await digestFile(file);
    return d.sha256 === set.file.sha256 && d.size === set.file.size;
  } catch {
    return false;
  }
}

/** The path of a checked copy of label set `id`, downloading it when no copy is on disk. */
export async function labelSetFile(id: string, opts: LabelSetOptions = {}): Promise<{ file: string; set: LabelSet }> {
  const cat = opts.catalogue ?? (await loadCatalogue());
  const set = cat.labelSets[id];
  if (!set) throw new Error(`no label set "${id}" in the catalogue ${cat.origin}`);
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  const mirror = opts.mirror === undefined ? mirrorDirFromEnv() : opts.mirror;
  const users = cat.models.filter((m) => 'shared' in m.labels && m.labels.shared === id).map((m) => m.id);
  const own = path.join(cacheDir, 'labelsets', id, set.file.path);
  const candidates = [own, ...users.map((u) => path.join(cacheDir, u, set.file.path)), ...(mirror ? users.map((u) => path.join(mirror, u, set.file.path)) : [])];
  for (const c of candidates) if (await matches(c, set)) return { file: c, set };

  await makeDirs(path.dirname(own));
  const tmp = `${own}.tmp-${process.pid}`;
  try {
    const got = await downloadFile(set.file.url, tmp, { id: `label set ${id}`, file: set.file.path, signal: opts.signal, maxBytes: set.file.size });
    if (got.sha256 !== set.file.sha256) throw new Error(`label set ${id}: ${set.file.url} does not have the catalogue's sha256 (got ${got.sha256})`);
    await rename(tmp, own);
  } finally {
    await rm(tmp, { force: true });
  }
  return { file: own, set };
}
