// `l2caf cache`: where L2-CAF Studio keeps what it downloads and computes, how much each folder
// holds, and `--clear` to empty them (all or older entries). Nothing else prunes these folders.
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { CLEAR_NAMES, dataFolders, foldersToClear, type ClearName } from '../cache/dataFolders.js';
import { clearFolder, folderUsage, type ClearResult, type Usage } from '../cache/folderUsage.js';
import { UsageError } from '../engine/targets.js';
import { defaultDataDir } from '../service/service.js';
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

const message = (e: unknown): string => ((e as Error)?.message ?? String(e)).split('\n')[0]!;
const entriesWord = (n: number): string => `${n} entr${n === 1 ? 'y' : 'ies'}`;

export function cacheCommand(): Command {
  const known = oneOf(CLEAR_NAMES, 'folder');
  // (commander hands a required value the next word even when it is a flag: `--clear --older-than 3`)
  const clearName = (v: string): ClearName => {
    if (v.startsWith('-')) throw new InvalidArgumentError(`--clear needs a folder name before ${v} (${CLEAR_NAMES.join(', ')})`);
    return known(v);
  };
  return new Command('cache')
    .description('show what L2-CAF Studio keeps on disk (models, video analyses, the app\'s uploads and exports) and clear it')
    .option('--clear <what...>', `empty folders: ${CLEAR_NAMES.join(', ')} (all: everything but the models, which would be downloaded again)`, (v: string, prev: ClearName[] = []) => [...prev, clearName(v)])
    .option('--older-than <days>', 'with --clear: only entries not changed for this many days', numberArg(0))
    .option('--data-dir <dir>', 'the app\'s data folder (default: ~/.local/share/l2caf-studio, env L2CAF_DATA_DIR; as `serve --data-dir`)')
    .option('--json', 'print the folders (and what was cleared) as JSON')
    .action(async (o: CacheOptions) => {
      if (o.olderThan !== undefined && !o.clear) throw new UsageError('--older-than goes with --clear');
      const folders = dataFolders(process.env, o.dataDir ? path.resolve(o.dataDir) : defaultDataDir());
      const cleared: Record<string, ClearResult | { error: string }> = {};
      const errors: string[] = [];
      if (o.clear) {
        const before = o.olderThan === undefined ? Infinity : Date.now() - o.olderThan * 86_400_000;
        // (a folder that fails is said at the end; the others are still cleared)
        for (const f of foldersToClear(folders, o.clear)) {
          try {
            const c = await clearFolder(f, before);
            cleared[f.kind] = c;
            errors.push(...c.failed);
          } catch (e) {
            cleared[f.kind] = { error: message(e) };
            errors.push(message(e));
          }
        }
      }
      const rows: ((typeof folders)[number] & (Usage | { error: string }))[] = [];
      for (const f of folders) rows.push({ ...f, ...(await folderUsage(f).catch((e: unknown) => ({ error: message(e) }))) });
      if (o.json) {
        const out = rows.map(({ kind, what, dir, ...u }) => ({ kind, what, dir, ...('error' in u ? { error: u.error } : { entries: u.entries, bytes: u.bytes }) }));
        process.stdout.write(JSON.stringify({ folders: out, ...(o.clear ? { cleared } : {}) }, null, 2) + '\n');
      } else {
        for (const [kind, c] of Object.entries(cleared)) {
          if ('error' in c) continue;
          const f = folders.find((x) => x.kind === kind)!;
          const kept = [c.kept ? `${c.kept} kept: in use or still being written` : '', c.failed.length ? `${c.failed.length} could not be removed` : ''].filter(Boolean).join('; ');
          process.stdout.write(`cleared ${f.what}: ${entriesWord(c.entries)}, ${sizeWords(c.bytes)}${kept ? ` (${kept})` : ''}\n`);
        }
        const w = Math.max(...rows.map((r) => r.what.length));
        for (const r of rows) {
          const held = 'error' in r ? r.error : `${sizeWords(r.bytes).padStart(7)}  ${entriesWord(r.entries).padStart(12)}  ${r.dir}`;
          process.stdout.write(`${r.what.padEnd(w)}  ${held}\n`);
        }
      }
      // (what could not be cleared fails the command, after saying what was)
      if (errors.length) throw new Error(errors.length === 1 ? errors[0] : `${errors[0]} (and ${errors.length - 1} more)`);
    });
}
