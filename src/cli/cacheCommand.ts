// `l2caf cache`: where L2-CAF Studio keeps what it downloads and computes, how much each folder
// holds, and `--clear` to empty them (all or older entries). Nothing else prunes these folders.
import path from 'node:path';
import { Command } from 'commander';
import { CLEAR_NAMES, dataFolders, foldersToClear, type ClearName, type DataFolder } from '../cache/dataFolders.js';
import { clearFolder, folderUsage, installedModels, liveVideoKeys, videoKeyOf } from '../cache/folderUsage.js';
import { defaultDataDir } from '../service/service.js';
import { UsageError } from '../engine/targets.js';
import { numberArg, oneOf } from './options.js';

interface CacheOptions {
  clear?: ClearName[];
  olderThan?: number;
  dataDir?: string;
  json?: boolean;
}

/** Pure: bytes as people read them. */
export function sizeWords(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = bytes / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

/**
 * The entries of a folder that are another of the folders (the app's proxies live inside its video
 * cache; with L2CAF_CACHE_DIR the CLI's video cache inside the models folder): counted and cleared there.
 */
const skipOf = (f: DataFolder, all: readonly DataFolder[]) => (name: string) => all.some((g) => g !== f && path.join(f.dir, name) === g.dir);

export function cacheCommand(): Command {
  const clearName = oneOf(CLEAR_NAMES, 'folder');
  return new Command('cache')
    .description('show what L2-CAF Studio keeps on disk (models, video analyses, the app\'s uploads and exports) and clear it')
    .option('--clear <what...>', `empty folders: ${CLEAR_NAMES.join(', ')} (all: everything but the models, which would be downloaded again)`, (v: string, prev: ClearName[] = []) => [...prev, clearName(v)])
    .option('--older-than <days>', 'with --clear: only entries not changed for this many days', numberArg(0))
    .option('--data-dir <dir>', 'the app\'s data folder (default: ~/.local/share/l2caf-studio, env L2CAF_DATA_DIR; as `serve --data-dir`)')
    .option('--json', 'print the folders (and what was cleared) as JSON')
    .action(async (o: CacheOptions) => {
      if (o.olderThan !== undefined && !o.clear) throw new UsageError('--older-than goes with --clear');
      const folders = dataFolders(process.env, o.dataDir ? path.resolve(o.dataDir) : defaultDataDir());
      const cleared: Record<string, { entries: number; bytes: number; kept: number }> = {};
      if (o.clear) {
        const before = o.olderThan === undefined ? Infinity : Date.now() - o.olderThan * 86_400_000;
        for (const f of foldersToClear(folders, o.clear)) {
          const live = f.locks ? await liveVideoKeys(f.dir) : new Set<string>();
          // (models: only what the app installed, or left half-installed; a folder of one's own
          // models named by L2CAF_CACHE_DIR keeps everything else)
          const installed = f.kind === 'models' ? await installedModels(f.dir) : null;
          cleared[f.kind] = await clearFolder(f.dir, before, {
            skip: skipOf(f, folders),
            keep: (name) => live.has(videoKeyOf(name)) || (installed !== null && !installed.has(name)),
          });
        }
      }
      const rows = [];
      for (const f of folders) rows.push({ ...f, ...(await folderUsage(f.dir, skipOf(f, folders))) });
      if (o.json) {
        process.stdout.write(JSON.stringify({ folders: rows.map(({ kind, what, dir, entries, bytes }) => ({ kind, what, dir, entries, bytes })), ...(o.clear ? { cleared } : {}) }, null, 2) + '\n');
        return;
      }
      for (const [kind, c] of Object.entries(cleared)) {
        const f = folders.find((x) => x.kind === kind)!;
        const kept = c.kept ? ` (${c.kept} kept: ${kind === 'models' ? 'not downloaded by l2caf' : 'a job is writing it'})` : '';
        process.stdout.write(`cleared ${f.what}: ${c.entries} entr${c.entries === 1 ? 'y' : 'ies'}, ${sizeWords(c.bytes)}${kept}\n`);
      }
      const w = Math.max(...rows.map((r) => r.what.length));
      for (const r of rows) {
        process.stdout.write(`${r.what.padEnd(w)}  ${sizeWords(r.bytes).padStart(7)}  ${String(r.entries).padStart(4)} entr${r.entries === 1 ? 'y  ' : 'ies'}  ${r.dir}\n`);
      }
    });
}
