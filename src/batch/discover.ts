// From the command's INPUT arguments to the sorted item list every shard agrees on: files as
// given, folders walked recursively (a folder holding DICOM files is one series item), manifests
// expanded. Inside folders, files of no recognised kind and hidden files are skipped (a README, a
// .DS_Store: `onIgnored` hears of the former, so that the run can say how many it left out); a file
// named explicitly is always an item, failing later if it is nothing we read.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../engine/targets.js';
import { kindOfFile } from './classify.js';
import { isDicomFile } from './dicomMark.js';
import { itemId } from './itemId.js';
import { isManifest, parseManifest } from './manifest.js';
import type { BatchItem, ItemKind } from './types.js';

interface Found {
  rel: string;
  path: string;
  kind: ItemKind | null;
}

async function statOrFail(p: string, shown: string): Promise<{ isDirectory(): boolean }> {
  try {
    return await stat(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`${shown}: ${code === 'ENOENT' ? 'no such file or folder' : `cannot access (${code ?? (e as Error).message})`}`);
  }
}

/** One folder: a DICOM series, or walked for its items. `skip`: folders never walked (the output). */
async function walk(dir: string, rel: string, skip: ReadonlySet<string>, out: Found[], onIgnored?: (rel: string) => void): Promise<void> {
  if (skip.has(dir)) return;
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const files = entries.filter((e) => e.isFile() && !e.name.startsWith('.'));
  for (const f of files.slice(0, 16)) {
    if (await isDicomFile(path.join(dir, f.name))) {
      out.push({ rel, path: dir, kind: 'volume' });
      return;
    }
  }
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    const r = path.join(rel, e.name);
    if (e.isDirectory()) await walk(p, r, skip, out, onIgnored);
    else if (e.isFile()) {
      const kind = await kindOfFile(p).catch(() => null);
      if (kind) out.push({ rel: r, path: p, kind });
      else onIgnored?.(r);
    }
  }
}

async function expand(input: string, base: string, skip: ReadonlySet<string>, out: Found[], onIgnored: ((rel: string) => void) | undefined, shown = input): Promise<void> {
  const abs = path.resolve(base, input);
  const rel = path.normalize(input);
  const st = await statOrFail(abs, shown);
  if (st.isDirectory()) return walk(abs, rel, skip, out, onIgnored);
  if (isManifest(abs)) {
    const text = await readFile(abs, 'utf8');
    const dir = path.dirname(abs);
    for (const line of parseManifest(shown, text)) {
      // a manifest's relative paths are relative to the manifest, and shown as the manifest has them
      await expand(line, dir, skip, out, onIgnored, `${shown}: ${line}`);
    }
    return;
  }
  out.push({ rel, path: abs, kind: await kindOfFile(abs).catch(() => null) });
}

/**
 * Every item of the run, sorted by id (the order sharding counts in). The same path reached twice
 * is one item; two different paths that would share an id are a usage error.
 */
export async function discoverItems(
  inputs: readonly string[],
  opts: { cwd?: string; skip?: readonly string[]; /** each file inside a folder that is of no kind we read (shown relative, as items are) */ onIgnored?: (rel: string) => void } = {},
): Promise<BatchItem[]> {
  const cwd = opts.cwd ?? process.cwd();
  const skip = new Set((opts.skip ?? []).map((s) => path.resolve(cwd, s)));
  const found: Found[] = [];
  for (const input of inputs) await expand(input, cwd, skip, found, opts.onIgnored);
  const byId = new Map<string, BatchItem>();
  for (const f of found) {
    const id = itemId(f.rel);
    const prev = byId.get(id);
    if (prev && prev.path !== f.path) throw new UsageError(`${f.path}: same item id as ${prev.path} (${id}); give the inputs from different folders`);
    if (!prev) byId.set(id, { id, rel: f.rel, path: f.path, kind: f.kind });
  }
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
