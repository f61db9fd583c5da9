// The folders L2-CAF Studio fills on its own (downloaded models, analyses of videos, and the app's
// uploads, exports and browser proxies), for `l2caf cache`: what each holds, and clearing it. None of
// them is pruned on its own, so without this a user finds them by reading the code.
import path from 'node:path';
import { defaultCacheDir } from '../models/paths.js';
import { defaultVideoCacheDir } from '../video/videoCache.js';

export type FolderKind = 'models' | 'video' | 'app-video' | 'proxies' | 'uploads' | 'exports';

export interface DataFolder {
  kind: FolderKind;
  /** what it holds, in a few words */
  what: string;
  dir: string;
  /** a video cache: a job in progress holds a `<key>.lock`, and its entry is kept while it runs */
  locks: boolean;
}

/** The names `--clear` takes: each kind, `video` (both video caches) and `all` (everything but models, which would be downloaded again). */
export const CLEAR_NAMES = ['all', 'video', 'proxies', 'uploads', 'exports', 'models'] as const;
export type ClearName = (typeof CLEAR_NAMES)[number];

/**
 * Pure (of env and the app's data folder): the folders, as the CLI (models, video analyses) and the
 * app (`l2caf serve`, Electron: `<data dir>/video-cache` with its `proxies`, `uploads`, `exports`) use them.
 */
export function dataFolders(env: NodeJS.ProcessEnv, dataDir: string): DataFolder[] {
  const appVideo = path.join(dataDir, 'video-cache');
  return [
    { kind: 'models', what: 'downloaded models', dir: defaultCacheDir(env), locks: false },
    { kind: 'video', what: 'video analyses (CLI)', dir: defaultVideoCacheDir(env), locks: true },
    { kind: 'app-video', what: 'video analyses (app)', dir: appVideo, locks: true },
    { kind: 'proxies', what: 'browser copies of videos (app)', dir: path.join(appVideo, 'proxies'), locks: false },
    { kind: 'uploads', what: 'uploaded files (browser app)', dir: path.join(dataDir, 'uploads'), locks: false },
    { kind: 'exports', what: 'exports before download (app)', dir: path.join(dataDir, 'exports'), locks: false },
  ];
}

/** Pure: the folders a `--clear` list names (`all`: every one but the models). */
export function foldersToClear(folders: readonly DataFolder[], names: readonly ClearName[]): DataFolder[] {
  const want = new Set<FolderKind>();
  for (const n of names) {
    if (n === 'all') for (const f of folders) if (f.kind !== 'models') want.add(f.kind);
    if (n === 'video') (['video', 'app-video'] as const).forEach((k) => want.add(k));
    if (n === 'proxies' || n === 'uploads' || n === 'exports' || n === 'models') want.add(n);
  }
  return folders.filter((f) => want.has(f.kind));
}
