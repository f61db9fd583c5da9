// The folders L2-CAF Studio fills on its own (downloaded models, analyses of videos, and the app's
// uploads, exports and playable copies), for `l2caf cache`: what each holds, and clearing it.
// Nothing else prunes them (but a model cache's leftover temporary folders, after a day). A folder
// is cleared of what the tool names there only: its files' names follow patterns (hashes, export
// names), so anything else a folder holds (an env var pointing at one's own folder) is left alone.
import path from 'node:path';
import { defaultCacheDir } from '../models/paths.js';
import { defaultVideoCacheDir } from '../video/videoCache.js';

export type FolderKind = 'models' | 'video' | 'app-video' | 'proxies' | 'uploads' | 'exports';

export interface DataFolder {
  kind: FolderKind;
  /** what it holds, in a few words */
  what: string;
  dir: string;
  /**
   * Whether an entry of this name is one the tool makes here (a leading dot: its temporary form).
   * Models are judged by their install record instead (folderUsage.ts isModelCacheEntry).
   */
  owns: (name: string) => boolean;
  /** a video cache: a job in progress holds `<key>.lock`, and its entry stays while it runs */
  locks: boolean;
  /** the app's folders on the way to it (the playable copies: inside the video cache), none of which may be a link for a clear */
  parents?: string[];
}

// The names each folder's writers choose (a leading dot: written under a temporary name):
// video caches: `<sha256 key>.json|.partial.jsonl|.lock[...]` (video/cacheKey.ts, videoCache.ts);
// playable copies: `<24 hex>.mp4|.webm` (service/mediaRegistry.ts); uploads: `<24 hex>/` and
// `.incoming-<12 hex>/` (server/upload.ts); exports: `<stem>-attention[-tag]-<6 hex>[ext]` and
// their `.timeline.json|.csv` (service/exportsFolder.ts, video/sidecars.ts).
// Lock files (`<key>.lock`, `<key>.lock.<pid>.stale`) are not the clearer's: removing a stale one
// races a job taking it over (videoCache.ts takeLock), which cleans them up itself.
const VIDEO_NAME = /^\.?[0-9a-f]{64}\.(?!lock(?:\.|$))/;
const PROXY_NAME = /^\.?[0-9a-f]{24}\./;
const UPLOAD_NAME = /^(?:[0-9a-f]{24}|\.incoming-[0-9a-f]{12})$/;
// `<stem>-attention[-<method>-<axis>]-<6 hex>` (a volume's exports carry method and axis) with the
// export's extension and its timeline files; written first under `.<name>...` temporary names
// (media/outputTarget.ts, fs/writeFileAtomic.ts).
const EXPORTED = '[A-Za-z0-9._-]+-attention(?:-(?:l2caf|l2caf-class|gradcam|cam)-[xyz])?-[0-9a-f]{6}';
const EXPORT_NAME = new RegExp(`^${EXPORTED}(?:\\.(?:mp4|webm|gif|nii\\.gz))?(?:\\.timeline\\.(?:json|csv))?$`);
const EXPORT_TEMP = new RegExp(`^\\.${EXPORTED}(?:\\.[A-Za-z0-9._-]*)?\\.(?:tmp|part(?:\\.[A-Za-z0-9.]+)?|part-\\w{6})$`);
/** Besides the installed models, what the model cache holds: sample clips and shared label sets (models/resolve-sample.ts, labelSet.ts). */
export const MODEL_CACHE_EXTRAS = ['_samples', 'labelsets'];

/** The names `--clear` takes: each kind, `video` (both video caches) and `all` (everything but models, which would be downloaded again). */
export const CLEAR_NAMES = ['all', 'video', 'proxies', 'uploads', 'exports', 'models'] as const;
export type ClearName = (typeof CLEAR_NAMES)[number];

/**
 * Pure (of env and the app's data folder): the folders, as the CLI (models, video analyses) and the
 * app (`l2caf serve`, Electron: `<data dir>/video-cache` with its `proxies`, `uploads`, `exports`) use them.
 */
export function dataFolders(env: NodeJS.ProcessEnv, dataDir: string): DataFolder[] {
  const appVideo = path.join(dataDir, 'video-cache');
  const video = (name: string) => VIDEO_NAME.test(name);
  return [
    { kind: 'models', what: 'downloaded models', dir: defaultCacheDir(env), owns: () => false, locks: false },
    { kind: 'video', what: 'video analyses (CLI)', dir: defaultVideoCacheDir(env), owns: video, locks: true },
    { kind: 'app-video', what: 'video analyses (app)', dir: appVideo, owns: video, locks: true },
    { kind: 'proxies', what: 'playable copies of videos (app)', dir: path.join(appVideo, 'proxies'), owns: (n) => PROXY_NAME.test(n), locks: false, parents: [appVideo] },
    { kind: 'uploads', what: 'uploaded files (browser app)', dir: path.join(dataDir, 'uploads'), owns: (n) => UPLOAD_NAME.test(n), locks: false },
    { kind: 'exports', what: 'exports before download (app)', dir: path.join(dataDir, 'exports'), owns: (n) => EXPORT_NAME.test(n) || EXPORT_TEMP.test(n), locks: false },
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
